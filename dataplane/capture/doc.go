// Package capture copies real frames out of the pipeline: the Embedded
// Packet Capture of IOS-XE (`monitor capture`) and the live capture that
// `l2sw capture` streams to tools. A Session is a dataplane.Observer that
// picks the frames a port receives (ingress), sends (egress) or drops,
// filters them with a Match, and hands a copy to a Sink: a bounded Buffer
// for EPC, a Stream for a live pcapng feed. It renders no IOS text: the
// CLI does.
//
// Attached only while a capture runs, it costs the forwarding path nothing
// otherwise (DESIGN §11). Attached, it looks at three kinds of decision and
// returns at once for the others: the ingress stage (the frame as
// received), an egress Forward (the frame as it leaves, tagged as the port
// sends it) and a Drop (the frame as it was received, with the stage and
// reason).
package capture
