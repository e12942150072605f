//go:build tools

// Package tools pins the modules the project has chosen before every package
// imports them, so that parallel work never races on go.mod.
package tools

import (
	_ "github.com/cespare/xxhash/v2"
	_ "github.com/google/gopacket"
	_ "github.com/google/gopacket/layers"
	_ "github.com/google/gopacket/pcapgo"
	_ "github.com/hashicorp/golang-lru/v2"
	_ "github.com/sirikothe/gotextfsm"
	_ "github.com/songgao/water"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/crypto/scrypt"
	_ "golang.org/x/crypto/ssh"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/term"
)
