#!/usr/bin/env bash
# Re-creates hiroba/core/static/vendor/noble-curves/ed25519.js: @noble/curves' Ed25519 (with the @noble/hashes
# code it needs) bundled by esbuild into ONE self-contained, minified ES module, for the voting booth
# (hiroba/voting/static/voting/belenios.js imports it as ../vendor/noble-curves/ed25519.js, which resolves to
# /static/vendor/noble-curves/ed25519.js). Run by hand when upgrading; the output is committed, so neither Node
# nor the network is needed to install or run Hiroba. Nothing is added to the repository's package.json: the
# packages are installed in a temporary directory, their tarballs checked against the integrity pinned below.
set -euo pipefail
cd "$(dirname "$0")/.."

CURVES_VERSION=1.9.7   # @noble/curves, the current 1.x release
CURVES_INTEGRITY=sha512-gbKGcRUYIjA3/zCCNaWDciTMFI0dCkvou3TL8Zmy5Nc7sJ47a0jtOeZoTaMxkuqRo9cRhjOdZJXegxYE5FN/xw==
HASHES_VERSION=1.8.0   # @noble/hashes, the exact dependency of @noble/curves 1.9.7
HASHES_INTEGRITY=sha512-jCs9ldd7NwzpgXDIf6P3+NrHh9/sD6CQdxHyjQI+h/6rDNo88ypBxxz45UDuZHz9r3tNz7N/VInSVoVdtXEI4A==
ESBUILD_VERSION=0.25.9

out=hiroba/core/static/vendor/noble-curves
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check_integrity() {  # check_integrity NAME VERSION EXPECTED
  local got
  got=$(cd "$work" && npm view "$1@$2" dist.integrity)
  if [ "$got" != "$3" ]; then
    echo "$1@$2: registry integrity $got, expected $3" >&2
    exit 1
  fi
}
check_integrity @noble/curves "$CURVES_VERSION" "$CURVES_INTEGRITY"
check_integrity @noble/hashes "$HASHES_VERSION" "$HASHES_INTEGRITY"

(
  cd "$work"
  echo '{"name":"noble-vendor","private":true}' > package.json
  # npm verifies each tarball against the integrity the registry lists (checked above)
  npm install --no-save --ignore-scripts --no-audit --no-fund --silent \
    "@noble/curves@$CURVES_VERSION" "@noble/hashes@$HASHES_VERSION"
  for pkg in curves:$CURVES_VERSION hashes:$HASHES_VERSION; do  # exactly the pinned versions were installed
    grep -q "\"version\": \"${pkg#*:}\"" "node_modules/@noble/${pkg%%:*}/package.json"
  done
  cat > entry.js <<'EOF'
import { ed25519 } from "@noble/curves/ed25519";
export { ed25519 };
// The point class under both its 1.x names (ExtendedPoint is the older one).
export const Point = ed25519.Point;
export const ExtendedPoint = ed25519.Point;
EOF
  banner="/*! @noble/curves $CURVES_VERSION and @noble/hashes $HASHES_VERSION - MIT License (c) 2022 Paul Miller (paulmillr.com). Bundled by scripts/vendor_noble.sh with esbuild $ESBUILD_VERSION; see LICENSE.txt */"
  npx --yes "esbuild@$ESBUILD_VERSION" entry.js --bundle --format=esm --minify --target=es2020 \
    --legal-comments=inline --banner:js="$banner" --log-level=warning --outfile=ed25519.js
)

mkdir -p "$out"
cp "$work/ed25519.js" "$out/ed25519.js"
cp "$work/node_modules/@noble/curves/LICENSE" "$out/LICENSE.txt"
cp "$work/node_modules/@noble/hashes/LICENSE" "$out/LICENSE-noble-hashes.txt"
echo "vendored @noble/curves $CURVES_VERSION (@noble/hashes $HASHES_VERSION) into $out/ed25519.js"
