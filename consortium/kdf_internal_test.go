package consortium

// Tests seal keys with the lightest argon2id the bounds allow; the cost of
// the real parameters is not what they test.
func init() { kdfParams = sealedKey{Time: 1, MemoryKiB: minKDFMemory, Threads: 1} }
