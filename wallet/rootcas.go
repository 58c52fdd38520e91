package wallet

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/loopbrug/paspoort/credentials"
)

// ErrRootCAs (FMT) reports a root certificate file that is not one or more
// PEM "CERTIFICATE" blocks.
var ErrRootCAs = credentials.NewError(credentials.ErrFormat, "wallet: not a PEM file of certificates")

// maxRootCAs bounds the certificates ParseRootCAs accepts.
const maxRootCAs = 1000

// ParseRootCAs reads a PEM file of one or more certificates (a development
// CA such as DATA/tls/ca.pem of "paspoort dev", or a private CA bundle) into
// a pool for WithRootCAs. Text between blocks is ignored, as in CA bundles;
// a block that is not a "CERTIFICATE", a certificate that does not parse, or
// a file without any certificate is ErrRootCAs.
func ParseRootCAs(data []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	for rest := data; len(bytes.TrimSpace(rest)) > 0; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%w: a %q block", ErrRootCAs, b.Type)
		}
		if n++; n > maxRootCAs {
			return nil, fmt.Errorf("%w: more than %d certificates", ErrRootCAs, maxRootCAs)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %v", ErrRootCAs, n, err)
		}
		pool.AddCert(c)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: no certificate", ErrRootCAs)
	}
	return pool, nil
}
