package did

// Base58EncodeForTest exposes the base58btc encoder to the black-box tests.
var Base58EncodeForTest = base58Encode

// CachedKeysForTest reports how many keys r caches.
func (r *Resolver) CachedKeysForTest() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.keys)
}

// MaxCachedKeysForTest is the bound of the key cache.
const MaxCachedKeysForTest = maxCachedKeys
