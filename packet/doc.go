// Package packet is the leaf that every layer shares for frames and
// addresses: the MAC address value and its IOS spellings, the zero-copy
// header view the forwarding pipeline parses with, and the header edits and
// builders (802.1Q tags, IPv4 TTL, checksum and fragments). It imports
// nothing of the project, so tables, the dataplane and the CLI can all use it.
package packet
