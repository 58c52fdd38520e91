package replicas_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/bench"
	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/loopbacktls"
	"github.com/loopbrug/paspoort/internal/pg/pgtest"
)

// bin is the paspoort binary built for these tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "paspoort-replicas-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "paspoort")
	code := 1
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/loopbrug/paspoort/cmd/paspoort").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build paspoort: %v\n%s", err, out)
	} else {
		code = pgtest.Run(m)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is the shared set-up of a test: a database, a TLS certificate for
// 127.0.0.1, the secrets every replica of a service shares.
type env struct {
	t                    *testing.T
	dir, dsn             string
	cert, key, token, mk string
	pool                 *x509.CertPool
}

func newEnv(t *testing.T) *env {
	if testing.Short() {
		t.Skip("starts replicas of the built binary")
	}
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	c, err := loopbacktls.New()
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := c.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, dsn: dsn, cert: certFile, key: keyFile, pool: c.Pool,
		token: filepath.Join(dir, "admin.token"), mk: filepath.Join(dir, "master.key")}
	write := func(p string, b []byte) {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(e.token, []byte(secret(24)+"\n"))
	mk := make([]byte, 32)
	rand.Read(mk)
	write(e.mk, []byte(base64.StdEncoding.EncodeToString(mk)+"\n"))
	return e
}

func secret(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// replica is one running child process.
type replica struct {
	cmd    *exec.Cmd
	base   string
	stderr *bytes.Buffer
	mu     *sync.Mutex
	done   chan struct{}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (r *replica) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stderr.String()
}

// start runs paspoort with args, listening on addr, and waits for its
// /readyz.
func (e *env) start(addr string, args ...string) *replica {
	e.t.Helper()
	r := &replica{base: "https://" + addr, stderr: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	r.cmd = exec.Command(bin, append(args, "--listen", addr)...)
	r.cmd.Stderr = lockedWriter{r.mu, r.stderr}
	if err := r.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	e.t.Cleanup(func() {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(20 * time.Second):
			_ = r.cmd.Process.Kill()
			<-r.done
		}
		if e.t.Failed() {
			e.t.Logf("%s %s log:\n%s", args[0], addr, r.log())
		}
	})
	hc := e.client()
	for i := 0; ; i++ {
		resp, err := hc.Get(r.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r
			}
		}
		select {
		case <-r.done:
			e.t.Fatalf("%s exited: %s", args[0], r.log())
		default:
		}
		if i == 300 {
			e.t.Fatalf("%s not ready: %v\n%s", args[0], err, r.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *env) client() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.pool}, MaxIdleConnsPerHost: 32}, Timeout: 30 * time.Second}
}

// issuers starts two issuer replicas on the database; both have the URL
// of the first, as a load balancer in front would.
func (e *env) issuers() (*replica, *replica, string) {
	a1, a2 := freeAddr(e.t), freeAddr(e.t)
	url := "https://" + a1
	start := func(addr string) *replica {
		return e.start(addr, "issuer", "serve", "--store", e.dsn, "--db-max-conns", "8", "--master-key-file", e.mk,
			"--admin-token-file", e.token, "--url", url, "--allow-loopback", "--tls-cert", e.cert, "--tls-key", e.key, "--log-level", "warn")
	}
	return start(a1), start(a2), url
}

// adminCall calls an admin API with the shared token.
func (e *env) adminCall(method, uri string, in, out any) int {
	e.t.Helper()
	tok, _ := os.ReadFile(e.token)
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, uri, body)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, uri, err, b)
		}
	}
	return resp.StatusCode
}

// offer creates a skill offer at the replica and returns its
// pre-authorized code.
func (e *env) offer(r *replica) string {
	e.t.Helper()
	skill, _ := ppp.Lookup("skill")
	var of struct {
		OfferURI string `json:"offer_uri"`
	}
	if st := e.adminCall(http.MethodPost, r.base+"/admin/offers", map[string]any{"type": "skill", "claims": json.RawMessage(skill.Example())}, &of); st != http.StatusCreated && st != http.StatusOK {
		e.t.Fatalf("create offer: HTTP %d", st)
	}
	ref, err := oid4vci.ParseOfferURI(of.OfferURI)
	if err != nil {
		e.t.Fatal(err)
	}
	return ref.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode
}

type credRecord struct {
	ID          string `json:"id"`
	OfferID     string `json:"offer_id"`
	StatusList  int    `json:"status_list"`
	StatusIndex int    `json:"status_index"`
}

// credentials lists every credential record through the admin API.
func (e *env) credentials(r *replica) []credRecord {
	e.t.Helper()
	var all []credRecord
	after := ""
	for {
		var page struct {
			Credentials []credRecord `json:"credentials"`
		}
		if st := e.adminCall(http.MethodGet, r.base+"/admin/credentials?limit=1000&after="+url.QueryEscape(after), nil, &page); st != http.StatusOK {
			e.t.Fatalf("list credentials: HTTP %d", st)
		}
		all = append(all, page.Credentials...)
		if len(page.Credentials) < 1000 {
			return all
		}
		after = page.Credentials[len(page.Credentials)-1].ID
	}
}

func holderKeys(t *testing.T) []*jose.PrivateKey {
	k, err := jose.GenerateKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	return []*jose.PrivateKey{k}
}

// TestIssuerReplicas: a holder redeems its code at replica 1 and gets its
// credential from replica 2; 20 redemptions of one code at once across
// both replicas give one access token and one credential.
func TestIssuerReplicas(t *testing.T) {
	e := newEnv(t)
	r1, r2, id := e.issuers()
	hc := e.client()
	ctx := context.Background()
	ep1, ep2 := bench.Endpoint{Client: hc, URL: r1.base}, bench.Endpoint{Client: hc, URL: r2.base}

	creds, err := bench.IssueCredentials(ctx, ep1, ep2, id, e.offer(r2), holderKeys(t))
	if err != nil || len(creds) != 1 {
		t.Fatalf("redeem at 1, credential at 2: %v", err)
	}

	code := e.offer(r1)
	var wg sync.WaitGroup
	tokens := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := []bench.Endpoint{ep1, ep2}[i%2]
			tr := oid4vci.TokenRequest{GrantType: oid4vci.GrantTypePreAuthorizedCode, PreAuthorizedCode: code}
			resp, err := hc.PostForm(at.URL+"/token", tr.Form())
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			switch resp.StatusCode {
			case http.StatusOK:
				tok, err := oid4vci.ParseTokenResponse(b)
				if err != nil {
					t.Error(err)
					return
				}
				tokens <- tok.AccessToken
			case http.StatusBadRequest:
				if !strings.Contains(string(b), "invalid_grant") {
					t.Errorf("a refused redemption: %s", b)
				}
			default:
				t.Errorf("redemption: HTTP %d %s", resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	close(tokens)
	if len(tokens) != 1 {
		t.Fatalf("20 redemptions of one code gave %d access tokens", len(tokens))
	}
	before := len(e.credentials(r1))
	tok := <-tokens
	// The one token yields its credentials at either replica, once:
	// batch_size is the budget, and a c_nonce is single use.
	nonce := func(at bench.Endpoint) string {
		resp, err := hc.Post(at.URL+"/nonce", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		nr, err := oid4vci.ParseNonceResponse(b)
		if err != nil {
			t.Fatal(err)
		}
		return nr.CNonce
	}
	n := nonce(ep1)
	ok := 0
	for i, at := range []bench.Endpoint{ep2, ep1, ep2} {
		proof, _ := oid4vci.BuildProof(holderKeys(t)[0], oid4vci.ProofOptions{Audience: id, Nonce: n})
		body, _ := json.Marshal(oid4vci.CredentialRequest{CredentialConfigurationID: "skill", Proofs: &oid4vci.Proofs{JWT: []string{proof}}})
		req, _ := http.NewRequest(http.MethodPost, at.URL+"/credential", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			ok++
		} else if i == 0 {
			t.Fatalf("first credential request: %d %s", resp.StatusCode, b)
		} else if !strings.Contains(string(b), "invalid_nonce") {
			t.Errorf("the c_nonce used at the other replica: %s", b)
		}
	}
	if ok != 1 {
		t.Fatalf("one c_nonce yielded %d credentials across replicas", ok)
	}
	if after := len(e.credentials(r2)); after != before+1 {
		t.Fatalf("%d credential records after one issuance, were %d", after, before)
	}
}
