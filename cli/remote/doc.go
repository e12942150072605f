// Package remote carries l2sw CLI sessions to their users: the owner-only
// control socket behind `l2sw exec` and `l2sw console`, and the SSH server
// that people, netmiko and Ansible log in to. It only moves bytes and
// authenticates; parsing and running commands is cli/engine's job and line
// editing is cli/term's.
//
// Both listeners survive what a hostile peer can throw at them: accept
// errors (EMFILE) are retried with a back-off, never fatal; SSH admits
// unauthenticated connections through a MaxStartups gate with a per-source
// cap and rate (Limits) and bounds the login by an auth timeout; the
// control socket caps its connections and refuses a directory others could
// tamper with. What the running configuration decides (vty lines, login
// protection, algorithms) reaches the SSH server through small interfaces
// (VTYLines, LoginWatcher, SSHConfig.Policy) that cli.Device implements.
//
// # Control socket wire protocol (version 1)
//
// The control socket is a Unix stream socket. Every connection is one
// session with its own mode, terminal settings and history, starting in
// privileged EXEC (`Switch#`): only the socket's owner can connect, as on a
// console line with `privilege level 15`.
//
// First the client sends one header: a JSON object on a single line ending
// in "\n", at most MaxHeaderSize bytes:
//
//	{"v":1,"mode":"exec","lines":["show version","configure terminal","hostname A"]}
//	{"v":1,"mode":"console","width":132}
//
// "v" is the protocol version (1). "lines" (exec only) are the command
// lines, without line ends or other control characters. "width" (console
// only, optional) is the client terminal's column count.
//
// The server answers with one JSON line. A refused header gets
//
//	{"error":"remote: header: unknown mode \"shell\""}
//
// and the connection is closed. An exec gets the whole run, then the
// server closes the connection:
//
//	{"ok":true,"output":"...","rejected":false}
//
// where output is exactly what the CLI prints for the lines ("\n" line
// ends; a caret error shows the line above the caret) and rejected says
// some line was refused (the exit status of `l2sw exec`). A console gets
//
//	{"ok":true}
//
// and the connection becomes a raw byte stream both ways: keystrokes in,
// terminal output (CRLF line ends, echo, prompts) out. The server closes
// the stream when the session exits (`exit` in EXEC); the client
// half-closes its side to end the session at the end of its input.
//
// Terminal resizes of a console are not carried (the width is the one of
// the header); SSH sessions follow window-change requests.
//
// # Live captures
//
// A third mode, added without a version change (a client that does not
// send it sees nothing new; a switch that predates it answers "unknown
// mode"), streams a live capture for `l2sw capture`:
//
//	{"v":1,"mode":"capture","capture":{"interfaces":["gi0/1"],"points":["ingress","drop"],"filter":"ipv4 any any","count":10}}
//
// Every field of "capture" is optional: no interfaces is every port, no
// points is ingress, egress and drop, no filter is every frame (a filter is
// an access-list name of the switch or an EPC match expression), no count
// runs until the client ends it. A request the switch refuses (an unknown
// interface or access list, a bad expression) gets an error line. An
// accepted one gets {"ok":true}, then the connection carries a pcapng
// stream from the switch: a section header, one interface block per switch
// port, then a packet block per captured frame. The client ends the
// capture by half-closing (or closing) its side; the switch then finishes
// the block it is writing and closes, so the stream holds whole blocks. It
// also closes after "count" packets.
package remote
