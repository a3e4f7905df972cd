package keys

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// ALPN is the application protocol both ends require; it keeps ssc from
// talking to anything that is not ssc, and a future incompatible protocol gets
// a new value.
const ALPN = "ssc/2"

// serverName is the only name in the host certificate and what clients send as
// SNI. Hosts have no DNS name; the certificate is authenticated by fingerprint.
const serverName = "ssc"

// HostIdentity is a host's per-session TLS identity: a fresh self-signed Ed25519 certificate.
type HostIdentity struct {
	Certificate tls.Certificate
	Fingerprint Fingerprint
}

// GenerateHostIdentity creates the certificate a host presents for one session.
func GenerateHostIdentity() (*HostIdentity, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("keys: generating host key: %w", err)
	}
	// A random positive serial below 2^127 fits the 20 octets RFC 5280 allows.
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("keys: generating certificate serial: %w", err)
	}
	serial.Add(serial, big.NewInt(1))
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "ssc session"},
		// An hour of slack for peers whose clocks run behind; nothing checks
		// the validity period today, but other TLS stacks might.
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(30 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{serverName},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		return nil, fmt.Errorf("keys: creating host certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("keys: parsing host certificate: %w", err)
	}
	return &HostIdentity{
		Certificate: tls.Certificate{
			Certificate: [][]byte{der},
			PrivateKey:  priv,
			Leaf:        leaf,
		},
		Fingerprint: FingerprintOf(der),
	}, nil
}

// Wipe zeroes the host's private key. Configs made from h share the key's
// bytes, so they stop producing valid signatures. Wipe is idempotent.
func (h *HostIdentity) Wipe() {
	if h == nil {
		return
	}
	if priv, ok := h.Certificate.PrivateKey.(ed25519.PrivateKey); ok {
		clear(priv)
	}
}

// baseTLSConfig holds what both ends insist on: ssc only talks to ssc, so it
// can require TLS 1.3 and the hybrid post-quantum key exchange outright.
func baseTLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:       tls.VersionTLS13,
		MaxVersion:       tls.VersionTLS13,
		CurvePreferences: []tls.CurveID{tls.X25519MLKEM768},
		NextProtos:       []string{ALPN},
	}
}

// ServerTLSConfig returns the host's TLS configuration for identity id.
// Session tickets are off: every session is fresh and resumption would keep
// secrets around for nothing.
func ServerTLSConfig(id *HostIdentity) *tls.Config {
	cfg := baseTLSConfig()
	cfg.Certificates = []tls.Certificate{id.Certificate}
	cfg.ClientAuth = tls.NoClientCert
	cfg.SessionTicketsDisabled = true
	return cfg
}

// ClientTLSConfig returns a joiner's TLS configuration. With a pin (from an
// ssc:// link) the handshake fails with an error wrapping
// ErrFingerprintMismatch unless the host presents exactly that certificate.
// Without one (mDNS or a bare address) any well-formed host certificate is
// accepted and the admission PAKE authenticates the host instead.
func ClientTLSConfig(pin *Fingerprint) *tls.Config {
	cfg := baseTLSConfig()
	cfg.ServerName = serverName
	cfg.SessionTicketsDisabled = true
	// InsecureSkipVerify only turns off the web PKI chain check, which cannot
	// apply to a per-session self-signed certificate. The host's identity
	// comes from the pin checked below, or, without a pin, from CPace: its
	// channel identifier names the host fingerprint and its sid is exported
	// from this very TLS connection, so only a host that knows the passphrase
	// and owns this certificate can complete key confirmation.
	cfg.InsecureSkipVerify = true
	var want *Fingerprint
	if pin != nil {
		p := *pin
		want = &p
	}
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		return verifyHost(cs, want)
	}
	return cfg
}

// verifyHost is the client's whole certificate policy.
func verifyHost(cs tls.ConnectionState, pin *Fingerprint) error {
	if len(cs.PeerCertificates) != 1 {
		return fmt.Errorf("keys: host sent %d certificates, want 1", len(cs.PeerCertificates))
	}
	cert := cs.PeerCertificates[0]
	if _, ok := cert.PublicKey.(ed25519.PublicKey); !ok {
		return fmt.Errorf("keys: host certificate key is %T, want Ed25519", cert.PublicKey)
	}
	// CheckSignatureFrom(cert) would refuse a certificate that is not a CA,
	// and the host certificate deliberately is not one; check the signature
	// over the certificate body with its own key directly.
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		return fmt.Errorf("keys: host certificate is not self-signed: %w", err)
	}
	if cs.NegotiatedProtocol != ALPN {
		return fmt.Errorf("keys: host negotiated protocol %q, want %q", cs.NegotiatedProtocol, ALPN)
	}
	if pin != nil {
		got := FingerprintOf(cert.Raw)
		if subtle.ConstantTimeCompare(got[:], pin[:]) != 1 {
			return ErrFingerprintMismatch
		}
	}
	return nil
}

// PeerFingerprint returns the fingerprint of the certificate the peer presented.
func PeerFingerprint(cs tls.ConnectionState) (Fingerprint, error) {
	if len(cs.PeerCertificates) == 0 {
		return Fingerprint{}, errors.New("keys: peer presented no certificate")
	}
	return FingerprintOf(cs.PeerCertificates[0].Raw), nil
}
