// Command paspoort is the one binary of the paspoort wallet, issuer and
// verifier, and the toolbox developers and integrators use to issue,
// inspect and debug SD-JWT VCs.
//
// Exit status: 0 on success, 1 when an input is rejected or an operation
// fails, 2 on a usage error.
//
// It is the top: it may import every package of the module; nothing imports it.
package main
