package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/loopbrug/paspoort/wallet"
)

// authCodeFlags are the flags of receiving over the authorization code
// flow.
type authCodeFlags struct {
	noBrowser bool
	wait      time.Duration
}

func (a *authCodeFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&a.noBrowser, "no-browser", false, "print the issuer's sign-in link instead of opening the browser")
	cmd.Flags().DurationVar(&a.wait, "sign-in-timeout", 10*time.Minute, "how long to wait for the sign-in at the issuer")
}

// callbackPage is what the browser shows once the issuer sent it back.
const callbackPage = `<!doctype html><html lang="nl"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
	`<title>paspoort</title><body style="font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem">` +
	`<h1>Terug naar paspoort</h1><p>Uw wallet maakt het ontvangen nu af. U kunt dit venster sluiten en verder gaan in paspoort.</p>` +
	`<p lang="en">You can close this window and go back to paspoort.</p></body></html>`

// receiveAuthorizationCode receives an offer over the authorization code
// flow: a loopback listener for the redirect back (RFC 8252 §7.3), the
// issuer's page in the holder's browser, then the credentials.
func receiveAuthorizationCode(cmd *cobra.Command, w *wallet.Wallet, o *wallet.Offer, org string, ro wallet.ReceiveOptions, ac authCodeFlags) error {
	ctx := cmd.Context()
	errw := cmd.ErrOrStderr()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the sign-in: %w", err)
	}
	defer ln.Close()
	redirect := "http://" + ln.Addr().String() + "/callback"
	az, err := w.StartAuthorization(ctx, o, redirect)
	if err != nil {
		return receiveError(err, org)
	}
	got := make(chan string, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /callback", func(rw http.ResponseWriter, r *http.Request) {
		select {
		case got <- "http://" + ln.Addr().String() + r.URL.RequestURI():
		default:
		}
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.Header().Set("Cache-Control", "no-store")
		rw.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		_, _ = rw.Write([]byte(callbackPage))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	fmt.Fprintln(errw, msg(fmt.Sprintf("Meld u aan bij %s in uw browser en bevestig daar. Opent de browser niet vanzelf, open dan deze link:", org),
		fmt.Sprintf("Sign in at %s in your browser and confirm there. If the browser does not open by itself, open this link:", org)))
	fmt.Fprintln(errw, az.URL)
	if !ac.noBrowser {
		if err := openBrowser(az.URL); err != nil {
			fmt.Fprintln(errw, msg("(De browser kon niet geopend worden; open de link zelf.)", "(The browser could not be opened; open the link yourself.)"))
		}
	}
	wait := ac.wait
	if wait <= 0 {
		wait = 10 * time.Minute
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var callback string
	select {
	case callback = <-got:
	case <-timer.C:
		return usagef("%s", msg(fmt.Sprintf("er kwam binnen %s geen aanmelding terug van %s; er is niets ontvangen. Begin opnieuw met dezelfde link als het aanbod nog geldig is.", wait, org),
			fmt.Sprintf("no sign-in came back from %s within %s; nothing was received. Start again with the same link if the offer is still valid.", org, wait)))
	case <-ctx.Done():
		return ctx.Err()
	}
	creds, err := w.FinishAuthorization(ctx, az, callback, ro)
	for _, c := range creds {
		fmt.Fprintf(errw, "%s: %s\n", msg("Ontvangen en gecontroleerd", "Received and verified"),
			fmt.Sprintf(msg("%s van %s, %d kopieën", "%s from %s, %d copies"), display(typeName(c.VCT, c.Type)), org, c.Copies))
		fmt.Fprintln(cmd.OutOrStdout(), c.ID)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wallet.ErrAuthorizationDenied):
		return tell(err, fmt.Sprintf("het ontvangen is geweigerd op de pagina van %s; er is niets opgeslagen.", org),
			fmt.Sprintf("receiving was refused on the page of %s; nothing was kept.", org))
	case errors.Is(err, wallet.ErrAuthorizationResponse):
		return tell(err, fmt.Sprintf("het antwoord dat terugkwam past niet bij deze aanvraag bij %s; er is niets opgeslagen. Begin opnieuw met de link van het aanbod.", org),
			fmt.Sprintf("the answer that came back does not fit this request to %s; nothing was kept. Start again with the offer's link.", org))
	}
	return receiveError(err, org)
}

// openBrowser asks the desktop to open u in the default browser.
func openBrowser(u string) error {
	var c *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		c = exec.Command("open", u)
	case "windows":
		c = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		c = exec.Command("xdg-open", u)
	}
	if err := c.Start(); err != nil {
		return err
	}
	go func() { _ = c.Wait() }()
	return nil
}
