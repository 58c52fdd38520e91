package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/issuer"
)

func newIssuerOfferCommand() *cobra.Command {
	var base, tokenFile, caFile, typ, claimsFile, subject, qrFile, bulkFile, txDesc, grant string
	var txCode bool
	var expiresIn int
	cmd := &cobra.Command{
		Use:   "offer --url BASE_URL --admin-token-file FILE --type TYPE --claims FILE [--tx-code] [--grant authorization_code]",
		Short: "Create a credential offer (or offers in bulk) through the admin API",
		Long: "Create a credential offer for one person: a PPP credential TYPE (such as skill) with the\n" +
			"claims in FILE, checked against the type's JSON Schema by the issuer. Prints one JSON object:\n" +
			"{\"offer_uri\": \"openid-credential-offer://…\", \"tx_code\": \"…\"} with more members (id,\n" +
			"offer_uri_by_reference, expires_at); tx_code only with --tx-code, to deliver to the person\n" +
			"out of band. --qr writes a QR code PNG of the offer.\n\n" +
			"--grant authorization_code makes an offer for HAIP wallets (OpenID4VC HAIP 1.0): the wallet\n" +
			"pushes an authorization request and the person confirms on the issuer's page, entering the\n" +
			"tx_code there when the offer has one. The default is pre-authorized_code.\n\n" +
			"--bulk FILE creates one offer per line of a CSV file (header: type, subject_ref, tx_code,\n" +
			"expires_in, then one column per top-level claim; cells holding JSON numbers, arrays or objects\n" +
			"are taken as JSON) or a JSON Lines file (one {\"type\", \"claims\", \"tx_code\", \"subject_ref\"}\n" +
			"object per line). It prints one JSON result per line ({\"line\", \"offer\"} or {\"line\",\n" +
			"\"error\"}) and shows progress on standard error; it fails when any line failed.",
		Example: "  paspoort issuer offer --url https://assess.example.nl --admin-token-file admin.token \\\n" +
			"    --type skill --claims skill.json --tx-code\n" +
			"  paspoort issuer offer --url https://school.example.nl --admin-token-file admin.token --bulk cohort.csv",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newAdminClient(base, tokenFile, caFile)
			if err != nil {
				return err
			}
			if bulkFile != "" {
				if typ != "" || claimsFile != "" {
					return usagef("--bulk goes without --type and --claims")
				}
				return bulkOffers(cmd, a, bulkFile)
			}
			if typ == "" || claimsFile == "" {
				return usagef("--type and --claims are required (or --bulk)")
			}
			claims, err := readFile("claims", claimsFile)
			if err != nil {
				return err
			}
			if !json.Valid(claims) {
				return usagef("--claims %s is not JSON", claimsFile)
			}
			if grant != issuer.GrantPreAuthorized && grant != issuer.GrantAuthorizationCode {
				return usagef("--grant is %s or %s", issuer.GrantPreAuthorized, issuer.GrantAuthorizationCode)
			}
			req := issuer.OfferRequest{Type: typ, Claims: claims, TxCode: txCode, TxCodeDescription: txDesc, SubjectRef: subject, ExpiresIn: expiresIn, Grant: grant}
			var o issuer.Offer
			if err := a.callJSON(cmd.Context(), http.MethodPost, "/offers", req, &o); err != nil {
				return err
			}
			if qrFile != "" {
				if err := os.WriteFile(qrFile, o.QRCode, 0o644); err != nil {
					return fmt.Errorf("--qr: %w", err)
				}
			}
			o.QRCode = nil
			return writeJSON(cmd, o)
		},
	}
	addAdminFlags(cmd, &base, &tokenFile, &caFile)
	f := cmd.Flags()
	f.StringVar(&typ, "type", "", "PPP credential type, such as skill (see: paspoort ppp types)")
	f.StringVar(&claimsFile, "claims", "", "JSON file with the claims (see: paspoort ppp example TYPE)")
	f.BoolVar(&txCode, "tx-code", false, "require a numeric transaction code, printed as tx_code")
	f.StringVar(&txDesc, "tx-code-description", "", "tells the holder where the transaction code comes from")
	f.StringVar(&subject, "subject-ref", "", "your own reference for the person (kept with the records only)")
	f.IntVar(&expiresIn, "expires-in", 0, "offer lifetime in seconds (default: the issuer's maximum)")
	f.StringVar(&qrFile, "qr", "", "write a QR code PNG of the offer to this file")
	f.StringVar(&bulkFile, "bulk", "", "CSV (.csv) or JSON Lines (.jsonl) file of offers")
	f.StringVar(&grant, "grant", issuer.GrantPreAuthorized, "pre-authorized_code, or authorization_code for HAIP wallets")
	return cmd
}

// bulkOffers posts a bulk file and streams the results, with a progress
// bar on standard error.
func bulkOffers(cmd *cobra.Command, a *adminClient, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return usagef("--bulk: %v", err)
	}
	ct := "application/jsonl"
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		ct = "text/csv"
	}
	resp, err := a.call(cmd.Context(), http.MethodPost, "/offers/bulk", ct, bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	total, _ := strconv.Atoi(resp.Header.Get("X-Bulk-Total"))
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	done, failed := 0, 0
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	for sc.Scan() {
		var r issuer.BulkResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("bulk response: %w", err)
		}
		done++
		if r.Error != nil {
			failed++
		}
		fmt.Fprintf(out, "%s\n", sc.Bytes())
		progress(errw, done, total, failed)
	}
	fmt.Fprintln(errw)
	if err := sc.Err(); err != nil {
		return fmt.Errorf("bulk response: %w", err)
	}
	if done != total {
		return fmt.Errorf("bulk: %d of %d results received", done, total)
	}
	if failed > 0 {
		return fmt.Errorf("bulk: %d of %d offers failed (see the error lines)", failed, total)
	}
	return nil
}

// progress draws "[#####-----] done/total" on one line.
func progress(w interface{ Write([]byte) (int, error) }, done, total, failed int) {
	const width = 30
	n := width
	if total > 0 {
		n = done * width / total
	}
	fmt.Fprintf(w, "\r[%s%s] %d/%d offers", strings.Repeat("#", n), strings.Repeat("-", width-n), done, total)
	if failed > 0 {
		fmt.Fprintf(w, ", %d failed", failed)
	}
}

func newIssuerStatusCommand(name, short string) *cobra.Command {
	var base, tokenFile, caFile, id string
	cmd := &cobra.Command{
		Use:   name + " --url BASE_URL --admin-token-file FILE --id CREDENTIAL_ID",
		Short: short,
		Long: short + " through the admin API. The change is in the issuer's Token Status List at once\n" +
			"(relying parties see it when their cached copy expires). Prints the credential's record.\n" +
			"Credential IDs are listed by \"paspoort issuer list\".",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if id == "" {
				return usagef("--id is required")
			}
			a, err := newAdminClient(base, tokenFile, caFile)
			if err != nil {
				return err
			}
			var rec issuer.CredentialRecord
			if err := a.callJSON(cmd.Context(), http.MethodPost, "/credentials/"+url.PathEscape(id)+"/"+name, nil, &rec); err != nil {
				return err
			}
			return writeJSON(cmd, rec)
		},
	}
	addAdminFlags(cmd, &base, &tokenFile, &caFile)
	cmd.Flags().StringVar(&id, "id", "", "the credential's ID")
	return cmd
}

func newIssuerListCommand() *cobra.Command {
	var base, tokenFile, caFile, after string
	var limit int
	cmd := &cobra.Command{
		Use:   "list --url BASE_URL --admin-token-file FILE [--after ID] [--limit N]",
		Short: "List issued credentials (metadata only: type, subject reference, status, dates)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newAdminClient(base, tokenFile, caFile)
			if err != nil {
				return err
			}
			q := url.Values{}
			if after != "" {
				q.Set("after", after)
			}
			if limit > 0 {
				q.Set("limit", strconv.Itoa(limit))
			}
			var out map[string]any
			if err := a.callJSON(cmd.Context(), http.MethodGet, "/credentials?"+q.Encode(), nil, &out); err != nil {
				return err
			}
			return writeJSON(cmd, out)
		},
	}
	addAdminFlags(cmd, &base, &tokenFile, &caFile)
	cmd.Flags().StringVar(&after, "after", "", "list from the first ID after this one")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many (up to 1000)")
	return cmd
}

func newIssuerRotateKeyCommand() *cobra.Command {
	var base, tokenFile, caFile string
	cmd := &cobra.Command{
		Use:   "rotate-key --url BASE_URL --admin-token-file FILE",
		Short: "Create a new signing key; the old one stays published so its credentials keep verifying",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newAdminClient(base, tokenFile, caFile)
			if err != nil {
				return err
			}
			var out map[string]any
			if err := a.callJSON(cmd.Context(), http.MethodPost, "/keys/rotate", nil, &out); err != nil {
				return err
			}
			return writeJSON(cmd, out)
		},
	}
	addAdminFlags(cmd, &base, &tokenFile, &caFile)
	return cmd
}
