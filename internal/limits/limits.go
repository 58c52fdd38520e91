package limits

const (
	// MaxTokenBytes bounds a compact JWS, JWT or whole SD-JWT (with its
	// disclosures and KB-JWT) before it is split or decoded.
	MaxTokenBytes = 1 << 20
	// MaxJSONBytes bounds a JSON document parsed on its own (a JWK, a claims
	// document, a DID document).
	MaxJSONBytes = 1 << 20
	// MaxJSONDepth bounds the nesting of objects and arrays in any JSON
	// document (encoding/json alone stops only at 10,000).
	MaxJSONDepth = 64
	// MaxDisclosures bounds the number of disclosures in one SD-JWT.
	MaxDisclosures = 1024
	// MaxDigests bounds the number of digests (disclosed and decoys) in one
	// SD-JWT payload, all _sd arrays and array elements together.
	MaxDigests = 8192
	// MaxKidBytes bounds a "kid" header value; kid is an opaque map key.
	MaxKidBytes = 1024
	// MaxStatusListBytes bounds a status list after zlib inflation.
	MaxStatusListBytes = 16 << 20
	// MaxFetchBytes bounds an outbound fetch response body by default.
	MaxFetchBytes = 256 << 10
	// MaxClockSkewSeconds is the largest leeway allowed for time claims.
	MaxClockSkewSeconds = 60
)
