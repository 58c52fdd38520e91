package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/dcql"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
)

// lockedBuffer is a bytes.Buffer safe for a server's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freeAddr returns a 127.0.0.1 address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestVerifierCLIEndToEnd runs the command-line contract of issue 5 in
// process: `verifier serve` on plain http://127.0.0.1 (redirect_uri client
// for development), `verifier request`, a wallet presenting over OpenID4VP
// in between (credentials/oid4vp's wallet side, as the paspoort wallet),
// `verifier result`, and a clean stop when the context ends.
func TestVerifierCLIEndToEnd(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr

	// An issuer (did:jwk) the trust list accredits, and its credentials.
	iss, holder, creds := testCredentials(t)
	trust, _ := json.Marshal(map[string]any{"issuers": []any{map[string]any{"id": iss, "types": ppp.Names()}}})
	trustFile := filepath.Join(dir, "trust.json")
	tokenFile := filepath.Join(dir, "admin-token")
	os.WriteFile(trustFile, trust, 0o600)
	os.WriteFile(tokenFile, []byte("cli-admin-token-0123456789\n"), 0o600)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var serveOut, serveErr lockedBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- runContext(ctx, []string{"verifier", "serve", "--data", filepath.Join(dir, "data"), "--listen", addr, "--url", base,
			"--admin-token-file", tokenFile, "--trust", trustFile, "--allow-loopback", "--client-id-prefix", "redirect_uri"},
			strings.NewReader(""), &serveOut, &serveErr)
	}()
	waitHealthy(t, base, exited, &serveErr)

	cli := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := runContext(ctx, args, strings.NewReader(""), &out, &errb)
		return out.String(), errb.String(), code
	}
	out, errs, code := cli("verifier", "request", "--url", base, "--admin-token-file", tokenFile, "--profile", "tweedegraads-lerarenopleiding")
	if code != exitOK {
		t.Fatalf("request: exit %d: %s", code, errs)
	}
	var req struct {
		TransactionID string `json:"transaction_id"`
		RequestURI    string `json:"request_uri"`
	}
	if err := json.Unmarshal([]byte(out), &req); err != nil || req.TransactionID == "" || !strings.HasPrefix(req.RequestURI, "openid4vp://?") {
		t.Fatalf("request output %q: %v", out, err)
	}
	// No decision yet: exit 1.
	if _, errs, code := cli("verifier", "result", "--url", base, "--admin-token-file", tokenFile, "--transaction", req.TransactionID); code != exitRejected || !strings.Contains(errs, "no decision yet") {
		t.Fatalf("result before the response: exit %d: %s", code, errs)
	}

	presentOID4VP(t, req.RequestURI, holder, creds)

	out, errs, code = cli("verifier", "result", "--url", base, "--admin-token-file", tokenFile, "--transaction", req.TransactionID, "--wait", "5s")
	if code != exitOK {
		t.Fatalf("result: exit %d: %s", code, errs)
	}
	var d struct {
		Outcome      string  `json:"outcome"`
		Score        float64 `json:"score"`
		Requirements []struct {
			ID       string            `json:"id"`
			Status   string            `json:"status"`
			Evidence []json.RawMessage `json:"evidence"`
		} `json:"requirements"`
		Gap          []struct{ Skill string } `json:"gap"`
		LearningPlan *struct {
			Modules []struct {
				Code string `json:"code"`
			} `json:"modules"`
		} `json:"learning_plan"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("decision %q: %v", out, err)
	}
	statuses := map[string]string{}
	for _, r := range d.Requirements {
		statuses[r.ID] = r.Status
		if r.Status == "met" && len(r.Evidence) == 0 {
			t.Errorf("requirement %s met without evidence", r.ID)
		}
	}
	if d.Outcome != "accepted" || d.Score <= 0 || d.Score >= 1 || statuses["werk-en-denkniveau"] != "met" ||
		statuses["lesinhoud-voorbereiden"] != "not_proven" || len(d.Gap) != 2 || d.LearningPlan == nil || len(d.LearningPlan.Modules) == 0 {
		t.Fatalf("decision %s", out)
	}
	// A usage error, and an unknown transaction.
	if _, _, code := cli("verifier", "result", "--url", base, "--admin-token-file", tokenFile); code != exitUsage {
		t.Fatalf("result without --transaction: exit %d", code)
	}
	if _, errs, code := cli("verifier", "result", "--url", base, "--admin-token-file", tokenFile, "--transaction", "nope"); code != exitRejected || !strings.Contains(errs, "404") {
		t.Fatalf("unknown transaction: exit %d: %s", code, errs)
	}

	stop()
	select {
	case code := <-exited:
		if code != exitOK {
			t.Fatalf("serve exited %d: %s", code, serveErr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := http.Get(base + "/health"); err == nil {
		t.Fatal("still serving after the stop")
	}
	for _, secret := range []string{"cli-admin-token", req.TransactionID + "#", creds[0][:40]} {
		if strings.Contains(serveErr.String(), secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}

// waitHealthy polls /health until the server answers.
func waitHealthy(t *testing.T, base string, exited <-chan int, log *lockedBuffer) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-exited:
			t.Fatalf("serve exited %d: %s", code, log.String())
		default:
		}
		if resp, err := http.Get(base + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve not healthy: %s", log.String())
}

// presentOID4VP answers an openid4vp:// link as a wallet does, on the
// wallet side of credentials/oid4vp: the request object POSTed for with a
// wallet_nonce through a fetcher that follows no redirect, verified
// (accepting an unsigned redirect_uri request: development), DCQL matched,
// presented with KB-JWTs bound to client_id and nonce, posted in the
// request's response mode, and the Response URI's reply read.
func presentOID4VP(t *testing.T, link string, holder *jose.PrivateKey, creds []string) {
	t.Helper()
	presentOID4VPWith(t, nil, link, holder, creds)
}

// presentOID4VPWith is presentOID4VP for a verifier on https whose
// certificate chains to roots (nil: the system's): its request object is
// verified through did:web resolution over that connection.
func presentOID4VPWith(t *testing.T, roots *x509.CertPool, link string, holder *jose.PrivateKey, creds []string) {
	t.Helper()
	ctx := context.Background()
	pol := oid4vp.URLPolicy{AllowLoopback: true}
	inv, err := oid4vp.ParseInvocationURI(link, pol)
	if err != nil {
		t.Fatal(err)
	}
	fo := []safehttp.Option{safehttp.WithAllowLoopback(), safehttp.WithMaxRedirects(0)}
	if roots != nil {
		fo = append(fo, safehttp.WithRootCAs(roots))
	}
	fetch, err := safehttp.New(fo...)
	if err != nil {
		t.Fatal(err)
	}
	web, err := did.NewWebResolver(fetch, did.WithAllowLoopback())
	if err != nil {
		t.Fatal(err)
	}
	nonce := ""
	var res *safehttp.Response
	if inv.RequestURIMethod == oid4vp.RequestURIMethodPost {
		nonce = oid4vp.NewNonce()
		res, err = fetch.PostForm(ctx, inv.RequestURI, oid4vp.RequestURIPost{WalletNonce: nonce}.Form(), oid4vp.MediaTypeRequestObject)
	} else {
		res, err = fetch.Get(ctx, inv.RequestURI, oid4vp.MediaTypeRequestObject)
	}
	if err != nil {
		t.Fatal(err)
	}
	vr, err := oid4vp.VerifyRequestObject(ctx, string(res.Body), oid4vp.VerifyOptions{
		ClientID: inv.ClientID, WalletNonce: nonce, URLs: pol, AllowRedirectURIPrefixUnsafe: true, Resolver: did.NewResolver(web),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := vr.Request
	var cands []dcql.Candidate
	for i, c := range creds {
		s, _ := sdjwt.Parse(c)
		p, err := s.Process()
		if err != nil {
			t.Fatal(err)
		}
		vct, _ := p.Claims["vct"].(string)
		cands = append(cands, dcql.Candidate{ID: string(rune('a' + i)), Format: dcql.FormatSDJWTVC, VCT: vct, Claims: p.Claims, HolderBinding: true})
	}
	m, _ := dcql.Match(r.DCQLQuery, cands)
	vp := oid4vp.VPToken{}
	for qid, ms := range m.Presentation {
		for _, cm := range ms {
			p, err := sdjwt.Present(creds[cm.Candidate], sdjwt.Selection{Paths: cm.Paths}, &sdjwt.KeyBindingOptions{Key: holder, Audience: r.ClientID, Nonce: r.Nonce})
			if err != nil {
				t.Fatal(err)
			}
			vp[qid] = append(vp[qid], p)
		}
	}
	resp := oid4vp.AuthorizationResponse{VPToken: vp, State: r.State}
	form, err := resp.Form()
	if r.ResponseMode == oid4vp.ResponseModeDirectPostJWT {
		key, enc, kerr := r.EncryptionKey()
		if kerr != nil {
			t.Fatal(kerr)
		}
		form, err = resp.EncryptedForm(key, enc)
	}
	if err != nil {
		t.Fatal(err)
	}
	post, err := fetch.PostForm(ctx, r.ResponseURI, form, "application/json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oid4vp.ParseResponseURIReply(post.Body, pol); err != nil {
		t.Fatal(err)
	}
}
