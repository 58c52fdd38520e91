package devstack

import (
	"fmt"
	"net"

	"github.com/loopbrug/paspoort/credentials/profile"

	issuerweb "github.com/loopbrug/paspoort/issuer/web"
	verifierweb "github.com/loopbrug/paspoort/verifier/web"
	walletweb "github.com/loopbrug/paspoort/wallet/web"
)

// openDesks binds and builds the web pages: the web wallet, then each
// issuer's desk, then each verifier's desk, on the next ports (plain http
// on 127.0.0.1, so that a browser opens them without trusting the dev CA).
func (s *Stack) openDesks(next func() (net.Listener, error)) error {
	var err error
	w := s.Wallet
	if w.webLn, err = next(); err != nil {
		return err
	}
	var verifiers []string
	for _, v := range s.Verifiers {
		verifiers = append(verifiers, v.URL)
	}
	if w.web, err = walletweb.New(walletweb.Config{Store: w.store, WalletOptions: s.WalletOptions(), Verifiers: verifiers,
		Logger: s.opts.Logger.With("service", "wallet-web"), Now: s.opts.Now}); err != nil {
		return fmt.Errorf("devstack: web wallet: %w", err)
	}
	w.WebURL = "http://" + w.webLn.Addr().String()
	for _, is := range s.Issuers {
		if is.deskLn, err = next(); err != nil {
			return err
		}
		if is.desk, err = issuerweb.New(issuerweb.Config{Issuer: is.Issuer, Name: is.Name["nl"], WalletURL: w.WebURL,
			Logger: s.opts.Logger.With("service", "issuer-desk", "org", is.Key)}); err != nil {
			return fmt.Errorf("devstack: desk of %s: %w", is.Key, err)
		}
		is.DeskURL = "http://" + is.deskLn.Addr().String()
	}
	names := map[string]string{}
	for _, is := range s.Issuers {
		names[is.URL] = is.Name["nl"]
	}
	for _, v := range s.Verifiers {
		if v.deskLn, err = next(); err != nil {
			return err
		}
		ps := v.profiles(s)
		cfg := verifierweb.Config{Verifier: v.Verifier, Store: v.store, Profiles: ps, Name: v.Name, WalletURL: w.WebURL, IssuerNames: names,
			Logger: s.opts.Logger.With("service", "verifier-desk", "org", v.Key)}
		if v.Key == VerifierEVC {
			// The EVC provider's desk reviews portfolios and has the
			// provider's issuer offer over its admin API.
			evc := s.Issuer(IssuerEVC)
			cfg.EVC = &verifierweb.EVCConfig{IssuerAdminURL: evc.URL + "/admin", AdminToken: evc.AdminToken, Provider: evc.Name["nl"],
				Client: s.client, Now: s.opts.Now}
		}
		if v.desk, err = verifierweb.New(cfg); err != nil {
			return fmt.Errorf("devstack: desk of %s: %w", v.Key, err)
		}
		v.DeskURL = "http://" + v.deskLn.Addr().String()
	}
	return nil
}

// deskListeners returns the listeners of the web pages bound so far.
func (s *Stack) deskListeners() []net.Listener {
	var out []net.Listener
	if s.Wallet != nil && s.Wallet.webLn != nil {
		out = append(out, s.Wallet.webLn)
	}
	for _, is := range s.Issuers {
		if is.deskLn != nil {
			out = append(out, is.deskLn)
		}
	}
	for _, v := range s.Verifiers {
		if v.deskLn != nil {
			out = append(out, v.deskLn)
		}
	}
	return out
}

// profiles returns the verifier's profiles.
func (v *Verifier) profiles(s *Stack) []*profile.Profile {
	var ps []*profile.Profile
	for _, id := range v.Profiles {
		if p, ok := s.Profiles[id]; ok {
			ps = append(ps, p)
		}
	}
	return ps
}
