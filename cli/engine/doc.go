// Package engine is the IOS-style command machinery of l2sw: commands are
// declared as data (syntax strings with typed parameter tokens, help text,
// no/default forms, mode changes) per mode, and one matcher over that command
// graph parses lines, answers `?`, completes TAB and reports errors in IOS form.
//
// The engine knows no switch commands; the command set installs them. A
// Session layer (package cli/term) feeds it lines and renders its output on a
// terminal; the engine itself does no I/O besides writing to the io.Writer it
// is handed.
//
// Syntax strings (see Command.Syntax):
//
//	keyword        matched case-insensitively by any unambiguous prefix
//	<1-4094>       a number in one or more ranges, e.g. <0,10-1000000>
//	WORD           any one word          LINE      the rest of the line
//	MAC, H.H.H     dotted MAC address    A.B.C.D   IPv4 address (also masks)
//	VLANLIST       1,3-5,10              IFNAME    an interface, any IOS spelling
//	IFRANGE        interface range list (rest of line): gi0/1 - 4, gi0/6
//	[a b]          optional              {a|b}     one of
//	[a|b]          optional one of       [{a|b c}] any of, any order, each once
//	X$name         names the argument    {a|b}$name the chosen keyword as argument
//
// A parameter without $name is named after the keyword right before it
// (`vlan <1-4094>` gives Args.Int("vlan")), else after its type (mac, ipv4,
// word, line, number, vlanlist, interface, range).
package engine
