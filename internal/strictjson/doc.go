// Package strictjson decodes JSON the way a security token parser must:
// duplicate object members (at any depth, compared after unescaping) are
// rejected, as are invalid UTF-8, a byte order mark, nesting deeper than
// limits.MaxJSONDepth, trailing data and documents over a size limit.
// Numbers decoded into interface values become json.Number, so no precision
// is lost. encoding/json alone keeps the last duplicate member, which lets
// {"alg":"ES256","alg":"none"} mean different things to different parsers
// (SECURITY.md A.9).
//
// The package is safe for concurrent use.
//
// It must never import a package of this module outside internal/ (see internal/layering).
package strictjson
