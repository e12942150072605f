package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/l2sw/l2sw/cli/term"
)

// interact runs keystrokes through an interactive Session (console at
// privilege 15) and returns the transcript with CRLF shown as "\n".
func interact(t *testing.T, r *rig, level int, input string) string {
	t.Helper()
	var out bytes.Buffer
	s := term.New(r.dev.Engine(), strings.NewReader(input), &out, term.Options{Level: level})
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(out.String(), "\r\n", "\n")
}

func TestInteractiveClearCounters(t *testing.T) {
	r := newRig(t)
	r.send("GigabitEthernet0/1", frame("ffff.ffff.ffff", "0000.0000.0a01", 0))
	got := interact(t, r, 15, "clear counters\nn\nshow interfaces counters | include Gi0/1\nclear counters\n\nshow interfaces counters | include Gi0/1\nexit\n")
	want := `Switch#clear counters
Clear "show interface" counters on all interfaces [confirm]
Switch#show interfaces counters | include Gi0/1
Gi0/1                 60              0              0              1
Gi0/1                  0              0              0              0
Switch#clear counters
Clear "show interface" counters on all interfaces [confirm]
Switch#show interfaces counters | include Gi0/1
Gi0/1                  0              0              0              0
Gi0/1                  0              0              0              0
Switch#exit
`
	if got != want {
		t.Errorf("transcript\n%s\nwant\n%s", got, want)
	}
	if n := len(r.sw.Log().Grep("%CLEAR-5-COUNTERS: Clear counter on all interfaces by console")); n != 1 {
		t.Errorf("%d CLEAR-5-COUNTERS messages", n)
	}
}

func TestInteractiveCopyAndEnable(t *testing.T) {
	r := newRig(t)
	r.out("configure terminal", "enable secret pw", "end")
	got := interact(t, r, 1, "enable\nbad\npw\ncopy running-config startup-config\n\nshow privilege\nexit\n")
	want := `Switch>enable
Password: 
Password: 
Switch#copy running-config startup-config
Destination filename [startup-config]? 
Building configuration...
[OK]
Switch#show privilege
Current privilege level is 15
Switch#exit
`
	if got != want {
		t.Errorf("transcript\n%s\nwant\n%s", got, want)
	}
	if data, err := os.ReadFile(r.path); err != nil || !strings.Contains(string(data), "enable secret 9 $9$") {
		t.Errorf("startup-config %q %v", data, err)
	}
}
