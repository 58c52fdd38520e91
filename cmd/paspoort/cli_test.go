package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials/did"
)

// cli runs the command line in-process and returns stdout, stderr and the
// exit status.
func cli(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func mustCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errOut, code := cli(t, stdin, args...)
	if code != 0 {
		t.Fatalf("paspoort %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The toolbox round trip of the README, for both algorithms: generate keys,
// issue, present, verify.
func TestToolboxRoundTrip(t *testing.T) {
	for _, alg := range []string{"ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			dir := t.TempDir()
			issuer := writeFile(t, dir, "issuer.jwk", mustCLI(t, "", "keys", "generate", "--alg", alg))
			holderPriv := mustCLI(t, "", "keys", "generate", "--alg", alg)
			holder := writeFile(t, dir, "holder.jwk", holderPriv)
			holderPub := writeFile(t, dir, "holder.pub.jwk", mustCLI(t, holderPriv, "keys", "public"))
			issuerPub := writeFile(t, dir, "issuer.pub.jwk", mustCLI(t, mustRead(t, issuer), "keys", "public"))
			if strings.Contains(mustRead(t, holderPub), `"d"`) {
				t.Fatal("public JWK carries d")
			}
			claims := writeFile(t, dir, "claims.json", mustCLI(t, "", "ppp", "example", "skill"))
			cred := mustCLI(t, "", "sdjwt", "issue", "--key", issuer, "--iss", "https://assessor.example",
				"--vct", "https://paspoort.loopbrug.nl/vct/skill/v1", "--holder-key", holderPub, "--claims", claims,
				"--decoys", "3", "--ttl", "8760h")
			if !strings.HasSuffix(strings.TrimSpace(cred), "~") {
				t.Fatalf("issuance form does not end in ~: %s", cred)
			}
			pres := mustCLI(t, cred, "sdjwt", "present", "--holder-key", holder, "--disclose", "/skill,/proficiency",
				"--aud", "https://school.example", "--nonce", "n-0S6")
			out := mustCLI(t, pres, "sdjwt", "verify", "--issuer-key", issuerPub, "--aud", "https://school.example", "--nonce", "n-0S6")
			var got map[string]any
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			if got["proficiency"] != 3.0 || got["skill"] == nil || got["skill_label"] != nil || got["iss"] != "https://assessor.example" {
				t.Fatalf("claims %v", got)
			}
			// all and none
			all := mustCLI(t, cred, "sdjwt", "present", "--holder-key", holder, "--disclose", "all", "--aud", "a", "--nonce", "n")
			if out := mustCLI(t, all, "sdjwt", "verify", "--issuer-key", issuerPub, "--aud", "a", "--nonce", "n"); !strings.Contains(out, "skill_label") {
				t.Fatalf("all: %s", out)
			}
			none := mustCLI(t, cred, "sdjwt", "present", "--holder-key", holder, "--disclose", "none", "--aud", "a", "--nonce", "n")
			if out := mustCLI(t, none, "sdjwt", "verify", "--issuer-key", issuerPub, "--aud", "a", "--nonce", "n"); strings.Contains(out, `"skill"`) {
				t.Fatalf("none: %s", out)
			}
			// decode shows every disclosure and says it verified nothing.
			dec := mustCLI(t, cred, "sdjwt", "decode")
			if !strings.Contains(dec, `"verified": false`) || strings.Count(dec, `"digest"`) != 6 {
				t.Fatalf("decode: %s", dec)
			}
		})
	}
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestVerifyExitCodes(t *testing.T) {
	dir := t.TempDir()
	issuer := writeFile(t, dir, "issuer.jwk", mustCLI(t, "", "keys", "generate"))
	other := writeFile(t, dir, "other.jwk", mustCLI(t, "", "keys", "generate"))
	holder := writeFile(t, dir, "holder.jwk", mustCLI(t, "", "keys", "generate"))
	claims := writeFile(t, dir, "claims.json", `{"course":"Didactiek 1","grade":8}`)
	cred := strings.TrimSpace(mustCLI(t, "", "sdjwt", "issue", "--key", issuer, "--iss", "https://school.example",
		"--vct", "https://school.example/course", "--holder-key", holder, "--claims", claims))
	pres := strings.TrimSpace(mustCLI(t, cred, "sdjwt", "present", "--holder-key", holder, "--disclose", "/grade", "--aud", "v", "--nonce", "n"))
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string
	}{
		{"ok", pres, []string{"--issuer-key", issuer, "--aud", "v", "--nonce", "n"}, 0, ""},
		{"wrong issuer key", pres, []string{"--issuer-key", other, "--aud", "v", "--nonce", "n"}, 1, "rejected (SIG)"},
		{"wrong nonce", pres, []string{"--issuer-key", issuer, "--aud", "v", "--nonce", "m"}, 1, "rejected (KB)"},
		{"wrong aud", pres, []string{"--issuer-key", issuer, "--aud", "w", "--nonce", "n"}, 1, "rejected (KB)"},
		{"KB refused without aud/nonce", pres, []string{"--issuer-key", issuer}, 1, "rejected (KB)"},
		{"KB required with aud/nonce", cred, []string{"--issuer-key", issuer, "--aud", "v", "--nonce", "n"}, 1, "rejected (KB)"},
		{"credential without KB", cred, []string{"--issuer-key", issuer}, 0, ""},
		{"tampered disclosure", strings.Replace(pres, "~", "~WyJzYWx0IiwiZ3JhZGUiLDEwXQ~", 1), []string{"--issuer-key", issuer, "--aud", "v", "--nonce", "n"}, 1, "rejected (DISC)"},
		{"garbage", "not an sd-jwt", []string{"--issuer-key", issuer}, 1, "rejected (FMT)"},
		{"aud without nonce", pres, []string{"--issuer-key", issuer, "--aud", "v"}, 2, "go together"},
		{"no issuer key", pres, []string{}, 2, "--issuer-key is required"},
		{"missing key file", pres, []string{"--issuer-key", filepath.Join(dir, "nope.jwk")}, 2, "--issuer-key"},
		{"unknown flag", pres, []string{"--issuer-key", issuer, "--frobnicate"}, 2, "onbekende optie --frobnicate"},
		{"unknown flag, nearest suggested", pres, []string{"--issuer-kee", issuer}, 2, "bedoelde u --issuer-key?"},
		{"unknown flag in English", pres, []string{"--lang", "en", "--issuer-kee", issuer}, 2, "did you mean --issuer-key?"},
		{"stray argument", pres, []string{"--issuer-key", issuer, "extra"}, 2, "unexpected argument"},
		{"empty stdin", "", []string{"--issuer-key", issuer}, 2, "standard input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := cli(t, tc.stdin, append([]string{"sdjwt", "verify"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, errOut)
			}
			if !strings.Contains(errOut, tc.stderr) {
				t.Fatalf("stderr %q does not contain %q", errOut, tc.stderr)
			}
			if code == 1 && (strings.Count(strings.TrimSpace(errOut), "\n") != 0 || out != "") {
				t.Fatalf("a rejection prints one line on stderr and nothing on stdout: %q / %q", errOut, out)
			}
			if code == 0 && !json.Valid([]byte(out)) {
				t.Fatalf("stdout is not JSON: %q", out)
			}
		})
	}
}

func TestIssueRefuses(t *testing.T) {
	dir := t.TempDir()
	issuer := writeFile(t, dir, "issuer.jwk", mustCLI(t, "", "keys", "generate"))
	holder := writeFile(t, dir, "holder.jwk", mustCLI(t, "", "keys", "generate"))
	good := writeFile(t, dir, "good.json", `{"a":1,"list":[1,2]}`)
	badSkill := writeFile(t, dir, "skill.json", `{"skill":"http://data.europa.eu/esco/skill/nope","proficiency":9}`)
	notObject := writeFile(t, dir, "arr.json", `[1,2]`)
	dup := writeFile(t, dir, "dup.json", `{"a":1,"a":2}`)
	base := []string{"sdjwt", "issue", "--key", issuer, "--iss", "https://i.example", "--holder-key", holder}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"ok with paths", []string{"--vct", "x", "--claims", good, "--disclose", "/a,/list/1"}, 0, ""},
		{"PPP schema refused", []string{"--vct", "https://paspoort.loopbrug.nl/vct/skill/v1", "--claims", badSkill}, 1, "/proficiency"},
		{"not an object", []string{"--vct", "x", "--claims", notObject}, 1, "object"},
		{"duplicate member", []string{"--vct", "x", "--claims", dup}, 1, "duplicate"},
		{"unknown path", []string{"--vct", "x", "--claims", good, "--disclose", "/b"}, 1, "names no claim"},
		{"never disclosable", []string{"--vct", "x", "--claims", good, "--disclose", "/vct"}, 1, "must not be selectively disclosable"},
		{"bad pointer", []string{"--vct", "x", "--claims", good, "--disclose", "a"}, 2, "--disclose"},
		{"no vct", []string{"--claims", good}, 2, "--vct"},
		{"negative decoys", []string{"--vct", "x", "--claims", good, "--decoys", "-1"}, 2, "--decoys"},
		{"bad alg", nil, 2, "ES256 or EdDSA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{}, base...), tc.args...)
			if tc.args == nil {
				args = []string{"keys", "generate", "--alg", "HS256"}
			}
			_, errOut, code := cli(t, "", args...)
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q)", code, tc.code, errOut, tc.stderr)
			}
		})
	}
}

// The RFC 9901 example verifies through the CLI as a plain SD-JWT.
func TestVerifyRFCExample(t *testing.T) {
	in := mustRead(t, "../../credentials/sdjwt/testdata/rfc9901-A.3-sd-jwt-kb.txt")
	out := mustCLI(t, in, "sdjwt", "verify", "--issuer-key", "../../credentials/sdjwt/testdata/rfc9901-A.5-issuer-key.json",
		"--aud", "https://verifier.example.org", "--nonce", "1234567890", "--now", "1748454290")
	if !strings.Contains(out, `"nationalities"`) {
		t.Fatalf("out %s", out)
	}
}

func TestKeysDID(t *testing.T) {
	priv := mustCLI(t, "", "keys", "generate", "--alg", "EdDSA")
	pub := mustCLI(t, priv, "keys", "public")
	jwkDID := strings.TrimSpace(mustCLI(t, priv, "keys", "did"))
	if !strings.HasPrefix(jwkDID, "did:jwk:") || strings.TrimSpace(mustCLI(t, pub, "keys", "did")) != jwkDID {
		t.Fatalf("did:jwk %q", jwkDID)
	}
	keyDID := strings.TrimSpace(mustCLI(t, pub, "keys", "did", "--method", "key"))
	if !strings.HasPrefix(keyDID, "did:key:z6Mk") { // Ed25519 multicodec prefix
		t.Fatalf("did:key %q", keyDID)
	}
	resolved, err := did.ResolveJWK(jwkDID)
	if err != nil || len(resolved.VerificationMethod) != 1 {
		t.Fatalf("resolve %s: %v", jwkDID, err)
	}
	if _, _, code := cli(t, pub, "keys", "did", "--method", "web"); code != 2 {
		t.Fatalf("--method web: exit %d", code)
	}
}
