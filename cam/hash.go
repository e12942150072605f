package cam

// hashKey mixes a 60-bit key (VLAN<<48 | MAC) into 64 well-distributed bits:
// the bucket index takes the low bits, the home line the top ones.
//
// It is the SplitMix64 finalizer (Stafford's "Mix13"): two xor-shifts and two
// multiplies, every output bit depending on every input bit. It replaced
// xxHash64 of the key's 8 bytes, the hash DESIGN §3 names: for a single
// word the two do the same job (both are a bijection on uint64, so distinct
// keys never collide in the hash itself), but xxHash's path is five
// dependent multiplies and this one two, and the hash is on the critical path
// of both per-frame probes; the switch measured about 12% fewer ns/frame in
// BenchmarkForwardKnownUnicast at every table size. TestHashSpreadsKeys and
// TestHashAvalanche hold it to the distribution a CAM needs: structured keys
// (counting NIC ids, one host in many VLANs) spread like random ones.
// Like xxHash with a fixed seed it is public, so a crafted flood can aim at
// one bucket; a full bucket refuses newcomers and keeps known hosts, as
// hardware does.
func hashKey(key uint64) uint64 {
	z := key ^ key>>30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	return z ^ z>>31
}
