// Package dataplane is the forwarding core of l2sw. It composes the tables
// (cam, arp, cef, tcam) with the port backends (port/) and runs every
// received batch of frames to completion on the goroutine that read it.
//
// # Threads of control
//
// One Receiver per port queue reads a batch (port.Port.Read), runs each frame
// through the stages below and writes what leaves, one Write per egress port
// (Receiver.Process in receiver.go). Configuration goes through one writer
// (Switch methods holding sw.mu) that publishes an immutable snapshot
// (snapshot.go); a Receiver loads it once per batch and takes no lock per
// frame. Frames for the router itself go to the control-plane goroutine
// through a bounded punt queue (punt.go): ARP, ICMP, fragmentation, ACL log.
//
// # The stages of one frame
//
// Read top to bottom in forward.go, then route.go for routed frames:
//
//	stage           function                     file
//	ingress         forward: link/admin state    forward.go
//	parse           packet.View.Parse            ../packet/view.go
//	  SPAN rx       Receiver.mirrorRx            span.go
//	  storm control Receiver.stormDrop           storm.go
//	VLAN            portView.ingressVLAN         forward.go
//	  port security Receiver.secureSource        portsec.go
//	  STP           Receiver.stpHold             stp.go
//	learn           cam.Table.LearnLookup        forward.go, ../cam
//	PACL, VACL      Receiver.ingressACLs         aclstage.go
//	router in       Receiver.routerIn            route.go
//	  RACL in       Receiver.raclIn              aclstage.go
//	  FIB           Receiver.nextHop             route.go, ../cef
//	  adjacency     Receiver.nextHop             route.go, ../cef
//	  RACL out      Receiver.raclOut             aclstage.go
//	  VLAN filter   Receiver.vlanFilterOut       aclstage.go
//	  MTU           Receiver.mtuExceeded         route.go
//	  rewrite       Receiver.routeIP             route.go
//	L2 lookup       snapshot.l2Lookup            forward.go
//	egress          sendOne, flood, reencap      egress.go
//	  SPAN tx       Receiver.mirrorTx (flush)    span.go
//
// Every ACL stage classifies one key (tcam.Header) that buildKey fills at
// most once per packet. Every stage that drops calls Receiver.drop, which
// counts the drop by Reason (observe.go) for the port that received it.
//
// # Observing the path
//
// An Observer (Switch.AddObserver) receives a Decision from every stage:
// stage, verdict, reason and the table entry used (CAM port, FIB prefix,
// adjacency, ACL and ACE), and the worker that decided, so that one frame's
// decisions can be told from another's. The live packet trace (package
// trace) and the captures attach there. With no observer the stages pay
// one nil test per frame.
//
// SPAN is not an observer: its copies are frames like the others, queued
// and written with the batch. Received frames are copied at ingress, before
// a stage can change them; sent ones at the batch's transmit.
//
// # Simulating a frame
//
// Switch.Simulate (simulate.go) runs one frame through these same stages
// on a dry-run Receiver that is not among the workers, for `show platform
// forward`: its decisions are recorded and its transmit queues read, and
// the few stages that touch shared state (the learn, punts, ACL match
// counters and logging) test Receiver.dry, so nothing in the switch
// changes. A differential test holds it to what the real path does.
//
// # Counters
//
// A Receiver counts its ports' frames in plain integers that only it
// touches and publishes them once per batch (counters.go). The routed
// path's and the ACLs' per-entry counters (cef, tcam) are plain cells in
// the Receiver's own counter.Shard, which it holds for each batch; readers
// take the shard between batches, holding no other lock (package counter).
//
// # The CLI's view
//
// The CLI reaches the tables only through Switch: facade_acl.go names the
// ACL types it needs, facade_l3.go hands over the rows of the layer-3 shows.
// No text is made here except the syslog lines of table events (events.go).
package dataplane
