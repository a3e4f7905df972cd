package discovery

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// What a session's DNS-SD TXT record holds (RFC 6763 §6): the protocol
// version, the session's display name and the host's fingerprint, as
// "v=1", "name=alice's session" and "fp=<the fingerprint as links spell it>".
const (
	// ProtocolVersion is the ssc protocol version a session announces; it
	// equals wire.Version (discovery imports no ssc package, so a test in
	// package main keeps the two together).
	ProtocolVersion = 2
	// MaxTitleBytes bounds a session's display name in a TXT record, so that
	// "name=" and the title stay well under the 255 bytes of a TXT string.
	MaxTitleBytes = 200
	// MaxFingerprintBytes bounds a fingerprint in a TXT record; ssc's take 52.
	MaxFingerprintBytes = 64
	// maxTXTStrings bounds how many strings of a TXT record are read.
	maxTXTStrings = 16
	// maxTXTString is the most a TXT string can hold on the wire.
	maxTXTString = 255
)

// Errors returned by ParseTXT.
var (
	// ErrBadTXT means the TXT record is not an ssc session's: a key is
	// missing, a value malformed, or the record too large.
	ErrBadTXT = errors.New("discovery: bad TXT record")
	// ErrOtherVersion means the record is an ssc session's, announced by a
	// version of ssc that speaks another protocol. It wraps ErrBadTXT.
	ErrOtherVersion = fmt.Errorf("%w: another protocol version", ErrBadTXT)
)

// Info is what an announcement says about a session. Everything in an Info
// that came from the network is unauthenticated: anyone on the LAN can
// announce anything. Pinning the fingerprint keeps a joiner from a host
// other than the one announced; it says nothing about who announced it.
type Info struct {
	// Title is the session's display name, such as "alice's session". It is
	// valid UTF-8 of at most MaxTitleBytes bytes, but may hold anything else:
	// sanitise it before display.
	Title string
	// Fingerprint is the host certificate's fingerprint as links spell it.
	// It is 1 to MaxFingerprintBytes bytes, unchecked otherwise: the caller
	// parses it, and leaves out a session whose fingerprint is malformed.
	Fingerprint string
}

// MarshalTXT returns the TXT strings announcing i.
func (i Info) MarshalTXT() ([]string, error) {
	if err := checkTitle(i.Title); err != nil {
		return nil, err
	}
	if err := checkFingerprint(i.Fingerprint); err != nil {
		return nil, err
	}
	return []string{
		"v=" + strconv.Itoa(ProtocolVersion),
		"name=" + i.Title,
		"fp=" + i.Fingerprint,
	}, nil
}

// ParseTXT reads the TXT strings of an announcement, which are hostile
// input. Following RFC 6763 §6.4 and §6.5, keys are case-insensitive, only
// the first occurrence of a key counts, strings without a key are ignored,
// and so are keys ssc does not know. The version and the fingerprint must
// be present; a missing name is an empty Title.
func ParseTXT(txt []string) (Info, error) {
	if len(txt) > maxTXTStrings {
		return Info{}, fmt.Errorf("%w: %d strings", ErrBadTXT, len(txt))
	}
	var version, title, fp *string
	for _, s := range txt {
		if len(s) > maxTXTString {
			return Info{}, fmt.Errorf("%w: a string of %d bytes", ErrBadTXT, len(s))
		}
		key, value, _ := strings.Cut(s, "=")
		var slot **string
		switch strings.ToLower(key) {
		case "v":
			slot = &version
		case "name":
			slot = &title
		case "fp":
			slot = &fp
		default:
			continue
		}
		if *slot == nil {
			*slot = &value
		}
	}
	switch {
	case version == nil:
		return Info{}, fmt.Errorf("%w: no version", ErrBadTXT)
	case *version != strconv.Itoa(ProtocolVersion):
		return Info{}, ErrOtherVersion
	case fp == nil:
		return Info{}, fmt.Errorf("%w: no fingerprint", ErrBadTXT)
	}
	if err := checkFingerprint(*fp); err != nil {
		return Info{}, err
	}
	info := Info{Fingerprint: *fp}
	if title != nil {
		if err := checkTitle(*title); err != nil {
			return Info{}, err
		}
		info.Title = *title
	}
	return info, nil
}

func checkTitle(title string) error {
	if len(title) > MaxTitleBytes {
		return fmt.Errorf("%w: a name of %d bytes", ErrBadTXT, len(title))
	}
	if !utf8.ValidString(title) {
		return fmt.Errorf("%w: a name that is not UTF-8", ErrBadTXT)
	}
	return nil
}

// checkFingerprint bounds a fingerprint; what it is, the caller checks.
func checkFingerprint(fp string) error {
	if len(fp) == 0 || len(fp) > MaxFingerprintBytes {
		return fmt.Errorf("%w: a fingerprint of %d bytes", ErrBadTXT, len(fp))
	}
	return nil
}
