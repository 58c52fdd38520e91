package issuer

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/loopbrug/paspoort/credentials/clientattest"
	"github.com/loopbrug/paspoort/internal/jose"
)

// clientAuth applies attestation-based client authentication
// (credentials/clientattest) to a PAR or token request with the headers
// hdr and the client_id it sent (empty: none). Without
// ClientAttestationAnchors it does nothing and returns clientID. With
// them, attestation headers are verified (their PoP's jti recorded in the
// store) and the attested client_id returned; without the headers the
// request is refused when RequireClientAttestation is set and passes as
// a public client otherwise.
func (is *Issuer) clientAuth(ctx context.Context, hdr http.Header, clientID string) (string, error) {
	if is.cfg.ClientAttestationAnchors == nil {
		return clientID, nil
	}
	att, pop := hdr.Values(clientattest.AttestationHeader), hdr.Values(clientattest.PoPHeader)
	if len(att) == 0 && len(pop) == 0 {
		if is.cfg.RequireClientAttestation {
			return "", fmt.Errorf("%w: this issuer requires a client attestation (%s and %s)", clientattest.ErrInvalidClient, clientattest.AttestationHeader, clientattest.PoPHeader)
		}
		return clientID, nil
	}
	res, err := clientattest.Verify(ctx, att, pop, clientattest.Policy{
		Anchors: is.cfg.ClientAttestationAnchors, Algs: []jose.Alg{jose.ES256}, Audience: is.cfg.URL,
		ClientID: clientID, Now: is.now(),
	}, storeReplay{is})
	if err != nil {
		return "", fmt.Errorf("client attestation: %w", err)
	}
	return res.ClientID, nil
}

// tokenAuthMethods is token_endpoint_auth_methods_supported.
func (is *Issuer) tokenAuthMethods() []string {
	var m []string
	if is.cfg.ClientAttestationAnchors != nil {
		m = append(m, clientattest.AuthMethod)
	}
	if !is.cfg.RequireClientAttestation {
		m = append(m, "none")
	}
	return slices.Clip(m)
}
