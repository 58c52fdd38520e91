package wallet_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/did"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/wallet"
)

const (
	sportsCoach   = "http://data.europa.eu/esco/occupation/3e9c1262-4fe2-4eb1-bf94-4fe64498393a"
	instructSport = "http://data.europa.eu/esco/skill/dbadb531-2fb9-4361-b80b-9be8c3c54229"
	motivateSport = "http://data.europa.eu/esco/skill/ece81686-331c-4381-bf3f-5ea610d47a7f"
)

func TestNewPortfolio(t *testing.T) {
	w := initWallet(t, t.TempDir())
	defer w.Close()
	tests := []struct {
		name, standard, label string
		kind, wantLabel       string
		err                   error
	}{
		{"ESCO occupation", sportsCoach, "", ppp.StandardESCOOccupation, "sportcoach", nil},
		{"ESCO occupation with own name", sportsCoach, "Sport- en bewegingscoach", ppp.StandardESCOOccupation, "Sport- en bewegingscoach", nil},
		{"kwalificatiedossier", "25698", "Sport- en bewegingsleider", ppp.StandardKwalificatiedossier, "Sport- en bewegingsleider", nil},
		{"kwalificatiedossier without a name", "25698", "", "", "", wallet.ErrPortfolio},
		{"neither", "http://example.com/occupation", "", "", "", wallet.ErrPortfolio},
		{"occupation outside the subset", "http://data.europa.eu/esco/occupation/00000000-0000-0000-0000-000000000000", "", "", "", wallet.ErrPortfolio},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := w.NewPortfolio(ctx, tt.standard, tt.label)
			if !errors.Is(err, tt.err) {
				t.Fatalf("NewPortfolio = %v, want %v", err, tt.err)
			}
			if err != nil {
				if !errors.Is(err, credentials.ErrClaim) {
					t.Errorf("%v is not of class CLAIM", err)
				}
				return
			}
			if p.StandardKind != tt.kind || p.StandardLabel != tt.wantLabel {
				t.Errorf("portfolio = %+v", p)
			}
		})
	}
	if n := len(wallet.StandardSkills(sportsCoach)); n != 26 {
		t.Errorf("sports coach has %d essential skills, want 26", n)
	}
}

func TestPortfolioEntries(t *testing.T) {
	w := initWallet(t, t.TempDir())
	defer w.Close()
	p, err := w.NewPortfolio(ctx, sportsCoach, "")
	if err != nil {
		t.Fatal(err)
	}
	good := wallet.PortfolioEntry{Skill: instructSport, Statement: "Twee keer per week training aan de jeugd.", Context: "Jeugdtrainer bij SV Domstad", From: "2014-08-01"}
	tests := []struct {
		name string
		edit func(e *wallet.PortfolioEntry)
		err  error
	}{
		{"good", func(*wallet.PortfolioEntry) {}, nil},
		{"the same skill twice", func(*wallet.PortfolioEntry) {}, wallet.ErrPortfolio},
		{"unknown skill", func(e *wallet.PortfolioEntry) { e.Skill = "http://data.europa.eu/esco/skill/nope" }, wallet.ErrPortfolio},
		{"no statement", func(e *wallet.PortfolioEntry) { e.Skill = motivateSport; e.Statement = " " }, wallet.ErrPortfolio},
		{"bad date", func(e *wallet.PortfolioEntry) { e.Skill = motivateSport; e.From = "2014-13-01" }, wallet.ErrPortfolio},
		{"ends before it starts", func(e *wallet.PortfolioEntry) { e.Skill = motivateSport; e.Until = "2013-01-01" }, wallet.ErrPortfolio},
		{"second skill", func(e *wallet.PortfolioEntry) { e.Skill = motivateSport; e.Until = "2024-06-30" }, nil},
	}
	for _, tt := range tests {
		e := good
		tt.edit(&e)
		if _, err := w.AddPortfolioEntry(ctx, p.ID, e); !errors.Is(err, tt.err) {
			t.Errorf("%s: AddPortfolioEntry = %v, want %v", tt.name, err, tt.err)
		}
	}
	got, err := w.Portfolio(ctx, p.ID)
	if err != nil || len(got.Entries) != 2 {
		t.Fatalf("Portfolio = %+v, %v; want 2 entries", got, err)
	}
	if _, err := w.Portfolio(ctx, "nosuchportfolioidatall234"); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("unknown portfolio: %v", err)
	}
}

// TestIssuePortfolio builds a portfolio with a file and a credential,
// issues it, and checks what the credential says and what stays in the
// wallet: the file sealed, named in the credential by its hash only.
func TestIssuePortfolio(t *testing.T) {
	dir := t.TempDir()
	is := newTestIssuer(t, "https://svdomstad.example")
	w := initWallet(t, dir, wallet.WithIssuerKeys(is.keys()))
	ref, err := w.Add(ctx, is.issue(t, w, "reference", example(t, "reference", nil), 1), wallet.Meta{IssuerName: "SV Domstad"})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := w.NewPortfolio(ctx, sportsCoach, "")
	idx, err := w.AddPortfolioEntry(ctx, p.ID, wallet.PortfolioEntry{Skill: instructSport, Statement: "Trainingen voor de jeugd, met een plan per seizoen.", Context: "Jeugdtrainer bij SV Domstad", From: "2014-08-01"})
	if err != nil {
		t.Fatal(err)
	}
	plan := bytes.Repeat([]byte("trainingsplan "), 100)
	att, err := w.Attach(ctx, p.ID, idx, "../../trainingsplan.pdf", "", plan)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(plan)
	if att.Name != "trainingsplan.pdf" || att.MediaType != "application/pdf" || att.SHA256 != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Errorf("attachment = %+v", att)
	}
	for _, bad := range []struct {
		name string
		idx  int
		data []byte
	}{{"empty", idx, nil}, {"no such entry", 5, plan}, {"too big", idx, make([]byte, wallet.MaxAttachmentSize+1)}} {
		if _, err := w.Attach(ctx, p.ID, bad.idx, "x.pdf", "", bad.data); !errors.Is(err, wallet.ErrPortfolio) {
			t.Errorf("Attach %s = %v, want ErrPortfolio", bad.name, err)
		}
	}
	if err := w.LinkCredential(ctx, p.ID, idx, ref.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.LinkCredential(ctx, p.ID, idx, "nosuchcredential"); !errors.Is(err, wallet.ErrNotFound) {
		t.Errorf("LinkCredential of an unknown credential = %v", err)
	}

	c, err := w.IssuePortfolio(ctx, p.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if c.Type != ppp.TypePortfolio || c.Copies != 2 || !strings.HasPrefix(c.Issuer, "did:jwk:") {
		t.Errorf("credential = type %s, %d copies, issuer %s", c.Type, c.Copies, c.Issuer)
	}
	if err := ppp.ValidateMap(ppp.TypePortfolio, pppClaims(c.Claims)); err != nil {
		t.Errorf("the portfolio's claims do not validate: %v", err)
	}
	entries, _ := c.Claims["entries"].([]any)
	if len(entries) != 1 {
		t.Fatalf("entries = %v", c.Claims["entries"])
	}
	ev, _ := entries[0].(map[string]any)["evidence"].([]any)
	if len(ev) != 2 || ev[0].(map[string]any)["sha256"] != att.SHA256 || ev[1].(map[string]any)["issuer_name"] != "SV Domstad" {
		t.Errorf("evidence = %v", ev)
	}
	if bytes.Contains([]byte(c.Issuer), []byte("trainingsplan")) {
		t.Error("the file leaked")
	}
	// The issuer key is the holder key: cnf names the key of "iss".
	cnf, _ := c.Claims["cnf"].(map[string]any)
	if cnf == nil {
		t.Fatal("no cnf")
	}
	if _, err := did.Parse(c.Issuer); err != nil {
		t.Errorf("iss %q: %v", c.Issuer, err)
	}

	// The draft is closed.
	if _, err := w.AddPortfolioEntry(ctx, p.ID, wallet.PortfolioEntry{Skill: motivateSport, Statement: "abc", Context: "abc", From: "2020-01-01"}); !errors.Is(err, wallet.ErrPortfolioIssued) {
		t.Errorf("change after issue = %v", err)
	}
	if _, err := w.IssuePortfolio(ctx, p.ID, 1); !errors.Is(err, wallet.ErrPortfolioIssued) {
		t.Errorf("issue twice = %v", err)
	}
	w.Close()

	// Everything survives a restart; the file comes back as it was.
	w = openWallet(t, dir, wallet.WithIssuerKeys(is.keys()))
	defer w.Close()
	got, err := w.Portfolio(ctx, p.ID)
	if err != nil || got.Issued != c.ID {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	data, err := w.AttachmentData(ctx, got.Entries[0].Attachments[0])
	if err != nil || !bytes.Equal(data, plan) {
		t.Errorf("AttachmentData = %d bytes, %v", len(data), err)
	}
	forged := got.Entries[0].Attachments[0]
	forged.SHA256 = strings.Repeat("A", 43)
	if _, err := w.AttachmentData(ctx, forged); !errors.Is(err, wallet.ErrCorrupt) {
		t.Errorf("AttachmentData with a wrong hash = %v", err)
	}
	if _, err := w.Credential(c.ID); err != nil {
		t.Errorf("the portfolio credential is gone: %v", err)
	}
}

// pppClaims drops the registered claims of an SD-JWT VC, leaving the PPP
// claims.
func pppClaims(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		switch k {
		case "iss", "vct", "iat", "exp", "nbf", "cnf", "status", "sub":
		default:
			out[k] = v
		}
	}
	return out
}

// TestPortfolioBackup: a portfolio and its files travel in the backup, and
// a second import changes nothing.
func TestPortfolioBackup(t *testing.T) {
	src := initWallet(t, t.TempDir())
	defer src.Close()
	p, _ := src.NewPortfolio(ctx, sportsCoach, "")
	idx, err := src.AddPortfolioEntry(ctx, p.ID, wallet.PortfolioEntry{Skill: instructSport, Statement: "Jeugdtraining.", Context: "SV Domstad", From: "2014-08-01"})
	if err != nil {
		t.Fatal(err)
	}
	file := []byte("verslag van een seizoen")
	if _, err := src.Attach(ctx, p.ID, idx, "verslag.txt", "", file); err != nil {
		t.Fatal(err)
	}
	backup, err := src.Export(ctx, []byte("backup passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	dst := initWallet(t, t.TempDir())
	defer dst.Close()
	for range 2 {
		if _, err := dst.Import(ctx, []byte(backup), []byte("backup passphrase")); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := dst.Portfolios(ctx)
	if err != nil || len(ps) != 1 || ps[0].ID != p.ID {
		t.Fatalf("Portfolios = %v, %v", ps, err)
	}
	data, err := dst.AttachmentData(ctx, ps[0].Entries[0].Attachments[0])
	if err != nil || !bytes.Equal(data, file) {
		t.Errorf("file after import = %q, %v", data, err)
	}
}
