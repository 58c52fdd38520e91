package sdjwt

// Digest exposes the disclosure digest to the black-box tests.
var Digest = digest
