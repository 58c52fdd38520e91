package registry_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/profile"
	"github.com/loopbrug/paspoort/credentials/registry"
)

func accepted(t *testing.T, d *registry.Document) *registry.Register {
	t.Helper()
	k := newKey(t)
	d.NextKeys = []registry.Key{{PublicKey: k.Public()}}
	return mustAccept(t, follower(t, k), sign(t, d, k), t0)
}

func TestIssuerAllowed(t *testing.T) {
	r := accepted(t, baseDoc())
	skill, _ := ppp.Lookup("skill")
	tests := []struct {
		iss, typ string
		want     bool
	}{
		{"did:web:assessor.example.nl", "skill", true},
		{"did:web:assessor.example.nl", skill.VCT, true},
		{"did:web:assessor.example.nl", "level", true},
		{"did:web:assessor.example.nl", "learning", false},
		{"https://hogeschool.example.nl", "learning", true},
		{"https://hogeschool.example.nl/", "learning", false},
		{"did:web:nobody.example.nl", "skill", false},
		{"", "", false},
	}
	for _, tt := range tests {
		is, ok := r.IssuerAllowed(tt.iss, tt.typ)
		if ok != tt.want || ok && is.ID != tt.iss {
			t.Errorf("IssuerAllowed(%q, %q) = %v %v, want %v", tt.iss, tt.typ, is.ID, ok, tt.want)
		}
	}
}

func TestVerifierOutside(t *testing.T) {
	r := accepted(t, baseDoc())
	v, ok := r.Verifier("decentralized_identifier:did:web:pabo.example.nl")
	if !ok {
		t.Fatal("verifier not found")
	}
	if _, ok := r.Verifier("did:web:pabo.example.nl"); ok {
		t.Fatal("a bare DID matched a client_id")
	}
	skill, _ := ppp.Lookup("skill")
	tests := []struct {
		name      string
		requested []registry.ClaimRef
		outside   []registry.ClaimRef
	}{
		{"covered", []registry.ClaimRef{{Type: "skill", Path: []string{"skill"}}, {Type: skill.VCT, Path: []string{"proficiency"}}}, nil},
		{"below a registered path", []registry.ClaimRef{{Type: "level", Path: []string{"level", "code"}}}, nil},
		{"other claim", []registry.ClaimRef{{Type: "skill", Path: []string{"evidence"}}}, []registry.ClaimRef{{Type: "skill", Path: []string{"evidence"}}}},
		{"other type", []registry.ClaimRef{{Type: "talent", Path: []string{"talents"}}}, []registry.ClaimRef{{Type: "talent", Path: []string{"talents"}}}},
		{"empty path asks everything", []registry.ClaimRef{{Type: "skill"}}, []registry.ClaimRef{{Type: "skill"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := v.Outside(tt.requested)
			if !slices.EqualFunc(got, tt.outside, func(a, b registry.ClaimRef) bool { return a.Type == b.Type && slices.Equal(a.Path, b.Path) }) {
				t.Fatalf("Outside = %v, want %v", got, tt.outside)
			}
		})
	}
	if out, ok := v.OutsideProfile("pabo-zij-instroom", "1.4", []registry.ClaimRef{{Type: "skill", Path: []string{"skill"}}}); !ok || len(out) != 0 {
		t.Fatalf("OutsideProfile 1.4 = %v %v", out, ok)
	}
	if out, ok := v.OutsideProfile("pabo-zij-instroom", "2", []registry.ClaimRef{{Type: "skill", Path: []string{"skill"}}}); ok || len(out) != 1 {
		t.Fatalf("OutsideProfile 2 = %v %v, want not registered", out, ok)
	}
}

func TestSetOverTwoConsortia(t *testing.T) {
	a := accepted(t, baseDoc())
	db := baseDoc()
	db.Consortium = registry.Consortium{ID: "https://tweede.example.nl", Name: registry.Text{NL: "Tweede", EN: "Second"}}
	db.Issuers = []registry.Issuer{{ID: "did:web:werkgever.example.nl", Name: registry.Text{NL: "NS", EN: "NS"}, Kind: registry.KindEmployer, Types: []string{"experience", "reference"}}}
	db.Verifiers[0].Profiles = []registry.ProfileEntry{{ID: "extra", Versions: "*", Claims: []registry.Claim{{Type: "experience", Paths: [][]string{{"role"}}}}}}
	b := accepted(t, db)
	s, err := registry.NewSet(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := s.IssuerAllowed("did:web:werkgever.example.nl", "reference"); !ok || m.Consortium.ID != "https://tweede.example.nl" {
		t.Fatalf("IssuerAllowed = %+v %v", m, ok)
	}
	if m, ok := s.IssuerAllowed("did:web:assessor.example.nl", "skill"); !ok || m.Consortium.ID != "https://register.example.nl" {
		t.Fatalf("IssuerAllowed = %+v %v", m, ok)
	}
	if _, ok := s.IssuerAllowed("did:web:werkgever.example.nl", "skill"); ok {
		t.Fatal("an issuer was allowed a type no consortium gave it")
	}
	cid := "decentralized_identifier:did:web:pabo.example.nl"
	if ms := s.Verifiers(cid); len(ms) != 2 {
		t.Fatalf("Verifiers = %d entries, want 2", len(ms))
	}
	asked := []registry.ClaimRef{{Type: "skill", Path: []string{"skill"}}, {Type: "experience", Path: []string{"role"}}, {Type: "experience", Path: []string{"employer"}}}
	out, known := s.Outside(cid, asked)
	if !known || len(out) != 1 || out[0].Path[0] != "employer" {
		t.Fatalf("Outside = %v %v", out, known)
	}
	if out, known := s.Outside("decentralized_identifier:did:web:x.example", asked); known || len(out) != 3 {
		t.Fatalf("Outside of an unknown verifier = %v %v", out, known)
	}
	if _, err := registry.NewSet(a, a); !errors.Is(err, registry.ErrDuplicateMember) {
		t.Fatalf("NewSet with one consortium twice: %v", err)
	}
}

func TestRange(t *testing.T) {
	tests := []struct {
		rng     string
		in, out []string
		wantErr error
	}{
		{rng: "*", in: []string{"1", "2026.1", "beta"}},
		{rng: "1.x", in: []string{"1", "1.0", "1.7.2"}, out: []string{"2", "0.9", "10"}},
		{rng: "2026.1", in: []string{"2026.1", "2026.1.0"}, out: []string{"2026", "2026.2"}},
		{rng: ">=1 <3", in: []string{"1", "2.9", "2.99.1"}, out: []string{"0.9", "3", "3.0.1", "x"}},
		{rng: ">1.2 <=2", in: []string{"1.3", "2", "2.0"}, out: []string{"1.2", "2.0.1"}},
		{rng: "", wantErr: registry.ErrBadRange},
		{rng: "~1", wantErr: registry.ErrBadRange},
		{rng: "1.x >2", wantErr: registry.ErrBadRange},
		{rng: ">=a", wantErr: registry.ErrBadRange},
		{rng: "1.2.3.4.5", wantErr: registry.ErrBadRange},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			r, err := registry.ParseRange(tt.rng)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseRange = %v, want %v", err, tt.wantErr)
			}
			for _, v := range tt.in {
				if !r.Contains(v) {
					t.Errorf("%q does not contain %q", tt.rng, v)
				}
			}
			for _, v := range tt.out {
				if r.Contains(v) {
					t.Errorf("%q contains %q", tt.rng, v)
				}
			}
		})
	}
}

func TestNewProfileEntry(t *testing.T) {
	p, err := profile.Parse("valid-minimal.yaml", mustRead(t, "testdata/profile-minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := registry.NewProfileEntry(p, "")
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != p.ID || e.Versions != "="+p.Version || len(e.Claims) == 0 {
		t.Fatalf("entry %+v", e)
	}
	v := registry.Verifier{Profiles: []registry.ProfileEntry{e}}
	for _, n := range p.Needs() {
		for _, a := range n.Alternatives {
			for _, c := range a.Claims {
				if out := v.Outside([]registry.ClaimRef{{Type: a.VCT, Path: c.Path}}); len(out) != 0 {
					t.Errorf("the profile's own claim %s %v is outside its entry", a.Type, c.Path)
				}
			}
		}
	}
	if _, err := registry.NewProfileEntry(p, ">=99"); !errors.Is(err, registry.ErrBadRange) {
		t.Fatalf("a range without the profile's version: %v", err)
	}
}

// TestIsClientIDX509: verifiers identified by X.509 (HAIP) are members by
// their x509_hash or x509_san_dns client_id.
func TestIsClientIDX509(t *testing.T) {
	for s, want := range map[string]bool{
		"decentralized_identifier:did:web:pabo.example.nl":       true,
		"x509_hash:Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk":  true,
		"x509_san_dns:pabo.example.nl":                           true,
		"x509_hash:Uvo3HtuIxuhC92rShpgqcT3YXwrqRxWEviRiA0OZszk=": false,
		"x509_san_dns:127.0.0.1":                                 false,
		"redirect_uri:https://pabo.example.nl/response":          false,
		"did:web:pabo.example.nl":                                false,
	} {
		if got := registry.IsClientID(s); got != want {
			t.Errorf("IsClientID(%q) = %v, want %v", s, got, want)
		}
	}
}
