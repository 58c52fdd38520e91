package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
)

// sdjwt verify --check-status fetches the issuer's Token Status List and
// refuses a revoked credential.
func TestVerifyCheckStatus(t *testing.T) {
	dir := t.TempDir()
	issuerJWK := mustCLI(t, "", "keys", "generate")
	issuer := writeFile(t, dir, "issuer.jwk", issuerJWK)
	holder := writeFile(t, dir, "holder.jwk", mustCLI(t, "", "keys", "generate"))
	claims := writeFile(t, dir, "claims.json", `{"module":"Didactiek 1"}`)
	key, err := jose.ParsePrivateKey([]byte(issuerJWK))
	if err != nil {
		t.Fatal(err)
	}
	var revoked atomic.Bool
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, _ := statuslist.New(1, statuslist.HerdPrivacyMinEntries)
		if revoked.Load() {
			_ = list.Set(42, statuslist.Invalid)
		}
		claim, _ := list.Encode()
		payload, _ := json.Marshal(map[string]any{"sub": srvURL + "/status/1", "iat": time.Now().Unix(), "ttl": 60, "status_list": claim})
		tok, _ := jose.Sign(key, statuslist.TokenType, nil, payload)
		w.Header().Set("Content-Type", statuslist.MediaType)
		fmt.Fprint(w, tok)
	}))
	defer srv.Close()
	srvURL = srv.URL
	cred := mustCLI(t, "", "sdjwt", "issue", "--key", issuer, "--iss", "https://school.example", "--vct", "x",
		"--holder-key", holder, "--claims", claims, "--status-uri", srv.URL+"/status/1", "--status-index", "42")
	verify := []string{"sdjwt", "verify", "--issuer-key", issuer, "--check-status", "--allow-loopback"}
	if out := mustCLI(t, cred, verify...); !strings.Contains(out, `"status"`) {
		t.Fatalf("valid credential: %s", out)
	}
	revoked.Store(true)
	_, errOut, code := cli(t, cred, verify...)
	if code != 1 || !strings.Contains(errOut, "revoked") {
		t.Fatalf("revoked credential: exit %d, %q", code, errOut)
	}
	// Without --allow-loopback the fetch is refused: fail closed.
	_, errOut, code = cli(t, cred, "sdjwt", "verify", "--issuer-key", issuer, "--check-status")
	if code != 1 || !strings.Contains(errOut, "STATUS") && !strings.Contains(errOut, "FETCH") {
		t.Fatalf("loopback not allowed: exit %d, %q", code, errOut)
	}
	// Without --check-status the status is not fetched.
	mustCLI(t, cred, "sdjwt", "verify", "--issuer-key", issuer)
}
