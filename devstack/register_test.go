package devstack_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/loopbrug/paspoort/credentials/registry"
	"github.com/loopbrug/paspoort/devstack"
	"github.com/loopbrug/paspoort/wallet"
)

// TestConsortiumRegister runs the stack and checks issue 12's done-when:
// the consortium publishes its register; both member verifiers name their
// entry in their requests and the wallet shows their registered names; the
// agency in no register is marked; a request beyond the school's
// registered profile is refused; the verifiers trust the issuers the
// register admits. A second start with the same folder signs no new
// version.
func TestConsortiumRegister(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := filepath.Join(t.TempDir(), "dev")
	s, err := devstack.New(ctx, devstack.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(20 * time.Second)
	for s.Healthy(ctx) != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}

	st, err := wallet.OpenStore(s.Wallet.Dir, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w, err := wallet.Open(ctx, st, []byte(s.Wallet.Passphrase), s.WalletOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	regs, err := w.Registers(ctx)
	if err != nil || len(regs) != 1 || regs[0].Consortium.Name.NL != devstack.ConsortiumName || len(regs[0].Issuers) != len(s.Issuers) || len(regs[0].Verifiers) != 3 {
		t.Fatalf("the wallet's registers: %v, %+v", err, regs)
	}

	for _, tc := range []struct {
		verifier, profile string
		registered        bool
		want              error
		name              string
	}{
		{devstack.VerifierAdmission, devstack.ProfileAdmission, true, nil, "Hogeschool Domstad"},
		{devstack.VerifierSchool, devstack.ProfileSchool, true, nil, "Stedelijk College Domstad"},
		{devstack.VerifierAgency, devstack.ProfileAgency, false, nil, "Uitzendbureau Snelwerk"},
		{devstack.VerifierSchool, devstack.ProfileReferences, true, wallet.ErrOverAsking, ""},
	} {
		t.Run(tc.verifier+"/"+tc.profile, func(t *testing.T) {
			req, err := s.CreateRequest(ctx, tc.verifier, tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := w.ReadRequest(ctx, req.RequestURI)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r := pr.Registration
			if r == nil || !r.Following || r.Registered != tc.registered || pr.VerifierName != tc.name {
				t.Fatalf("registration %+v, name %q", r, pr.VerifierName)
			}
			if tc.registered && (r.Consortium.Name.NL != devstack.ConsortiumName || r.Kind == "") {
				t.Fatalf("registered as %+v", r)
			}
		})
	}

	// The verifiers take their issuers from the register.
	tl, err := s.Verifier(devstack.VerifierAdmission).Trust.TrustList(ctx)
	if err != nil || len(tl.Issuers) != len(s.Issuers) || !tl.Trusted(s.Issuer(devstack.IssuerHogeschool).URL, "learning") || tl.Trusted(s.Issuer(devstack.IssuerNS).URL, "learning") {
		t.Fatalf("trust from the register: %v, %+v", err, tl)
	}
	if regs := s.Verifier(devstack.VerifierAgency).Trust.Registrations(s.Verifier(devstack.VerifierAgency).Verifier.ClientID()); len(regs) != 0 {
		t.Fatalf("the agency has registrations: %+v", regs)
	}
	if regs := s.Verifier(devstack.VerifierSchool).Trust.Registrations(s.Verifier(devstack.VerifierSchool).Verifier.ClientID()); len(regs) != 1 {
		t.Fatalf("the school's registrations: %+v", regs)
	}
	_ = registry.VerifierInfoFormat
}
