package keys

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// exporterLabel names ssc's use of the TLS exporter (RFC 8446, Section 7.5;
// docs/protocol.md §3.2). Labels of the exporter registry are assigned by
// IANA; "EXPERIMENTAL" opens the range RFC 5705, Section 4 leaves for private
// use without registration. Changing it changes every sid, so it goes with a
// protocol version.
const exporterLabel = "EXPERIMENTAL-ssc-cpace-sid"

// sidSize is the length of the CPace session identifier taken from TLS.
const sidSize = 32

// ExporterSID returns the CPace sid for a TLS connection: keying material
// exported from that very connection. A man in the middle who terminates TLS
// towards both sides holds two connections with two different sids, so the
// CPace runs he relays cannot agree on a key.
func ExporterSID(cs tls.ConnectionState) ([]byte, error) {
	if !cs.HandshakeComplete {
		return nil, errors.New("keys: exporting cpace sid: tls handshake not complete")
	}
	sid, err := cs.ExportKeyingMaterial(exporterLabel, nil, sidSize)
	if err != nil {
		return nil, fmt.Errorf("keys: exporting cpace sid: %w", err)
	}
	return sid, nil
}

// AdmissionCI returns the CPace channel identifier for admission to the host
// with certificate fingerprint host. It names the protocol version and both
// roles, and binds the host's certificate: a joiner that reached a different
// certificate computes a different generator and fails key confirmation.
func AdmissionCI(host Fingerprint) []byte {
	return lvCat([]byte("ssc admission v2"), []byte("A_joiner"), []byte("B_host"), host[:])
}
