#!/usr/bin/env bash
# Regenerates the vendored front-end files from the npm registry. Run by hand when upgrading; the output is
# committed, so neither Node nor the network is needed to install or run Hiroba (LGWAN pages load nothing
# from outside the server).
set -euo pipefail
cd "$(dirname "$0")/.."

TOKENS_VERSION=1.1.9   # @digital-go-jp/design-tokens: the Digital Agency Design System tokens
HTMX_VERSION=2.0.11    # htmx.org

out=hiroba/core/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch NAME VERSION -> unpacked into $work/NAME
  local dir="$work/$1"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$1@$2" >/dev/null && tar xzf ./*.tgz)
}

fetch @digital-go-jp/design-tokens "$TOKENS_VERSION"
mkdir -p "$out/design-tokens"
{
  echo "/* @digital-go-jp/design-tokens $TOKENS_VERSION (MIT), vendored by scripts/vendor-frontend.sh */"
  cat "$work/@digital-go-jp/design-tokens/package/dist/tokens.css"
} > "$out/design-tokens/tokens.css"
cp "$work/@digital-go-jp/design-tokens/package/LICENSE" "$out/design-tokens/LICENSE.txt"

fetch htmx.org "$HTMX_VERSION"
mkdir -p "$out/htmx"
cp "$work/htmx.org/package/dist/htmx.min.js" "$out/htmx/htmx.min.js"
cp "$work/htmx.org/package/LICENSE" "$out/htmx/LICENSE.txt"

echo "vendored design-tokens $TOKENS_VERSION and htmx $HTMX_VERSION into $out"
