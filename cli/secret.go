package cli

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// Cisco type 9 secrets ("$9$" salt "$" hash): scrypt with N=16384, r=1,
// p=1 and a 32-byte key over the 14-character salt string, written in
// standard base64 bit order but with the crypt alphabet below and no padding.
// Devices accept these hashes verbatim in `enable secret 9 ...` and
// `username ... secret 9 ...`, so the format must match theirs exactly.
const (
	type9SaltLen = 14
	type9HashLen = 43 // base64 of 32 bytes without the "=" pad
	type9N       = 16384
	type9R       = 1
	type9P       = 1
	type9KeyLen  = 32
)

// ciscoAlphabet is the alphabet of type 8 and type 9 secrets.
const ciscoAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

var ciscoB64 = base64.NewEncoding(ciscoAlphabet).WithPadding(base64.NoPadding)

// errBadSecret is wrapped by errors about malformed type 9 hashes.
var errBadSecret = errors.New("invalid type 9 secret")

// hashType9 returns the type 9 secret of password with a random salt.
func hashType9(password string) (string, error) {
	raw := make([]byte, type9SaltLen)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("secret salt: %w", err)
	}
	salt := make([]byte, type9SaltLen)
	for i, b := range raw {
		salt[i] = ciscoAlphabet[int(b)%len(ciscoAlphabet)] // 256 is a multiple of 64: no bias
	}
	return hashType9Salt(password, string(salt))
}

// hashType9Salt computes the type 9 secret of password with the given salt.
func hashType9Salt(password, salt string) (string, error) {
	key, err := scrypt.Key([]byte(password), []byte(salt), type9N, type9R, type9P, type9KeyLen)
	if err != nil {
		return "", fmt.Errorf("scrypt: %w", err)
	}
	return "$9$" + salt + "$" + ciscoB64.EncodeToString(key), nil
}

// checkType9Format validates the shape of a "$9$salt$hash" string.
func checkType9Format(h string) error {
	rest, ok := strings.CutPrefix(h, "$9$")
	if !ok {
		return fmt.Errorf("%w: %q does not start with $9$", errBadSecret, h)
	}
	salt, hash, ok := strings.Cut(rest, "$")
	if !ok || len(salt) != type9SaltLen || len(hash) != type9HashLen {
		return fmt.Errorf("%w: %q", errBadSecret, h)
	}
	for _, s := range []string{salt, hash} {
		for i := 0; i < len(s); i++ {
			if !strings.ContainsRune(ciscoAlphabet, rune(s[i])) {
				return fmt.Errorf("%w: %q has a character outside the alphabet", errBadSecret, h)
			}
		}
	}
	if _, err := ciscoB64.DecodeString(hash); err != nil {
		return fmt.Errorf("%w: %q: %v", errBadSecret, h, err)
	}
	return nil
}

// verifyType9 reports whether password matches the type 9 secret h.
func verifyType9(h, password string) bool {
	if checkType9Format(h) != nil {
		return false
	}
	salt := h[3 : 3+type9SaltLen]
	got, err := hashType9Salt(password, salt)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(h)) == 1
}
