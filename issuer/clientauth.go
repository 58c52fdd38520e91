package issuer

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/loopbrug/paspoort/credentials"
	"github.com/loopbrug/paspoort/credentials/attest"
	"github.com/loopbrug/paspoort/internal/jose"
)

// ErrInvalidClient reports a PAR or token request whose client attestation
// is missing (when required) or does not verify: RFC 6749 §5.2
// invalid_client, answered 401. Class TRUST; the wrapped cause (an
// attest error) adds its own class.
var ErrInvalidClient = credentials.NewError(credentials.ErrTrust, "invalid_client")

// clientAuth applies attestation-based client authentication
// (credentials/attest, draft -07 §6) to a PAR or token request with the
// headers hdr and the client_id it sent (empty: none). Without
// ClientAttestationAnchors it does nothing and returns clientID. With
// them, attestation headers are verified (their PoP's jti recorded in the
// store, so replicas share it) and the attested client_id returned;
// without the headers the request is refused when RequireClientAttestation
// is set and passes as a public client otherwise.
func (is *Issuer) clientAuth(ctx context.Context, hdr http.Header, clientID string) (string, error) {
	if is.cfg.ClientAttestationAnchors == nil {
		return clientID, nil
	}
	att, pop, err := attest.FromHeader(hdr)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidClient, err)
	}
	if att == "" {
		if is.cfg.RequireClientAttestation {
			return "", fmt.Errorf("%w: %w: this issuer requires a client attestation (%s and %s)", ErrInvalidClient, attest.ErrMissing, attest.HeaderAttestation, attest.HeaderPoP)
		}
		return clientID, nil
	}
	replay := func(key string, until time.Time) error {
		h := sha256.Sum256([]byte(key))
		fresh, err := storeReplay{is}.Use(ctx, "attest-pop:"+jose.EncodeSegment(h[:]), until)
		if err != nil {
			return fmt.Errorf("client attestation PoP replay check: %w", err)
		}
		if !fresh {
			return fmt.Errorf("%w: the client attestation PoP was used before", attest.ErrReplay)
		}
		return nil
	}
	c, err := attest.VerifyClient(att, pop, attest.ClientPolicy{
		Anchors: is.cfg.ClientAttestationAnchors, Algs: []jose.Alg{jose.ES256}, Audience: is.cfg.URL,
		ClientID: clientID, Now: is.now(), Replay: replay,
	})
	if err != nil {
		if credentials.Class(err) == nil { // the store failed: not the client's fault
			return "", err
		}
		return "", fmt.Errorf("%w: client attestation: %w", ErrInvalidClient, err)
	}
	return c.ClientID, nil
}

// tokenAuthMethods is token_endpoint_auth_methods_supported.
func (is *Issuer) tokenAuthMethods() []string {
	var m []string
	if is.cfg.ClientAttestationAnchors != nil {
		m = append(m, attest.AuthMethod)
	}
	if !is.cfg.RequireClientAttestation {
		m = append(m, "none")
	}
	return slices.Clip(m)
}
