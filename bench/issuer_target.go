package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/loopbrug/paspoort/credentials/oid4vci"
	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/issuer"
)

// IssuanceAck is one credential a wallet received: the offer it was
// issued on and its entry in the issuer's Token Status List, which the
// issuer's admin API lists with the offer's credential records
// (GET /admin/credentials: offer_id, status_list, status_index).
type IssuanceAck struct {
	OfferID string `json:"offer_id"`
	// StatusURI is the status list's URI (…/status/<list>), StatusIndex
	// the credential's index in it.
	StatusURI   string `json:"status_uri"`
	StatusIndex int    `json:"status_index"`
}

// issuerOffer is an offer a flow redeems: its id at the issuer, its
// pre-authorized code, and the Credential Issuer Identifier (the
// audience of the key proofs).
type issuerOffer struct{ id, code, issuer string }

// parseOffer reads an issuerOffer from an offer the issuer made.
func parseOffer(of *issuer.Offer) (issuerOffer, error) {
	ref, err := oid4vci.ParseOfferURI(of.OfferURI)
	if err != nil {
		return issuerOffer{}, fmt.Errorf("offer %s: %w", of.ID, err)
	}
	if ref.Offer == nil || ref.Offer.Grants == nil || ref.Offer.Grants.PreAuthorizedCode == nil {
		return issuerOffer{}, fmt.Errorf("loadtest: offer %s has no pre-authorized code", of.ID)
	}
	return issuerOffer{of.ID, ref.Offer.Grants.PreAuthorizedCode.PreAuthorizedCode, ref.Offer.CredentialIssuer}, nil
}

// targetOfferChunk is how many offers one bulk request to a target asks
// for.
const targetOfferChunk = 100

// targetOffers makes n skill offers through the targets' admin API
// (POST /admin/offers/bulk), a chunk at each target in turn.
func targetOffers(ctx context.Context, t Targets, eps []Endpoint, n int) ([]issuerOffer, error) {
	skill, _ := ppp.Lookup("skill")
	line, err := json.Marshal(issuer.OfferRequest{Type: "skill", Claims: skill.Example()})
	if err != nil {
		return nil, err
	}
	out := make([]issuerOffer, n)
	chunks := (n + targetOfferChunk - 1) / targetOfferChunk
	err = Prepare(chunks, 2*len(eps), func(c int) error {
		lo, hi := c*targetOfferChunk, min(n, (c+1)*targetOfferChunk)
		body := bytes.Repeat(append(line, '\n'), hi-lo)
		b, err := t.admin(ctx, eps[c%len(eps)], http.MethodPost, "/admin/offers/bulk", "application/jsonl", body)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		i := lo
		for sc.Scan() {
			var r issuer.BulkResult
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				return fmt.Errorf("loadtest: bulk offers at %s: %w", eps[c%len(eps)].URL, err)
			}
			switch {
			case r.Error != nil:
				return fmt.Errorf("loadtest: bulk offers at %s, line %d: %s: %s", eps[c%len(eps)].URL, r.Line, r.Error.Error, r.Error.Message)
			case r.Offer == nil || i == hi:
				return fmt.Errorf("loadtest: bulk offers at %s: unexpected line %d", eps[c%len(eps)].URL, r.Line)
			}
			if out[i], err = parseOffer(r.Offer); err != nil {
				return err
			}
			i++
		}
		if i != hi {
			return fmt.Errorf("%w: bulk offers at %s: %d of %d offers answered", ErrTargetDown, eps[c%len(eps)].URL, i-lo, hi-lo)
		}
		return nil
	})
	return out, err
}

// issuanceAck reads the status list entry of a credential received on
// the offer offerID.
func issuanceAck(offerID, cred string) (IssuanceAck, error) {
	s, err := sdjwt.Parse(cred)
	if err != nil {
		return IssuanceAck{}, fmt.Errorf("credential of offer %s: %w", offerID, err)
	}
	p, err := s.Process()
	if err != nil {
		return IssuanceAck{}, fmt.Errorf("credential of offer %s: %w", offerID, err)
	}
	st, _ := p.Claims["status"].(map[string]any)
	sl, _ := st["status_list"].(map[string]any)
	uri, _ := sl["uri"].(string)
	num, _ := sl["idx"].(json.Number) // Process gives numbers as json.Number
	idx, err := num.Int64()
	if uri == "" || err != nil {
		return IssuanceAck{}, fmt.Errorf("loadtest: credential of offer %s has no status list entry", offerID)
	}
	return IssuanceAck{OfferID: offerID, StatusURI: uri, StatusIndex: int(idx)}, nil
}
