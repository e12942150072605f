package cam

import "math/bits"

// xxh3Flip is XXH3's default secret at bytes 8..15 xor 16..23 (seed 0): the
// constant its 4-to-8-byte path folds into the input.
const xxh3Flip = 0x1cad21f72c81017c ^ 0xdb979083e96dd4de

// xxh3MX2 is XXH3's multiplier of the rrmxmx finalizer.
const xxh3MX2 = 0x9fb21c651e98df25

// hashKey is the xxHash of a key (VLAN<<48 | MAC): XXH3-64 (seed 0, default
// secret) of its 8 little-endian bytes, exactly what xxh3.Hash returns for
// them (a test checks this against github.com/zeebo/xxh3). The bucket index
// takes the low bits, the home line the top ones.
//
// XXH3 rather than the older XXH64 of github.com/cespare/xxhash: for an
// 8-byte input XXH3 is one xor with the secret and its rrmxmx finalizer,
// two multiplies, where XXH64 chains five; the hash is on the critical path
// of both per-frame probes (about 12% of a known-unicast frame). Both are
// bijections on 64 bits with full avalanche (TestHashAvalanche), and
// TestHashSpreadsKeys holds the structured keys a CAM sees (counting NIC
// ids, one host in many VLANs) to a random-like spread. With a public seed
// a crafted flood can aim at one bucket; a full bucket refuses newcomers
// and keeps known hosts, as hardware does.
func hashKey(key uint64) uint64 { return hashFlip(key, xxh3Flip) }

// seedFlip is the constant XXH3 seeded with seed folds into a 4-to-8-byte
// input in place of xxh3Flip (XXH3_len_4to8_64b): a seeded hash costs
// nothing more than the unseeded one.
func seedFlip(seed uint64) uint64 {
	seed ^= uint64(bits.ReverseBytes32(uint32(seed))) << 32
	return xxh3Flip - seed
}

// hashFlip is XXH3-64 of key's 8 bytes with the seed whose flip constant is
// flip (seedFlip).
func hashFlip(key, flip uint64) uint64 {
	h := bits.RotateLeft64(key, 32) ^ flip
	h ^= bits.RotateLeft64(h, 49) ^ bits.RotateLeft64(h, 24)
	h *= xxh3MX2
	h ^= h>>35 + 8
	h *= xxh3MX2
	return h ^ h>>28
}
