package remote

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/l2sw/l2sw/cli/term"
)

const pythonPath = "/usr/bin/python3"

// requireNetmiko skips when Debian's netmiko cannot be imported, except
// under CI=true, where the Makefile's test-deps installs it and the test
// must run.
func requireNetmiko(t *testing.T) {
	t.Helper()
	out, err := exec.Command(pythonPath, "-c", "import netmiko").CombinedOutput()
	if err == nil {
		return
	}
	reason := "netmiko not importable by " + pythonPath + " (apt-get install python3-netmiko): " + strings.TrimSpace(string(out))
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s", reason)
	}
	t.Skip(reason)
}

// netmikoScript drives the switch the way automation does: log in at user
// level, read the prompt, run a show command, enable with a secret, push
// config lines, save, and disconnect. It prints what netmiko returned as
// one JSON object.
const netmikoScript = `
import json, sys
from netmiko import ConnectHandler
dev = ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=int(sys.argv[1]),
                     username="oper", password="operpw", secret="s3cret")
r = {}
r["prompt_user"] = dev.find_prompt()
r["version"] = dev.send_command("show version")
dev.enable()
r["prompt_enabled"] = dev.find_prompt()
r["config"] = dev.send_config_set(["hostname NM1", "interface GigabitEthernet0/1", "description set by netmiko"])
dev.set_base_prompt()  # the hostname changed; netmiko matches prompts by it
r["save"] = dev.save_config()
r["prompt_after"] = dev.find_prompt()
r["privilege"] = dev.send_command("show privilege")
tr = dev.remote_conn.get_transport()
r["algorithms"] = " ".join([tr.host_key_type, tr.remote_cipher, tr.remote_mac])
dev.disconnect()
print(json.dumps(r))
`

func TestNetmikoCiscoIOS(t *testing.T) {
	requireNetmiko(t)
	ss := startSSH(t, "")
	if res := term.RunBatch(ss.eng, []string{"configure terminal", "enable secret s3cret"}, term.BatchOptions{}); res.Rejected {
		t.Fatalf("setting the enable secret: %q", res.Output)
	}
	script := filepath.Join(t.TempDir(), "drive.py")
	must(t, os.WriteFile(script, []byte(netmikoScript), 0o600), "write script")
	_, port, _ := strings.Cut(ss.addr, ":")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pythonPath, script, port)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("netmiko: %v\nstderr:\n%s\nstdout:\n%s", err, stderr.String(), out)
	}
	var r map[string]string
	must(t, json.Unmarshal(out, &r), "netmiko output ", string(out))
	check := func(key, want string, exact bool) {
		t.Helper()
		got := r[key]
		if exact && got != want || !exact && !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %s %q", key, got, map[bool]string{true: "exactly", false: "containing"}[exact], want)
		}
	}
	check("prompt_user", "Switch>", true)
	check("version", "Cisco IOS Software, l2sw demo, Version 15.0(2)SE, RELEASE SOFTWARE (fc1)\nSwitch uptime is 1 minute", true)
	check("prompt_enabled", "Switch#", true)
	check("config", "NM1(config-if)#description set by netmiko", false)
	check("save", "Building configuration...\n[OK]", false)
	check("prompt_after", "NM1#", true)
	check("privilege", "Current privilege level is 15", true)
	t.Logf("paramiko negotiated %s", r["algorithms"])
	check("algorithms", "ssh-ed25519 aes", false)
	if strings.Contains(r["config"], "%") {
		t.Errorf("a config line was refused: %q", r["config"])
	}
	conf := ss.cfg.Render("")
	for _, want := range []string{"hostname NM1\n", "interface GigabitEthernet0/1\n description set by netmiko\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("running config lacks %q:\n%s", want, conf)
		}
	}
	wait(t, ss.connDone, "the server to end the connection after netmiko's disconnect")
}
