#!/usr/bin/env bash
# The toolbox round trip: an assessment provider issues Miranda a PPP skill
# credential, she presents two of its claims to a school, and the school
# verifies them. Every step uses the paspoort CLI; nothing is mocked.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/paspoort" ./cmd/paspoort
p="$work/paspoort"

step() { printf '\n== %s\n' "$*"; }

step "The assessment provider and Miranda each generate a key (ES256)"
"$p" keys generate > "$work/issuer.jwk"
"$p" keys generate > "$work/miranda.jwk"
"$p" keys public < "$work/miranda.jwk" > "$work/miranda.pub.jwk"
"$p" keys public < "$work/issuer.jwk" > "$work/issuer.pub.jwk"
cat "$work/miranda.pub.jwk"

step "The claims: a PPP skill credential (ESCO skill, proficiency 1-5)"
"$p" ppp example skill | tee "$work/claims.json"

step "Issue the SD-JWT VC, bound to Miranda's key, every claim selectively disclosable"
"$p" sdjwt issue --key "$work/issuer.jwk" --iss https://assessor.example \
  --vct https://paspoort.loopbrug.nl/vct/skill/v1 --holder-key "$work/miranda.pub.jwk" \
  --claims "$work/claims.json" --decoys 4 --ttl 8760h > "$work/credential.txt"
cut -c1-120 "$work/credential.txt"; echo "…"

step "Miranda presents only the skill and her proficiency to the school, with a Key Binding JWT"
"$p" sdjwt present --holder-key "$work/miranda.jwk" --disclose /skill,/proficiency \
  --aud https://hogeschool.example --nonce "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  < "$work/credential.txt" > "$work/presentation.txt"
nonce=$("$p" sdjwt decode < "$work/presentation.txt" | sed -n 's/.*"nonce": "\(.*\)".*/\1/p')
"$p" sdjwt decode < "$work/presentation.txt" | sed -n '/"disclosures"/,/^  \]/p'

step "The school verifies: signature, disclosures, key binding; the claims it sees"
"$p" sdjwt verify --issuer-key "$work/issuer.pub.jwk" --aud https://hogeschool.example --nonce "$nonce" \
  < "$work/presentation.txt"

step "A replay to another verifier is refused"
if "$p" sdjwt verify --issuer-key "$work/issuer.pub.jwk" --aud https://employer.example --nonce "$nonce" \
  < "$work/presentation.txt"; then
  echo "ERROR: the presentation was accepted by the wrong verifier" >&2
  exit 1
fi
printf '\nround trip OK\n'
