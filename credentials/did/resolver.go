package did

import (
	"context"
	"fmt"
	"sync"

	"github.com/loopbrug/paspoort/internal/jose"
)

// Resolver resolves did:jwk, did:key and, given a WebResolver, did:web
// DIDs, and the keys their documents authorise. It is what a verifier uses
// to turn a token's "kid" into a key.
//
// A Resolver is safe for concurrent use by multiple goroutines.
type Resolver struct {
	web *WebResolver

	// keys caches the keys of did:jwk and did:key DID URLs: those DIDs
	// are their own documents, so a key once resolved for a relationship
	// always resolves the same. Verifiers see the same few issuers again
	// and again; expanding and checking the document each time cost a
	// verifier about a tenth of the time of an ECDSA verification.
	mu   sync.Mutex
	keys map[keyRef]*jose.PublicKey
}

// keyRef is the key of Resolver.keys.
type keyRef struct {
	url string
	rel Relationship
}

// maxCachedKeys bounds Resolver.keys; when full it is emptied.
const maxCachedKeys = 4096

// NewResolver returns a Resolver. web may be nil, in which case did:web
// DIDs are refused with ErrWebDisabled (FETCH).
func NewResolver(web *WebResolver) *Resolver {
	return &Resolver{web: web}
}

// Resolve returns the DID document of a bare DID: expanded for did:jwk
// (ResolveJWK) and did:key (ResolveKey), fetched for did:web
// (WebResolver.Resolve). Other methods fail with ErrUnsupportedMethod.
// The caller owns the returned document.
func (r *Resolver) Resolve(ctx context.Context, did string) (*Document, error) {
	d, err := Parse(did)
	if err != nil {
		return nil, err
	}
	switch d.Method {
	case MethodJWK:
		return ResolveJWK(did)
	case MethodKey:
		return ResolveKey(did)
	case MethodWeb:
		if r.web == nil {
			return nil, ErrWebDisabled
		}
		return r.web.Resolve(ctx, did)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedMethod, truncate(d.Method))
}

// ResolveKey returns the public key that the DID URL didURL
// ("<did>#<fragment>", a token's "kid") names, if the DID's document
// authorises it for rel. The key's KeyID is didURL. The checks, in the
// order of the package documentation:
//
//  1. didURL is an absolute DID URL with a fragment and without path or
//     query (ErrRelativeDIDURL, ErrInvalidDID);
//  2. rel is a relationship that verifies signatures — every one but
//     keyAgreement (ErrNotAuthorized);
//  3. the document resolves and its "id" is the DID (ErrDocumentID);
//  4. every verification method of the document belongs to the DID
//     (ErrForeignMethod) and exactly one has the id didURL (ErrUnknownKey,
//     ErrAmbiguousMethod); for did:jwk that is "#0" only;
//  5. rel references that method (ErrNotAuthorized);
//  6. the method holds a public P-256 or Ed25519 key in a supported form
//     (ErrUnsupportedMethodType and internal/jose errors).
func (r *Resolver) ResolveKey(ctx context.Context, didURL string, rel Relationship) (*jose.PublicKey, error) {
	u, err := ParseURL(didURL)
	if err != nil {
		return nil, fmt.Errorf("resolve key: %w", err)
	}
	if u.Fragment == "" {
		return nil, fmt.Errorf("resolve key: %w: DID URL without a fragment", ErrInvalidDID)
	}
	if p := (&Document{}).relationshipPtr(rel); p == nil || rel == KeyAgreement {
		return nil, fmt.Errorf("resolve key: %w: relationship %q does not verify signatures", ErrNotAuthorized, truncate(string(rel)))
	}
	if u.DID.Method == MethodWeb {
		if r.web == nil {
			return nil, ErrWebDisabled
		}
		return r.web.resolveKey(ctx, u, rel)
	}
	ref := keyRef{didURL, rel}
	r.mu.Lock()
	k, ok := r.keys[ref]
	r.mu.Unlock()
	if ok {
		return k, nil
	}
	var doc *Document
	switch u.DID.Method {
	case MethodJWK:
		doc, err = ResolveJWK(u.DID.String())
	case MethodKey:
		doc, err = ResolveKey(u.DID.String())
	default:
		err = fmt.Errorf("%w: %q", ErrUnsupportedMethod, truncate(u.DID.Method))
	}
	if err != nil {
		return nil, fmt.Errorf("resolve key: %w", err)
	}
	if k, err = keyFromDocument(doc, u, rel); err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.keys == nil || len(r.keys) >= maxCachedKeys {
		r.keys = make(map[keyRef]*jose.PublicKey)
	}
	r.keys[ref] = k
	r.mu.Unlock()
	return k, nil
}

// keyFromDocument applies checks 3 to 6 of Resolver.ResolveKey to doc.
func keyFromDocument(doc *Document, u URL, rel Relationship) (*jose.PublicKey, error) {
	base := u.DID
	if doc.ID != base.String() {
		return nil, ErrDocumentID
	}
	var (
		found   *VerificationMethod
		matches int
	)
	check := func(vm *VerificationMethod) error {
		id, err := resolveRef(base, vm.ID)
		if err != nil {
			return fmt.Errorf("%w: method id %q: %v", ErrForeignMethod, truncate(vm.ID), err)
		}
		if id.DID != base || id.Fragment == "" {
			return fmt.Errorf("%w: method id %q", ErrForeignMethod, truncate(vm.ID))
		}
		if vm.Controller != base.String() {
			return fmt.Errorf("%w: controller %q", ErrForeignMethod, truncate(vm.Controller))
		}
		if id == u {
			found = vm
			matches++
		}
		return nil
	}
	for i := range doc.VerificationMethod {
		if err := check(&doc.VerificationMethod[i]); err != nil {
			return nil, err
		}
	}
	for _, rl := range relationships {
		for _, ref := range doc.Relationship(rl) {
			if ref.Embedded != nil {
				if err := check(ref.Embedded); err != nil {
					return nil, err
				}
			}
		}
	}
	switch {
	case matches == 0:
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, truncate(u.String()))
	case matches > 1:
		return nil, fmt.Errorf("%w: %q", ErrAmbiguousMethod, truncate(u.String()))
	}
	authorised := false
	for _, ref := range doc.Relationship(rel) {
		if ref.Embedded != nil {
			authorised = authorised || ref.Embedded == found
			continue
		}
		if id, err := resolveRef(base, ref.Ref); err == nil && id == u {
			authorised = true
		}
	}
	if !authorised {
		return nil, fmt.Errorf("%w: %q is not in %s", ErrNotAuthorized, truncate(u.String()), rel)
	}
	key, err := methodKey(found)
	if err != nil {
		return nil, fmt.Errorf("verification method %q: %w", truncate(u.String()), err)
	}
	return key.WithKeyID(u.String()), nil
}

// methodKey returns the key of a verification method. JsonWebKey2020 and
// JsonWebKey carry a publicKeyJwk; Multikey and Ed25519VerificationKey2020
// a publicKeyMultibase.
func methodKey(vm *VerificationMethod) (*jose.PublicKey, error) {
	if vm.PublicKeyJWK != nil && vm.PublicKeyMultibase != "" {
		return nil, fmt.Errorf("%w: both publicKeyJwk and publicKeyMultibase", ErrInvalidDocument)
	}
	switch vm.Type {
	case "JsonWebKey2020", "JsonWebKey":
		if vm.PublicKeyJWK == nil {
			return nil, fmt.Errorf("%w: %s without publicKeyJwk", ErrInvalidDocument, vm.Type)
		}
		return jose.PublicKeyFromMap(vm.PublicKeyJWK)
	case "Multikey", "Ed25519VerificationKey2020":
		if vm.PublicKeyMultibase == "" {
			return nil, fmt.Errorf("%w: %s without publicKeyMultibase", ErrInvalidDocument, vm.Type)
		}
		key, err := decodeMultikey(vm.PublicKeyMultibase)
		if err != nil {
			return nil, err
		}
		if vm.Type == "Ed25519VerificationKey2020" && key.Alg() != jose.EdDSA {
			return nil, fmt.Errorf("%w: Ed25519VerificationKey2020 with a non-Ed25519 key", ErrInvalidMultikey)
		}
		return key, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnsupportedMethodType, truncate(vm.Type))
}

func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
