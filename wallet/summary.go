package wallet

import (
	"context"
	"time"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

// Summary is one credential as "my paspoort" lists it (wallet list, the
// HTTP API): what it is, who issued it, when, and its status. It holds no
// claim value.
type Summary struct {
	ID string `json:"id"`
	// Type is the PPP type name ("skill", …), empty outside the PPP.
	Type string `json:"type"`
	VCT  string `json:"vct"`
	// Block is the PPP building block's identifier ("talents" … "goal",
	// "evidence"), empty outside the PPP.
	Block string `json:"block,omitempty"`
	// Group is the id of the Group it is shown in.
	Group      string    `json:"group"`
	Issuer     string    `json:"issuer"`
	IssuerName string    `json:"issuer_name,omitempty"`
	IssuedAt   time.Time `json:"issued_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	ReceivedAt time.Time `json:"received_at"`
	// Status is the credential's status (CheckStatus).
	Status Status `json:"status"`
	// CopyStatus is the status of each copy, in copy order.
	CopyStatus []Status `json:"copy_status,omitempty"`
	Copies     int      `json:"copies"`
	Unused     int      `json:"copies_unused"`
}

// Group is a section of "my paspoort": one of the six PPP building blocks,
// one evidence type (experience, learning, references), or "other" for
// credentials outside the PPP.
type Group struct {
	// ID is the block's identifier ("talents" … "goal"), the evidence
	// type's name ("experience", "learning", "reference") or "other".
	ID string `json:"id"`
	// Block is the building block number, 1–6, 7 for evidence, 0 for other.
	Block int `json:"block"`
	// Name is the display name per language ("nl", "en").
	Name map[string]string `json:"name"`
	// Credentials are the credentials in the group, in the order of
	// Wallet.Credentials.
	Credentials []Summary `json:"credentials"`
}

// GroupOf returns the group (without credentials) that a credential of
// type vct is shown in.
func GroupOf(vct string) Group {
	t, ok := ppp.LookupVCT(vct)
	switch {
	case !ok:
		return Group{ID: "other", Name: map[string]string{"nl": "Overig", "en": "Other"}}
	case t.Block == ppp.BlockEvidence:
		return Group{ID: t.Name, Block: int(t.Block), Name: map[string]string{"nl": t.Display["nl"].Name, "en": t.Display["en"].Name}}
	}
	return Group{ID: t.Block.String(), Block: int(t.Block), Name: map[string]string{"nl": t.Block.Name("nl"), "en": t.Block.Name("en")}}
}

// Summarize returns the summary of c with its status (CheckStatus; with
// offline, status lists are not fetched). A status that cannot be
// established is StatusUnknown; the reason is not part of the summary.
func (w *Wallet) Summarize(ctx context.Context, c *Credential, offline bool) Summary {
	st, _ := w.CheckStatus(ctx, c, offline)
	s := Summary{
		ID: c.ID, Type: c.Type, VCT: c.VCT, Group: GroupOf(c.VCT).ID, Issuer: c.Issuer, IssuerName: c.IssuerName,
		IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt, ReceivedAt: c.ReceivedAt,
		Status: st.Status, CopyStatus: st.Copies, Copies: c.Copies, Unused: c.Unused,
	}
	if b := c.Block(); b != 0 {
		s.Block = b.String()
	}
	return s
}

// Groups arranges summaries (in the order of Wallet.Credentials) into the
// groups of "my paspoort": the six building blocks and the three evidence
// types always, in that order, even when empty, then "other" when a
// credential falls outside the PPP.
func Groups(summaries []Summary) []Group {
	var out []Group
	for _, t := range pppGroupOrder() {
		out = append(out, GroupOf(t))
	}
	other := GroupOf("")
	idx := map[string]int{}
	for i, g := range out {
		idx[g.ID] = i
	}
	for _, s := range summaries {
		if i, ok := idx[s.Group]; ok {
			out[i].Credentials = append(out[i].Credentials, s)
		} else {
			other.Credentials = append(other.Credentials, s)
		}
	}
	for i := range out {
		if out[i].Credentials == nil {
			out[i].Credentials = []Summary{}
		}
	}
	if len(other.Credentials) > 0 {
		out = append(out, other)
	}
	return out
}

// pppGroupOrder returns one vct per group, in display order: blocks 1–6,
// then the evidence types in registry order.
func pppGroupOrder() []string {
	types := ppp.Types()
	var out []string
	seen := map[string]bool{}
	for b := ppp.BlockTalents; b <= ppp.BlockEvidence; b++ {
		for _, t := range types {
			g := GroupOf(t.VCT).ID
			if t.Block == b && !seen[g] {
				seen[g] = true
				out = append(out, t.VCT)
			}
		}
	}
	return out
}
