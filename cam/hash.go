package cam

import "math/bits"

// xxHash64 primes (from the xxHash specification).
const (
	prime1 uint64 = 11400714785074694791
	prime2 uint64 = 14029467366897019727
	prime3 uint64 = 1609587929392839161
	prime4 uint64 = 9650029242287828579
	prime5 uint64 = 2870177450012600261
)

// hashKey is xxHash64 (seed 0) of the key's 8 little-endian bytes, i.e. exactly
// xxhash.Sum64 of those bytes (a test checks this against
// github.com/cespare/xxhash/v2). It is the specification's 8-byte path written
// out so that it inlines: the per-frame cost is a few multiplies instead of a
// call into assembly with a slice header.
func hashKey(key uint64) uint64 {
	h := prime5 + 8
	k := key * prime2
	k = bits.RotateLeft64(k, 31) * prime1
	h ^= k
	h = bits.RotateLeft64(h, 27)*prime1 + prime4
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}
