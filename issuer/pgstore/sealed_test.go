package pgstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/kv"
	"github.com/loopbrug/paspoort/internal/pg"
	"github.com/loopbrug/paspoort/issuer"
	"github.com/loopbrug/paspoort/issuer/pgstore"
)

// issueOne runs the whole pre-authorized code flow against is through its
// Go API and returns the secrets a database dump must not show.
func issueOne(t *testing.T, is *issuer.Issuer) (secrets []string) {
	t.Helper()
	ctx := context.Background()
	skill, _ := ppp.Lookup("skill")
	of, err := is.CreateOffer(ctx, issuer.OfferRequest{Type: "skill", Claims: skill.Example(), TxCode: true, SubjectRef: "student-4242"})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := oid4vci.ParseOfferURI(of.OfferURI)
	if err != nil {
		t.Fatal(err)
	}
	code := ref.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode
	tok, err := is.Token(ctx, url.Values{"grant_type": {oid4vci.GrantTypePreAuthorizedCode}, "pre-authorized_code": {code}, "tx_code": {of.TxCode}})
	if err != nil {
		t.Fatal(err)
	}
	nr, err := is.Nonce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	holder, _ := jose.GenerateKey(jose.ES256)
	proof, err := oid4vci.BuildProof(holder, oid4vci.ProofOptions{Audience: is.Config().URL, Nonce: nr.CNonce})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(oid4vci.CredentialRequest{CredentialConfigurationID: "skill", Proofs: &oid4vci.Proofs{JWT: []string{proof}}})
	cr, err := is.Credential(ctx, tok.AccessToken, body)
	if err != nil || len(cr.Credentials) != 1 {
		t.Fatalf("credential: %v", err)
	}
	hash := func(s string) string {
		h := sha256.Sum256([]byte(s))
		return base64.RawURLEncoding.EncodeToString(h[:])
	}
	var claims map[string]any
	_ = json.Unmarshal(skill.Example(), &claims)
	secrets = []string{code, hash(code), of.TxCode, hash(of.TxCode), tok.AccessToken, hash(tok.AccessToken), nr.CNonce, hash(nr.CNonce), of.ID, "student-4242"}
	for _, v := range claims {
		if s, ok := v.(string); ok && len(s) > 3 {
			secrets = append(secrets, s)
		}
	}
	return secrets
}

func newIssuer(t *testing.T, s issuer.Store) *issuer.Issuer {
	t.Helper()
	is, err := issuer.New(context.Background(), s, issuer.Config{
		URL: "https://127.0.0.1:8443", Name: map[string]string{"en": "test"}, AdminToken: strings.Repeat("a", 32), AllowLoopback: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return is
}

// TestDumpRevealsNothing issues a credential with a tx_code over the
// store, then reads every column of every table as the database holds
// it: no code, tx_code, token, nonce (nor their hashes), no offer id,
// subject reference or claim value, and no plain JSON (every record is
// sealed; keys included).
func TestDumpRevealsNothing(t *testing.T) {
	s, dsn := open(t, bytes.Repeat([]byte{7}, 32))
	secrets := issueOne(t, newIssuer(t, s))
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var dump bytes.Buffer
	for _, table := range []string{"issuer_keys", "issuer_offers", "issuer_tokens", "issuer_nonces", "issuer_credentials", "issuer_status_index", "issuer_status", "issuer_meta"} {
		rows, err := c.Query(ctx, "SELECT * FROM "+table, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
			for _, v := range rows.RawValues() {
				dump.Write(v)
				dump.WriteByte('\n')
			}
		}
		rows.Close()
		if table != "issuer_status" && n == 0 {
			t.Errorf("%s is empty: the flow did not write where expected", table)
		}
	}
	// The text protocol shows BYTEA as \x…; search both that and raw.
	text := dump.String()
	for _, s := range secrets {
		hexed := "\\x" + hexOf(s)
		if strings.Contains(text, s) || strings.Contains(text, hexed) {
			t.Errorf("the dump shows a secret %.12q…", s)
		}
	}
	// Whole JSON markers: sealed bytes are random, and a two-byte marker
	// in hex ("7b22") turns up by chance in a few kilobytes.
	for _, plain := range []string{`{"id"`, `{"kid"`, `"kty"`, "7b22696422" /* {"id" in hex */, "7b226b696422" /* {"kid" */, "226b747922" /* "kty" */} {
		if strings.Contains(text, plain) {
			t.Errorf("the dump holds plain JSON (%q)", plain)
		}
	}
}

func hexOf(s string) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, digits[s[i]>>4], digits[s[i]&15])
	}
	return string(b)
}

// TestWrongMasterKey: a replica started with another master key fails
// closed; it neither reads the records nor replaces the signing key.
func TestWrongMasterKey(t *testing.T) {
	s, dsn := open(t, bytes.Repeat([]byte{1}, 32))
	newIssuer(t, s)
	ctx := context.Background()
	db, err := pg.Open(ctx, dsn, pg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := pgstore.Open(ctx, db, bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, err = issuer.New(ctx, other, issuer.Config{URL: "https://127.0.0.1:8443", Name: map[string]string{"en": "x"}, AdminToken: strings.Repeat("a", 32), AllowLoopback: true})
	if !errors.Is(err, kv.ErrCorrupt) {
		t.Fatalf("issuer with the wrong master key: %v", err)
	}
	err = s.View(ctx, func(tx issuer.Tx) error {
		ks, err := tx.Keys()
		if err == nil && len(ks) != 1 {
			t.Errorf("%d signing keys after the wrong key's start", len(ks))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPurge(t *testing.T) {
	s, dsn := open(t, make([]byte, 32))
	ctx := context.Background()
	past, future := time.Now().Add(-3*time.Hour), time.Now().Add(time.Hour)
	err := s.Update(ctx, func(tx issuer.Tx) error {
		for _, e := range []struct {
			h   string
			exp time.Time
		}{{"old", past}, {"new", future}} {
			if _, err := tx.UseNonce(e.h, e.exp); err != nil {
				return err
			}
			if err := tx.PutToken(&issuer.TokenRecord{Hash: e.h, ExpiresAt: e.exp}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, table := range []string{"issuer_nonces", "issuer_tokens"} {
		var n int
		if err := c.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d rows after the purge (%v), want the unexpired one", table, n, err)
		}
	}
	// A purged nonce was expired: using it again is for the issuer's
	// expiry check to refuse, and the store does not count it as used.
	err = s.Update(ctx, func(tx issuer.Tx) error {
		fresh, err := tx.UseNonce("new", future)
		if err == nil && fresh {
			t.Error("an unexpired nonce was purged")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
