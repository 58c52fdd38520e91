package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/loopbrug/paspoort/credentials/oid4vp"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/verifier"
)

// DecisionAck is one response a verifier acknowledged with its receipt:
// the transaction, and when the receipt says it was decided (Unix
// seconds), which the verifier's admin API gives as the decision's
// decided_at (GET /admin/transactions/{id}).
type DecisionAck struct {
	TransactionID string `json:"transaction_id"`
	DecidedAt     int64  `json:"decided_at"`
}

// runVerifierTargets is runVerifier against o.Targets: each transaction
// is made through the admin API of one target for o.TargetProfile, its
// request object read where the verifier says (request_object_uri), the
// wallet's answer made with o.Credential and o.Holder, and posted in the
// timed phase to the next target's response_uri.
func runVerifierTargets(ctx context.Context, o VerifierOptions, drive func(round func(context.Context) (Result, error)) error) error {
	switch {
	case o.Store != "" || o.Replicas > 1:
		return ErrTargetsAndStore
	case o.TargetProfile == "" || o.Credential == "" || o.Holder == nil:
		return fmt.Errorf("loadtest: targets need the profile to ask for, and a credential they trust with its holder's key")
	}
	if err := o.Targets.check("", 0); err != nil {
		return err
	}
	eps := o.Targets.endpoints(o.Concurrency)
	n := len(eps)
	round := func(ctx context.Context) (Result, error) {
		ids := make([]string, o.Presentations)
		forms := make([]string, o.Presentations)
		if err := Prepare(o.Presentations, 8, func(i int) error {
			var err error
			ids[i], forms[i], err = targetAnswer(ctx, o, eps[i%n])
			return err
		}); err != nil {
			return Result{}, fmt.Errorf("prepare responses: %w", err)
		}
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "%d transactions answered by the wallet; posting them with %d concurrent clients to %d target(s)…\n", o.Presentations, o.Concurrency, n)
		}
		return Run(ctx, Load{Flows: o.Presentations, Concurrency: o.Concurrency, Profile: o.Profile, Timer: o.Timer}, func(ctx context.Context, i int) error {
			at := eps[(i+1)%n]
			b, err := post(ctx, at.Client, at.URL+"/response", "application/x-www-form-urlencoded", "", forms[i])
			if err != nil {
				return err
			}
			return ackReceipt(at.URL, b, ids[i], o.Acked)
		})
	}
	return drive(round)
}

// targetAnswer makes a transaction at ep and the wallet's answer to it.
func targetAnswer(ctx context.Context, o VerifierOptions, ep Endpoint) (string, string, error) {
	in, _ := json.Marshal(map[string]string{"profile": o.TargetProfile, "response_mode": o.ResponseMode})
	b, err := o.Targets.admin(ctx, ep, http.MethodPost, "/admin/transactions", "application/json", in)
	if err != nil {
		return "", "", err
	}
	var req verifier.Request
	if err := json.Unmarshal(b, &req); err != nil || req.TransactionID == "" || req.RequestObjectURI == "" {
		return "", "", fmt.Errorf("loadtest: transaction at %s: %.200s", ep.URL, b)
	}
	greq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.RequestObjectURI, nil)
	if err != nil {
		return "", "", fmt.Errorf("loadtest: request object of %s: %w", req.TransactionID, err)
	}
	resp, err := ep.Client.Do(greq)
	if err != nil {
		return "", "", fmt.Errorf("%w: request object of %s: %w", ErrTargetDown, req.TransactionID, err)
	}
	defer resp.Body.Close()
	ro, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("%w: request object of %s: HTTP %d %v", ErrTargetDown, req.TransactionID, resp.StatusCode, err)
	}
	jws, err := jose.ParseCompact(strings.TrimSpace(string(ro)))
	if err != nil {
		return "", "", fmt.Errorf("loadtest: request object of %s: %w", req.TransactionID, err)
	}
	r, err := oid4vp.ParseAuthorizationRequest(jws.Payload)
	if err != nil {
		return "", "", fmt.Errorf("loadtest: request object of %s: %w", req.TransactionID, err)
	}
	form, err := Respond(r, o.Credential, o.Holder)
	if err != nil {
		return "", "", fmt.Errorf("loadtest: the wallet's answer to %s (does --credential meet profile %s?): %w", req.TransactionID, o.TargetProfile, err)
	}
	return req.TransactionID, form.Encode(), nil
}

// ackReceipt checks that the response_uri's answer b from the verifier at
// where carries a receipt for transaction id, and logs it. With no log it
// only looks for the receipt, so that the client's work stays out of the
// timed phase as before.
func ackReceipt(where string, b []byte, id string, acked *AckLog) error {
	if acked == nil {
		if !bytes.Contains(b, []byte(`"receipt"`)) {
			return fmt.Errorf("loadtest: response_uri at %s: no receipt: %.200s", where, b)
		}
		return nil
	}
	var reply verifier.ResponseReply
	if err := json.Unmarshal(b, &reply); err != nil || reply.Receipt == "" {
		return fmt.Errorf("loadtest: response_uri at %s: no receipt: %.200s", where, b)
	}
	jws, err := jose.ParseCompact(reply.Receipt)
	if err != nil {
		return fmt.Errorf("loadtest: receipt from %s: %w", where, err)
	}
	var rc verifier.Receipt
	if err := json.Unmarshal(jws.Payload, &rc); err != nil || rc.Jti != id {
		return fmt.Errorf("loadtest: receipt from %s is not for transaction %s", where, id)
	}
	acked.add(DecisionAck{TransactionID: id, DecidedAt: rc.Iat})
	return nil
}
