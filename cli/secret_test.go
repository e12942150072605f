package cli

import (
	"strings"
	"testing"
)

// Type 9 secrets taken from real devices (ASR920 and C9300 on IOS-XE 16.9),
// published with network_hash_gen's tests: the exact format IOS accepts.
var type9Vectors = []struct{ hash, password string }{
	{"$9$plz/kf0e3.dns.$cKvJDd6bXmyaUWdx42dgcRwpdDs0djBEqzjlmMbYEW6", "0foo0"},
	{"$9$8Yn1IbhUG.YOGk$B0Tce.G3lMqSLb.qhSwQwxyi4qBU3jSlH2qTIelK.A2", "1foo1"},
	{"$9$PXg4rSaFnoegO1$/6Rz3Wj5QFPep7vO1ZucuQX5m34V4riND55WJabgpPI", "0foo0"},
}

func TestType9DeviceVectors(t *testing.T) {
	if testing.Short() {
		t.Skip("scrypt is slow under -short")
	}
	for _, v := range type9Vectors {
		salt := v.hash[3:17]
		got, err := hashType9Salt(v.password, salt)
		if err != nil {
			t.Fatal(err)
		}
		if got != v.hash {
			t.Errorf("hash(%q, %q) = %s, want %s", v.password, salt, got, v.hash)
		}
		if !verifyType9(v.hash, v.password) || verifyType9(v.hash, v.password+"x") {
			t.Errorf("verify %s", v.hash)
		}
	}
}

func TestType9Random(t *testing.T) {
	h, err := hashType9("secret")
	if err != nil {
		t.Fatal(err)
	}
	if err := checkType9Format(h); err != nil {
		t.Fatal(err)
	}
	if len(h) != 3+14+1+43 || !strings.HasPrefix(h, "$9$") {
		t.Errorf("shape %q", h)
	}
	h2, _ := hashType9("secret")
	if h == h2 {
		t.Error("two hashes share a salt")
	}
	if !verifyType9(h, "secret") || verifyType9(h, "Secret") {
		t.Error("verify")
	}
	for _, bad := range []string{"", "$9$", "$8$plz/kf0e3.dns.$cKvJDd6bXmyaUWdx42dgcRwpdDs0djBEqzjlmMbYEW6",
		"$9$plz/kf0e3.dns$cKvJDd6bXmyaUWdx42dgcRwpdDs0djBEqzjlmMbYEW6", "$9$plz/kf0e3.dns.$cKvJDd6bXmyaUWdx42dgcRwpdDs0djBEqzjlmMbYEW_"} {
		if checkType9Format(bad) == nil || verifyType9(bad, "0foo0") {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestEnableSecretType9Input: a hash pasted from a real device works.
func TestEnableSecretType9Input(t *testing.T) {
	r := newRig(t)
	v := type9Vectors[0]
	r.out("configure terminal", "enable secret 9 "+v.hash, "username netops privilege 15 secret 9 "+v.hash, "end")
	if !strings.Contains(r.dev.RunningConfig(), "enable secret 9 "+v.hash+"\n") {
		t.Errorf("running-config:\n%s", r.dev.RunningConfig())
	}
	if p, ok := r.dev.CheckLogin("netops", v.password); !ok || p != 15 {
		t.Errorf("login %d %v", p, ok)
	}
	res := r.run("disable", "enable", v.password, "show privilege")
	if !strings.Contains(res.Output, "Current privilege level is 15") {
		t.Errorf("enable with the device's secret:\n%s", res.Output)
	}
}
