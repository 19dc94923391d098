#!/usr/bin/env bash
# Regenerates the Belenios event archives that hiroba/voting's tests verify, with Debian's belenios-tool (2.0):
#   nofn-belenios2048.bel      3 "Single" trustees, 5 weighted voters, re-votes, tally, result (demo.sh)
#   threshold-belenios2048.bel a server key plus 2-of-3 "Pedersen" trustees (demo-threshold.sh)
#   nofn-rfc3526.bel           as the first, in the RFC-3526-2048 group
#   mixnet-rfc3526.bel         one non-homomorphic question, shuffled twice (demo-mj.sh; the verifier refuses it)
# belenios-tool 2.0 knows no Ed25519 group, so the Ed25519 fixture is written by hiroba's own generator
# (`python -m hiroba.voting.tests.simulate hiroba/voting/tests/archives/nofn-ed25519-hiroba.bel`) and checked by the tests; see docs/dev/voting.md.
#
# Usage: scripts/belenios_fixtures.sh [OUT_DIR]      (default: hiroba/voting/tests/archives)
#        scripts/belenios_fixtures.sh --one KIND GROUP OUT_DIR   (one archive; KIND = nofn | threshold | mixnet)
set -euo pipefail
export BELENIOS_USE_URANDOM=1

command -v belenios-tool >/dev/null 2>&1 || { echo "belenios-tool is not installed (apt-get install belenios-tool)" >&2; exit 1; }

# Questions follow the specification's question format (section 4.9): the first allows a blank vote.
questions_h='{"description":"Hiroba test poll","name":"Hiroba fixture","questions":[
 {"answers":["Park","Library"],"blank":true,"min":1,"max":1,"question":"Which project first?"},
 {"answers":["Mon","Wed","Fri"],"min":1,"max":2,"question":"Which days (one or two)?"}]}'
questions_nh='{"description":"Hiroba test poll","name":"Hiroba mixnet fixture","questions":[
 {"type":"NonHomomorphic","value":{"answers":["A","B","C"],"question":"Grade each"}}]}'

# One line per voter: the plaintext of the first ballot; the first three voters then vote again.
votes='[[0,1,0],[1,0,0]]
[[0,0,1],[0,1,1]]
[[1,0,0],[0,1,0]]
[[0,1,0],[0,0,1]]
[[0,0,1],[1,1,0]]'
revotes='[[0,0,1],[1,0,1]]
[[0,1,0],[0,1,0]]
[[0,1,0],[1,0,0]]'

make_one () {  # KIND GROUP OUT_FILE
  local kind=$1 group=$2 out=$3 work uuid
  work=$(mktemp -d)
  (
    cd "$work"
    uuid=$(belenios-tool setup generate-token)
    if [ "$kind" = mixnet ]; then
      printf 'v1@example.com,v1\nv2@example.com,v2\nv3@example.com,v3\nv4@example.com,v4\n' > voters.txt
    else
      printf 'v1@example.com,v1,1\nv2@example.com,v2,2\nv3@example.com,v3,3\nv4@example.com,v4,4\nv5@example.com,v5,10\n' > voters.txt
    fi
    belenios-tool setup generate-credentials --uuid "$uuid" --group "$group" --file voters.txt >/dev/null
    mv ./*.pubcreds public_creds.json
    mv ./*.privcreds private_creds.txt

    if [ "$kind" = threshold ]; then
      tk () { belenios-tool setup generate-trustee-key-threshold --group "$group" "$@"; }
      tk --step 1 >/dev/null; tk --step 1 >/dev/null; tk --step 1 >/dev/null
      cat ./*.cert > certs.jsons
      tk --certs certs.jsons --step 2
      for u in ./*.key; do tk --certs certs.jsons --key "$u" --step 3 --threshold 2; done > polynomials.jsons
      tk --certs certs.jsons --step 4 --polynomials polynomials.jsons
      for u in ./*.key; do b=${u%.key}; tk --certs certs.jsons --key "$u" --step 5 < "$b.vinput" > "$b.voutput"; done
      cat ./*.voutput | tk --certs certs.jsons --step 6 --polynomials polynomials.jsons > threshold.json
      belenios-tool setup generate-trustee-key --group "$group" >/dev/null   # the mandatory server key
      cat ./*.pubkey > public_keys.jsons
    else
      for _ in 1 2 3; do belenios-tool setup generate-trustee-key --group "$group" >/dev/null; done
      cat ./*.pubkey > public_keys.jsons
    fi
    belenios-tool setup make-trustees
    rm -f public_keys.jsons threshold.json

    if [ "$kind" = mixnet ]; then echo "$questions_nh" > questions.json; else echo "$questions_h" > questions.json; fi
    belenios-tool setup make-election --uuid "$uuid" --group "$group" --template questions.json
    belenios-tool archive init
    rm -f election.json trustees.json public_creds.json

    cast () {  # reads "id cred vote" lines
      local ballot
      while read -r _ cred vote; do
        ballot=$(belenios-tool election generate-ballot --privcred <(echo "$cred") --ballot <(echo "$vote"))
        [ -n "$ballot" ] || { echo "no ballot for $vote" >&2; return 1; }
        printf '%s\n' "$ballot" | belenios-tool archive add-event --type=Ballot
      done
    }
    if [ "$kind" = mixnet ]; then
      paste private_creds.txt <(printf '[[1,2,3]]\n[[2,2,1]]\n[[3,1,2]]\n[[1,1,1]]\n') | cast
    else
      paste private_creds.txt <(echo "$votes") | cast
      paste <(head -n 3 private_creds.txt) <(echo "$revotes") | cast
    fi
    belenios-tool election verify

    belenios-tool archive add-event --type=EndBallots < /dev/null
    belenios-tool election compute-encrypted-tally | belenios-tool archive add-event --type=EncryptedTally
    if [ "$kind" = mixnet ]; then
      belenios-tool election shuffle --trustee-id=1 | belenios-tool archive add-event --type=Shuffle
      belenios-tool election shuffle --trustee-id=2 | belenios-tool archive add-event --type=Shuffle
      belenios-tool archive add-event --type=EndShuffles < /dev/null
    fi
    if [ "$kind" = threshold ]; then
      # The server key is trustee 1; the threshold trustees are 2..4 and only two of them (2 and 4) decrypt.
      for u in ./*.privkey; do
        belenios-tool election decrypt --privkey "$u" --trustee-id 1 | belenios-tool archive add-event --type=PartialDecryption
      done
      id=2
      for u in ./*.key; do
        if [ "$id" != 3 ]; then
          belenios-tool election decrypt-threshold --key "$u" --decryption-key "${u%.key}.dkey" --trustee-id "$id" \
            | belenios-tool archive add-event --type=PartialDecryption
        fi
        id=$((id + 1))
      done
    else
      id=1
      for u in ./*.privkey; do
        belenios-tool election decrypt --privkey "$u" --trustee-id "$id" | belenios-tool archive add-event --type=PartialDecryption
        id=$((id + 1))
      done
    fi
    belenios-tool election compute-result | belenios-tool archive add-event --type=Result
    belenios-tool election verify
  ) >"$work.log" 2>&1 || { echo "belenios-tool failed for $kind $group (see $work.log, work dir $work)" >&2; exit 1; }
  cp "$work"/*.bel "$out"
  rm -rf "$work" "$work.log"
}

if [ "${1:-}" = --one ]; then
  make_one "$2" "$3" "$4"
  exit 0
fi

out=${1:-hiroba/voting/tests/archives}
mkdir -p "$out"
make_one nofn BELENIOS-2048 "$out/nofn-belenios2048.bel"
make_one threshold BELENIOS-2048 "$out/threshold-belenios2048.bel"
make_one nofn RFC-3526-2048 "$out/nofn-rfc3526.bel"
make_one mixnet RFC-3526-2048 "$out/mixnet-rfc3526.bel"
python=${PYTHON:-.venv/bin/python}
if [ -x "$python" ]; then
  rm -f "$out/nofn-ed25519-hiroba.bel"
  "$python" -m hiroba.voting.tests.simulate "$out/nofn-ed25519-hiroba.bel" Ed25519
fi
echo "wrote $(ls "$out"/*.bel | wc -l) archives to $out"
