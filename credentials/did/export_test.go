package did

// Base58EncodeForTest exposes the base58btc encoder to the black-box tests.
var Base58EncodeForTest = base58Encode
