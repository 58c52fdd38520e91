package devstack

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/loopbrug/paspoort/consortium"
	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/wallet"
)

// ConsortiumName is the regional consortium of the stack: it keeps the
// register every verifier and the wallet follow (issue 12).
const ConsortiumName = "Loopbrug Domstad"

// registerValid is how long each signed version of the stack's register
// is valid; a start re-signs it when less than registerRenew is left.
const (
	registerValid = 30 * 24 * time.Hour
	registerRenew = 10 * 24 * time.Hour
)

// Register is the consortium register of the stack, served over https.
type Register struct {
	// URL is where the current register is published (…/register.jwt).
	URL string
	// Key is the consortium's public key, to pin when following it.
	Key *jose.PublicKey
	// KeyFile holds Key as a JWK (the file a holder would be given).
	KeyFile string
	// Consortium is the consortium.
	Consortium registry.Consortium

	folder *consortium.Folder
	pass   []byte
	srv    *http.Server
	ln     net.Listener
}

// The kinds the register gives the demo organisations.
var (
	issuerKinds = map[string]registry.IssuerKind{
		IssuerAssessment: registry.KindAssessor, IssuerNS: registry.KindEmployer, IssuerHogeschool: registry.KindSchool,
		IssuerEVC: registry.KindEVCProvider, IssuerClub: registry.KindEmployer, IssuerUWV: registry.KindFunder, IssuerPrimary: registry.KindEmployer,
	}
	verifierKinds = map[string]registry.VerifierKind{
		VerifierAdmission: registry.KindAdmission, VerifierSchool: registry.KindHiring, VerifierAgency: registry.KindHiring,
		VerifierEVC: registry.KindRecognition,
	}
)

// openRegister opens (or creates) the consortium's folder and fixes the
// register's URL and key, before the verifiers that follow it are made.
func (s *Stack) openRegister(ln net.Listener) error {
	dir, err := s.orgDir("consortium")
	if err != nil {
		return err
	}
	pass, err := tokenFile(filepath.Join(dir, "passphrase"))
	if err != nil {
		return err
	}
	r := &Register{ln: ln, pass: []byte(pass), URL: "https://" + ln.Addr().String() + "/register.jwt"}
	folderDir := filepath.Join(dir, "register")
	r.folder, err = consortium.Open(folderDir)
	if errors.Is(err, consortium.ErrNoFolder) {
		r.folder, err = consortium.Init(folderDir, registry.Consortium{
			ID: "https://" + ln.Addr().String(), Name: registry.Text{NL: ConsortiumName, EN: ConsortiumName},
		}, r.pass)
	}
	if err != nil {
		return fmt.Errorf("devstack: consortium: %w", err)
	}
	if r.Key, err = r.folder.PublicKey(context.Background()); err != nil {
		return fmt.Errorf("devstack: consortium key: %w", err)
	}
	r.KeyFile = filepath.Join(folderDir, "register-key.json")
	d, err := r.folder.Draft()
	if err != nil {
		return fmt.Errorf("devstack: consortium: %w", err)
	}
	r.Consortium = d.Consortium
	s.Register = r
	return nil
}

// signRegister writes the stack's members into the draft and signs a new
// version when they changed (new ports) or the latest is near its end.
func (s *Stack) signRegister(ctx context.Context) error {
	r := s.Register
	d, err := r.folder.Draft()
	if err != nil {
		return err
	}
	d.Issuers, d.Verifiers = nil, nil
	for _, is := range s.Issuers {
		d.Issuers = append(d.Issuers, registry.Issuer{ID: is.URL, Name: registry.Text{NL: is.Name["nl"], EN: is.Name["en"]},
			Kind: issuerKinds[is.Key], Types: is.Types})
	}
	for _, v := range s.Verifiers {
		spec := specOf(v.Key)
		if len(spec.registered) == 0 {
			continue // not a member
		}
		entry := registry.Verifier{ClientID: v.Verifier.ClientID(), Name: registry.Text{NL: v.Name, EN: v.Name}, Kind: verifierKinds[v.Key]}
		for _, id := range spec.registered {
			pe, err := registry.NewProfileEntry(s.Profiles[id], "")
			if err != nil {
				return fmt.Errorf("devstack: register %s: %w", id, err)
			}
			entry.Profiles = append(entry.Profiles, pe)
		}
		d.Verifiers = append(d.Verifiers, entry)
	}
	_, tok, err := r.folder.Latest(ctx)
	if err == nil {
		if cur, perr := payloadOf(tok); perr == nil && sameMembers(cur, d) && s.opts.Now().Add(registerRenew).Before(cur.ExpiresTime()) {
			return nil
		}
	}
	if err := r.folder.SaveDraft(d); err != nil {
		return fmt.Errorf("devstack: register draft: %w", err)
	}
	if _, err := r.folder.Sign(r.pass, consortium.SignOptions{Now: s.opts.Now(), Valid: registerValid}); err != nil {
		return fmt.Errorf("devstack: sign the register: %w", err)
	}
	return nil
}

// payloadOf reads the document of a signed register without verifying it
// (the folder's own latest version).
func payloadOf(tok []byte) (*registry.Document, error) {
	j, err := jose.ParseCompact(string(bytes.TrimSpace(tok)))
	if err != nil {
		return nil, err
	}
	return registry.Parse(j.Payload)
}

func sameMembers(doc *registry.Document, d *consortium.Draft) bool {
	a, _ := json.Marshal([]any{doc.Consortium, doc.Issuers, doc.Verifiers})
	b, _ := json.Marshal([]any{d.Consortium, d.Issuers, d.Verifiers})
	return bytes.Equal(a, b)
}

// serveRegister starts serving the register (until Close).
func (s *Stack) serveRegister(serverTLS *tls.Config) error {
	r := s.Register
	h, err := consortium.NewHandler(r.folder, consortium.WithClock(s.opts.Now), consortium.WithLogger(s.opts.Logger.With("service", "register")))
	if err != nil {
		return fmt.Errorf("devstack: register server: %w", err)
	}
	r.srv = &http.Server{Handler: h, TLSConfig: serverTLS.Clone(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 16 << 10}
	go func() { _ = r.srv.ServeTLS(r.ln, "", "") }()
	return nil
}

// followRegister has the stack's wallet follow the register, once.
func (s *Stack) followRegister(ctx context.Context) error {
	st, err := wallet.OpenStore(s.Wallet.Dir, false, s.opts.Logger.With("service", "wallet"))
	if err != nil {
		return err
	}
	defer st.Close()
	w, err := wallet.Open(ctx, st, []byte(s.Wallet.Passphrase), s.WalletOptions()...)
	if err != nil {
		return err
	}
	defer w.Close()
	if _, err := w.FollowRegister(ctx, s.Register.URL, s.Register.Key); err != nil && !errors.Is(err, wallet.ErrRegisterFollowed) {
		return fmt.Errorf("devstack: the wallet follows the register: %w", err)
	}
	return nil
}

// closeRegister stops serving the register.
func (s *Stack) closeRegister() {
	if r := s.Register; r != nil && r.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.srv.Shutdown(ctx)
		r.srv = nil
	}
}
