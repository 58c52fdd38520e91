// Package bench measures the services end to end on the machine at
// hand: a real server on 127.0.0.1 with TLS and a badger store on disk
// with synced writes, and many concurrent clients on kept-alive
// connections in the same process. `paspoort issuer bench` and
// `paspoort verifier bench` print its results; the services' Go
// benchmarks run the same code.
//
// The work a client does before the timed phase (creating offers or
// requests, presenting) is done beforehand, so that the figures are the
// server's: what one flow costs from request to durable answer.
//
// It sits above the parties: it imports the issuer and the verifier to run
// them, so nothing under internal/ or credentials/ may import it.
//
// It may import the parties (issuer, verifier) and credentials/; nothing but cmd/ and tests may import it.
package bench
