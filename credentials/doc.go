// Package credentials is the root of paspoort's credential formats and
// vocabulary: SD-JWT (sdjwt), the SD-JWT VC profile (sdjwtvc), the Token
// Status List (statuslist), DIDs (did), DCQL (dcql) and the PPP vocabulary
// (ppp). The packages below it are pure functions over bytes: they do no I/O
// except through a resolver or fetcher handed in by the caller.
//
// This package itself holds only the error classes shared by all of them.
//
// It imports only internal/errclass; never issuer, wallet, verifier, bench or cmd.
package credentials
