package main

import "github.com/loopbrug/paspoort/credentials/pki"

// readAnchors reads the PEM anchor set of --flag, or nil without a file.
// A file that is not a PEM set of CA certificates is a usage error that
// names the flag.
func readAnchors(flag, file string) (*pki.Anchors, error) {
	if file == "" {
		return nil, nil
	}
	b, err := readFile(flag, file)
	if err != nil {
		return nil, err
	}
	a, err := pki.ParseAnchorsPEM(b)
	if err != nil {
		return nil, usagef("--%s %s is not a PEM file of CA certificates (as 'paspoort pki init' writes the anchor): %w", flag, file, err)
	}
	return a, nil
}
