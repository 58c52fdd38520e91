package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/credentials/ppp"
	"github.com/loopbrug/paspoort/credentials/sdjwt"
	"github.com/loopbrug/paspoort/credentials/sdjwtvc"
	"github.com/loopbrug/paspoort/credentials/statuslist"
	"github.com/loopbrug/paspoort/internal/jose"
	"github.com/loopbrug/paspoort/internal/safehttp"
	"github.com/loopbrug/paspoort/internal/strictjson"
)

func newSDJWTCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sdjwt",
		Short: "Issue, present, verify and decode SD-JWT VCs",
		Long: "Work with SD-JWT VCs (draft-ietf-oauth-sd-jwt-vc over RFC 9901) on the command line.\n" +
			"Claim paths are comma-separated JSON Pointers (RFC 6901), e.g.\n" +
			"/given_name,/address/street_address,/nationalities/1",
		Example: "  paspoort keys generate > issuer.jwk; paspoort keys generate > holder.jwk\n" +
			"  paspoort ppp example skill > claims.json\n" +
			"  paspoort sdjwt issue --key issuer.jwk --iss https://issuer.example \\\n" +
			"      --vct https://paspoort.loopbrug.nl/vct/skill/v1 --holder-key holder.jwk --claims claims.json > cred.txt\n" +
			"  paspoort sdjwt present --holder-key holder.jwk --disclose /skill,/proficiency \\\n" +
			"      --aud https://verifier.example --nonce n-123 < cred.txt > pres.txt\n" +
			"  paspoort sdjwt verify --issuer-key issuer.jwk --aud https://verifier.example --nonce n-123 < pres.txt",
	}
	cmd.AddCommand(newSDJWTIssueCommand(), newSDJWTPresentCommand(), newSDJWTVerifyCommand(), newSDJWTDecodeCommand())
	return cmd
}

func newSDJWTIssueCommand() *cobra.Command {
	var keyFile, iss, vct, holderFile, claimsFile, disclose, statusURI string
	var decoys, statusIdx int
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "issue --key ISSUER.jwk --iss ISS --vct VCT --holder-key HOLDER_PUB.jwk --claims CLAIMS.json",
		Short: "Issue an SD-JWT VC and print it in issuance form",
		Long: "Sign the claims of CLAIMS.json (a JSON object) as an SD-JWT VC (typ dc+sd-jwt) bound to the\n" +
			"holder's key (cnf.jwk), and print the issuance form <JWT>~<disclosure>~…~.\n\n" +
			"--disclose names the claims to make selectively disclosable; without it every top-level\n" +
			"claim and every element of a top-level array is. iss, vct, cnf, exp, nbf and status are\n" +
			"never selectively disclosable. When VCT is a PPP type (see 'paspoort ppp types'), the claims\n" +
			"are checked against its JSON Schema first.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if iss == "" || vct == "" {
				return usagef("--iss and --vct are required")
			}
			if decoys < 0 {
				return usagef("--decoys must not be negative")
			}
			if ttl < 0 {
				return usagef("--ttl must not be negative")
			}
			key, err := readPrivateKey("key", keyFile)
			if err != nil {
				return err
			}
			holder, err := readPublicKey("holder-key", holderFile)
			if err != nil {
				return err
			}
			raw, err := readFile("claims", claimsFile)
			if err != nil {
				return err
			}
			var claims map[string]any
			if err := strictjson.Unmarshal(raw, &claims); err != nil {
				return fmt.Errorf("--claims %s: %w", claimsFile, err)
			}
			if claims == nil {
				return fmt.Errorf("--claims %s: not a JSON object", claimsFile)
			}
			if t, ok := ppp.LookupVCT(vct); ok {
				if err := ppp.Validate(t.Name, raw); err != nil {
					return fmt.Errorf("--claims %s: %w", claimsFile, err)
				}
			}
			c := sdjwtvc.Credential{Issuer: iss, VCT: vct, HolderKey: holder, Claims: claims, Decoys: decoys, IssuedAt: time.Now()}
			if ttl > 0 {
				c.Expires = c.IssuedAt.Add(ttl)
			}
			if statusURI != "" {
				if statusIdx < 0 {
					return usagef("--status-index must not be negative")
				}
				c.Status = &sdjwtvc.StatusRef{Index: statusIdx, URI: statusURI}
			} else if cmd.Flags().Changed("status-index") {
				return usagef("--status-index needs --status-uri")
			}
			if cmd.Flags().Changed("disclose") {
				if c.Disclose, err = sdjwt.ParsePaths(disclose); err != nil {
					return usagef("--disclose: %v", err)
				}
				if c.Disclose == nil {
					c.Disclose = []string{}
				}
			}
			out, err := sdjwtvc.Issue(key, c)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyFile, "key", "", "issuer's private JWK file (required)")
	f.StringVar(&iss, "iss", "", "issuer identifier, an https URL or a DID (required)")
	f.StringVar(&vct, "vct", "", "credential type (required)")
	f.StringVar(&holderFile, "holder-key", "", "holder's public JWK file, for cnf (required)")
	f.StringVar(&claimsFile, "claims", "", "JSON file with the claims (required)")
	f.StringVar(&disclose, "disclose", "", "comma-separated JSON Pointers of the selectively disclosable claims")
	f.IntVar(&decoys, "decoys", 0, "number of decoy digests to add")
	f.DurationVar(&ttl, "ttl", 0, "validity period, sets exp (e.g. 8760h); 0 means no exp")
	f.StringVar(&statusURI, "status-uri", "", "Token Status List URI for the status claim")
	f.IntVar(&statusIdx, "status-index", 0, "index in the status list (with --status-uri)")
	return cmd
}

func newSDJWTPresentCommand() *cobra.Command {
	var holderFile, disclose, aud, nonce string
	cmd := &cobra.Command{
		Use:   "present --holder-key HOLDER.jwk --disclose PATHS|all|none --aud AUD --nonce NONCE",
		Short: "Read an SD-JWT on standard input and print a presentation with a Key Binding JWT",
		Long: "Select the disclosures named by --disclose from the SD-JWT on standard input and append a\n" +
			"Key Binding JWT signed with the holder's key, for the verifier --aud and its --nonce.\n" +
			"Disclosing a nested claim brings its parents along; disclosing an object brings everything\n" +
			"in it. A path that names no claim is an error, so a typo never discloses less than meant.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if aud == "" || nonce == "" {
				return usagef("--aud and --nonce are required")
			}
			var sel sdjwt.Selection
			switch strings.TrimSpace(disclose) {
			case "all":
				sel = sdjwt.SelectAll
			case "none":
				sel = sdjwt.SelectNone
			case "":
				return usagef("--disclose is required: comma-separated JSON Pointers, all, or none")
			default:
				paths, err := sdjwt.ParsePaths(disclose)
				if err != nil {
					return usagef("--disclose: %v", err)
				}
				sel = sdjwt.Selection{Paths: paths}
			}
			key, err := readPrivateKey("holder-key", holderFile)
			if err != nil {
				return err
			}
			in, err := readInput(cmd, "an SD-JWT")
			if err != nil {
				return err
			}
			out, err := sdjwt.Present(in, sel, &sdjwt.KeyBindingOptions{Key: key, Audience: aud, Nonce: nonce})
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), out)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&holderFile, "holder-key", "", "holder's private JWK file (required)")
	f.StringVar(&disclose, "disclose", "", "comma-separated JSON Pointers, all, or none (required)")
	f.StringVar(&aud, "aud", "", "the verifier, as KB-JWT aud (required)")
	f.StringVar(&nonce, "nonce", "", "the verifier's nonce (required)")
	return cmd
}

func newSDJWTVerifyCommand() *cobra.Command {
	var keyFile, aud, nonce, typ, now string
	var maxAge time.Duration
	var checkStatus, allowLoopback bool
	cmd := &cobra.Command{
		Use:   "verify --issuer-key ISSUER_PUB.jwk [--aud AUD --nonce NONCE]",
		Short: "Verify an SD-JWT VC presentation read from standard input",
		Long: "Verify the SD-JWT VC on standard input against the issuer's public key: typ dc+sd-jwt, the\n" +
			"algorithm allow-list (ES256, EdDSA), the signature, exp/nbf/iat, every disclosure (RFC 9901\n" +
			"§7.1) and, with --aud and --nonce, the Key Binding JWT (§7.3). A KB-JWT is required when\n" +
			"--aud/--nonce are given and refused when they are not. With --check-status the credential's\n" +
			"Token Status List is fetched (https only; --allow-loopback for a local test issuer), its\n" +
			"signature checked with the same issuer key, and a revoked or suspended credential refused;\n" +
			"without it the status is not fetched.\n\n" +
			"Exit status 0 prints the processed claims as JSON; 1 prints a one-line reason (with its error\n" +
			"class: FMT, ALG, SIG, TRUST, TYP, CLAIM, DISC, KB, …) on standard error; 2 is a usage error.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (aud == "") != (nonce == "") {
				return usagef("--aud and --nonce go together")
			}
			key, err := readPublicKey("issuer-key", keyFile)
			if err != nil {
				return err
			}
			at := time.Now()
			if now != "" {
				if at, err = parseTime(now); err != nil {
					return usagef("--now: %v", err)
				}
			}
			in, err := readInput(cmd, "an SD-JWT presentation")
			if err != nil {
				return err
			}
			pol := sdjwt.KeyBindingPolicy{Required: aud != "", Audience: aud, Nonce: nonce, MaxAge: maxAge}
			var claims map[string]any
			if typ == sdjwtvc.Typ {
				keys := sdjwtvc.StaticKeys{"": {key}}
				statusOpt := sdjwtvc.WithoutStatusCheckUnsafe()
				if checkStatus {
					var fopts []safehttp.Option
					if allowLoopback {
						fopts = append(fopts, safehttp.WithAllowLoopback())
					}
					client, err := safehttp.New(fopts...)
					if err != nil {
						return err
					}
					checker, err := statuslist.NewChecker(client, keys, statuslist.WithClock(func() time.Time { return at }))
					if err != nil {
						return err
					}
					statusOpt = sdjwtvc.WithStatusChecker(checker)
				}
				v, err := sdjwtvc.NewVerifier(keys, statusOpt,
					sdjwtvc.WithClock(func() time.Time { return at }), sdjwtvc.WithKeyBindingMaxAge(maxAge))
				if err != nil {
					return err
				}
				res, err := v.Verify(context.Background(), in, sdjwtvc.Policy{KeyBinding: pol})
				if err != nil {
					return rejected(err)
				}
				claims = res.Claims
			} else {
				res, err := sdjwt.Verify(in, key, sdjwt.VerifyOptions{Algs: jose.DefaultAlgs, Typ: typ, KeyBinding: pol, Now: at, Leeway: 30 * time.Second})
				if err != nil {
					return rejected(err)
				}
				claims = res.Claims
			}
			return writeJSON(cmd, claims)
		},
	}
	f := cmd.Flags()
	f.StringVar(&keyFile, "issuer-key", "", "issuer's public JWK file (required)")
	f.StringVar(&aud, "aud", "", "expected KB-JWT aud; requires a KB-JWT")
	f.StringVar(&nonce, "nonce", "", "expected KB-JWT nonce; requires a KB-JWT")
	f.StringVar(&typ, "typ", sdjwtvc.Typ, "expected typ of the issuer-signed JWT; another value verifies a plain RFC 9901 SD-JWT, \"\" accepts any")
	f.StringVar(&now, "now", "", "verify as of this time (RFC 3339 or Unix seconds) instead of the clock")
	f.DurationVar(&maxAge, "max-kb-age", 5*time.Minute, "oldest KB-JWT iat accepted")
	f.BoolVar(&checkStatus, "check-status", false, "fetch and check the credential's Token Status List")
	f.BoolVar(&allowLoopback, "allow-loopback", false, "with --check-status: allow http and loopback addresses (development only)")
	return cmd
}

// rejectedError is a verification failure: exit status 1 with a one-line
// reason naming the error class.
type rejectedError struct{ err error }

func (e *rejectedError) Error() string {
	return fmt.Sprintf("rejected (%s): %v", className(e.err), e.err)
}
func (e *rejectedError) Unwrap() error { return e.err }

func rejected(err error) error { return &rejectedError{err} }

func parseTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errors.New("want RFC 3339 or Unix seconds")
	}
	return t, nil
}

func newSDJWTDecodeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "decode",
		Short: "Show the header, payload and disclosures of an SD-JWT, without verifying it",
		Long: "Decode the SD-JWT (or SD-JWT+KB) on standard input and print, as JSON, the issuer-signed\n" +
			"JWT's header and payload, each disclosure (its digest, salt, claim name and value) and the\n" +
			"KB-JWT's header and payload. NOTHING IS VERIFIED: use 'paspoort sdjwt verify' for that.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := readInput(cmd, "an SD-JWT")
			if err != nil {
				return err
			}
			t, err := sdjwt.Parse(in)
			if err != nil {
				return err
			}
			type disclosure struct {
				Digest  string `json:"digest"`
				Salt    string `json:"salt"`
				Name    string `json:"name,omitempty"`
				Element bool   `json:"array_element,omitempty"`
				Value   any    `json:"value"`
				Encoded string `json:"encoded"`
				Path    string `json:"path,omitempty"`
			}
			out := map[string]any{"verified": false, "header": t.JWT.Header.Raw, "payload": t.Payload}
			// Where each disclosure lands, when the structure is sound.
			var paths []string
			if proc, err := t.Process(); err == nil {
				paths = proc.Disclosed
			} else {
				out["processing_error"] = err.Error()
			}
			ds := make([]disclosure, len(t.Disclosures))
			for i, d := range t.Disclosures {
				ds[i] = disclosure{Digest: d.Digest, Salt: d.Salt, Name: d.Name, Element: d.ArrayElement, Value: d.Value, Encoded: d.Encoded}
				if paths != nil {
					ds[i].Path = paths[i]
				}
			}
			out["disclosures"] = ds
			if t.KeyBinding != nil {
				var kb map[string]any
				if err := t.KeyBinding.DecodePayload(&kb); err != nil {
					return fmt.Errorf("key binding JWT: %w", err)
				}
				out["key_binding"] = map[string]any{"header": t.KeyBinding.Header.Raw, "payload": kb}
			}
			return writeJSON(cmd, out)
		},
	}
}
