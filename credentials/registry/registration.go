package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

// VerifierInfoFormat is the OpenID4VP "verifier_info" format (§5.1, §5.11)
// by which a verifier names its entry in a consortium register. Its data is
// a Registration. The attestation is claim-bound (§5.11.1): the register
// that holds the entry is signed by the consortium, and the entry is bound
// to the request by its client_id, which the request object's signature
// covers. A wallet that follows the register checks both.
const VerifierInfoFormat = "https://paspoort.loopbrug.nl/verifier-info/register-entry/v1"

// Registration is the data of a VerifierInfoFormat entry: which
// consortium's register holds the verifier's entry, where the register is
// published, and the client_id the entry is for.
type Registration struct {
	// Consortium is the consortium id.
	Consortium string `json:"consortium"`
	// Register is the https URL of the signed register.
	Register string `json:"register"`
	// ClientID is the verifier's client_id, as in the request.
	ClientID string `json:"client_id"`
}

// Errors of registrations.
var (
	// ErrBadRegistration (FMT) reports verifier_info data of
	// VerifierInfoFormat that is not a Registration.
	ErrBadRegistration = credentials.NewError(credentials.ErrFormat, "malformed verifier registration")
	// ErrForeignRegistration (TRUST) reports a request that presents a
	// registration of another client_id: another member's entry.
	ErrForeignRegistration = credentials.NewError(credentials.ErrTrust, "registration of another verifier")
	// ErrNotRegistered (TRUST) reports a registration that the named
	// consortium's register does not hold.
	ErrNotRegistered = credentials.NewError(credentials.ErrTrust, "verifier not in the register it names")
)

// ParseRegistration reads a Registration strictly.
func ParseRegistration(data []byte) (Registration, error) {
	var r Registration
	if err := strictjson.Check(data); err != nil {
		return r, fmt.Errorf("%w: %w", ErrBadRegistration, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, fmt.Errorf("%w: %v", ErrBadRegistration, err)
	}
	if r.Consortium == "" || !IsClientID(r.ClientID) || !strings.HasPrefix(r.Register, "https://") {
		return r, fmt.Errorf("%w: consortium, register (https) and client_id are required", ErrBadRegistration)
	}
	return r, nil
}

// CheckRegistration checks a registration a request presents against the
// request's clientID and the registers of s: it must be for clientID
// (ErrForeignRegistration) and, when s follows its consortium, that
// consortium must hold an entry for clientID (ErrNotRegistered). known is
// false when s does not follow the consortium (the registration then says
// nothing the wallet can check).
func (s *Set) CheckRegistration(r Registration, clientID string) (known bool, err error) {
	if r.ClientID != clientID {
		return false, fmt.Errorf("%w: the request of %q presents the entry of %q", ErrForeignRegistration, clientID, r.ClientID)
	}
	if s == nil {
		return false, nil
	}
	for _, c := range s.Consortia() {
		if c.ID != r.Consortium {
			continue
		}
		for _, m := range s.Verifiers(clientID) {
			if m.Consortium.ID == r.Consortium {
				return true, nil
			}
		}
		return true, fmt.Errorf("%w: %s holds no entry for %q", ErrNotRegistered, r.Consortium, clientID)
	}
	return false, nil
}

// VersionURL returns where version n of the register published at url
// (…/register.jwt) is served: …/register/N.jwt.
func VersionURL(url string, n uint64) string {
	return strings.TrimSuffix(url, ".jwt") + "/" + strconv.FormatUint(n, 10) + ".jwt"
}
