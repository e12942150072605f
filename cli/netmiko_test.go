package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requireNetmiko skips without Debian's python3-netmiko, except under
// CI=true, where `make test-deps` installs it.
func requireNetmiko(t *testing.T) {
	t.Helper()
	out, err := exec.Command("/usr/bin/python3", "-c", "import netmiko").CombinedOutput()
	if err == nil {
		return
	}
	reason := "netmiko not importable (apt-get install python3-netmiko): " + strings.TrimSpace(string(out))
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s", reason)
	}
	t.Skip(reason)
}

// netmikoDeviceScript logs in at level 1, enables with the secret (the
// vty rule: no secret, no enable), configures, saves and reads the
// privilege, against the real command set with vty lines and login
// logging in force.
const netmikoDeviceScript = `
import json, sys
from netmiko import ConnectHandler
dev = ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=int(sys.argv[1]),
                     username="oper", password="operpw", secret="s3cret")
r = {"prompt_user": dev.find_prompt()}
dev.enable()
r["prompt_enabled"] = dev.find_prompt()
r["config"] = dev.send_config_set(["vlan 42", "name netmiko"])
r["save"] = dev.save_config()
r["privilege"] = dev.send_command("show privilege")
dev.disconnect()
print(json.dumps(r))
`

func TestNetmikoOnVTY(t *testing.T) {
	requireNetmiko(t)
	r := newSSHRig(t)
	r.out("configure terminal", "username oper secret operpw", "enable secret s3cret", "login on-success log",
		"line vty 0 15", "login local", "transport input ssh", "end")
	script := filepath.Join(t.TempDir(), "drive.py")
	if err := os.WriteFile(script, []byte(netmikoDeviceScript), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/python3", script, r.localPort())
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("netmiko: %v\n%s\n%s", err, stderr.String(), out)
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for k, want := range map[string]string{"prompt_user": "Switch>", "prompt_enabled": "Switch#", "privilege": "Current privilege level is 15"} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	if !strings.Contains(got["save"], "[OK]") || strings.Contains(got["config"], "% ") {
		t.Errorf("config %q, save %q", got["config"], got["save"])
	}
	if !strings.Contains(r.dev.RunningConfig(), "vlan 42\n name netmiko\n") {
		t.Error("the VLAN netmiko configured is missing")
	}
	if len(r.sw.Log().Grep("%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: oper]")) != 1 {
		t.Errorf("login not logged: %q", r.sw.Log().Grep("SEC_LOGIN"))
	}
	if n := len(r.sw.Log().Grep("Configured from console by oper on vty0 (127.0.0.1)")); n != 1 {
		t.Errorf("CONFIG_I from vty0: %q", r.sw.Log().Grep("CONFIG_I"))
	}
}
