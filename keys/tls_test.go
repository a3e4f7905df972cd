package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// handshake connects a server and a client over loopback TCP and returns
// both ends and their handshake errors. Not net.Pipe: when one side aborts it
// writes an alert while the other is still writing its flight, and an
// unbuffered pipe deadlocks on that.
func handshake(t *testing.T, server, client *tls.Config) (sc, cc *tls.Conn, serr, cerr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	deadline := time.Now().Add(30 * time.Second)

	var wg sync.WaitGroup
	wg.Go(func() {
		conn, err := ln.Accept()
		if err != nil {
			serr = err
			return
		}
		conn.SetDeadline(deadline)
		sc = tls.Server(conn, server)
		t.Cleanup(func() { sc.Close() })
		serr = sc.Handshake()
		if serr != nil {
			conn.Close()
		}
	})
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(deadline)
	cc = tls.Client(conn, client)
	t.Cleanup(func() { cc.Close() })
	if cerr = cc.Handshake(); cerr != nil {
		conn.Close()
	}
	wg.Wait()
	return sc, cc, serr, cerr
}

func hostIdentity(t *testing.T) *HostIdentity {
	t.Helper()
	id, err := GenerateHostIdentity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestGenerateHostIdentity(t *testing.T) {
	id := hostIdentity(t)
	leaf, err := x509.ParseCertificate(id.Certificate.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if id.Fingerprint != FingerprintOf(leaf.Raw) {
		t.Error("Fingerprint is not the hash of the certificate")
	}
	if _, ok := leaf.PublicKey.(ed25519.PublicKey); !ok {
		t.Errorf("public key is %T, want Ed25519", leaf.PublicKey)
	}
	now := time.Now()
	switch {
	case leaf.Subject.CommonName != "ssc session":
		t.Errorf("CommonName = %q", leaf.Subject.CommonName)
	case len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "ssc":
		t.Errorf("DNSNames = %q", leaf.DNSNames)
	case leaf.KeyUsage != x509.KeyUsageDigitalSignature:
		t.Errorf("KeyUsage = %v", leaf.KeyUsage)
	case len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth:
		t.Errorf("ExtKeyUsage = %v", leaf.ExtKeyUsage)
	case leaf.NotBefore.After(now.Add(-59*time.Minute)) || leaf.NotBefore.Before(now.Add(-61*time.Minute)):
		t.Errorf("NotBefore = %v, want an hour ago", leaf.NotBefore)
	case leaf.NotAfter.Before(now.Add(29*24*time.Hour)) || leaf.NotAfter.After(now.Add(31*24*time.Hour)):
		t.Errorf("NotAfter = %v, want in 30 days", leaf.NotAfter)
	case leaf.SerialNumber.Sign() <= 0:
		t.Errorf("serial %v not positive", leaf.SerialNumber)
	}
	if err := leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature); err != nil {
		t.Errorf("not self-signed: %v", err)
	}

	other := hostIdentity(t)
	if other.Fingerprint == id.Fingerprint || other.Certificate.Leaf.SerialNumber.Cmp(leaf.SerialNumber) == 0 {
		t.Error("two identities share a fingerprint or serial")
	}
}

func TestHostIdentityWipe(t *testing.T) {
	id := hostIdentity(t)
	priv := id.Certificate.PrivateKey.(ed25519.PrivateKey)
	cfg := ServerTLSConfig(id)
	id.Wipe()
	id.Wipe()
	if !bytes.Equal(priv, make([]byte, ed25519.PrivateKeySize)) {
		t.Fatal("private key not zeroed")
	}
	// The config shares the key, so it can no longer prove the identity.
	if _, _, serr, cerr := handshake(t, cfg, ClientTLSConfig(&id.Fingerprint)); serr == nil && cerr == nil {
		t.Error("handshake succeeded with a wiped key")
	}
	var nilID *HostIdentity
	nilID.Wipe()
}

func TestTLSHandshake(t *testing.T) {
	id := hostIdentity(t)
	wrong := FingerprintOf([]byte("another host"))
	tests := []struct {
		name    string
		pin     *Fingerprint
		wantErr error
	}{
		{"pinned", &id.Fingerprint, nil},
		{"unpinned", nil, nil},
		{"wrong pin", &wrong, ErrFingerprintMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, cc, serr, cerr := handshake(t, ServerTLSConfig(id), ClientTLSConfig(tt.pin))
			if tt.wantErr != nil {
				if !errors.Is(cerr, tt.wantErr) {
					t.Fatalf("client handshake = %v, want %v", cerr, tt.wantErr)
				}
				if serr == nil {
					t.Fatal("server handshake succeeded")
				}
				return
			}
			if serr != nil || cerr != nil {
				t.Fatalf("handshake: server %v, client %v", serr, cerr)
			}
			for _, cs := range []tls.ConnectionState{sc.ConnectionState(), cc.ConnectionState()} {
				if cs.Version != tls.VersionTLS13 {
					t.Errorf("Version = %x, want TLS 1.3", cs.Version)
				}
				if cs.CurveID != tls.X25519MLKEM768 {
					t.Errorf("CurveID = %v, want X25519MLKEM768", cs.CurveID)
				}
				if cs.NegotiatedProtocol != ALPN {
					t.Errorf("NegotiatedProtocol = %q, want %q", cs.NegotiatedProtocol, ALPN)
				}
				if cs.DidResume {
					t.Error("session resumed")
				}
			}
			fp, err := PeerFingerprint(cc.ConnectionState())
			if err != nil {
				t.Fatal(err)
			}
			if fp != id.Fingerprint {
				t.Errorf("PeerFingerprint = %v, want %v", fp, id.Fingerprint)
			}
			if _, err := PeerFingerprint(sc.ConnectionState()); err == nil {
				t.Error("PeerFingerprint on the server found a client certificate")
			}
		})
	}
}

func TestExporterSID(t *testing.T) {
	id := hostIdentity(t)
	sids := make([][]byte, 0, 2)
	for range 2 {
		sc, cc, serr, cerr := handshake(t, ServerTLSConfig(id), ClientTLSConfig(&id.Fingerprint))
		if serr != nil || cerr != nil {
			t.Fatalf("handshake: server %v, client %v", serr, cerr)
		}
		s, err := ExporterSID(sc.ConnectionState())
		if err != nil {
			t.Fatal(err)
		}
		c, err := ExporterSID(cc.ConnectionState())
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 32 || !bytes.Equal(s, c) {
			t.Fatalf("sids differ across one connection:\n%x\n%x", s, c)
		}
		// The label is part of the protocol (docs/protocol.md §3.2).
		cs := cc.ConnectionState()
		want, err := cs.ExportKeyingMaterial("EXPERIMENTAL-ssc-cpace-sid", nil, 32)
		if err != nil || !bytes.Equal(s, want) {
			t.Fatalf("sid is not the exporter with the documented label: %v", err)
		}
		sids = append(sids, s)
	}
	if bytes.Equal(sids[0], sids[1]) {
		t.Error("two connections exported the same sid")
	}
	if _, err := ExporterSID(tls.ConnectionState{}); err == nil {
		t.Error("ExporterSID succeeded before a handshake")
	}
}

// selfSigned makes a certificate for pub signed by signer, which is its own
// issuer only when signer holds pub's private key.
func selfSigned(t *testing.T, pub any, signer any) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "ssc session"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"ssc"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestClientRejects checks each rule of the client's certificate policy with
// a server that breaks it; InsecureSkipVerify would let all of them through.
func TestClientRejects(t *testing.T) {
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	ecPriv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := hostIdentity(t)

	tests := []struct {
		name   string
		server func() *tls.Config
	}{
		{"ECDSA certificate", func() *tls.Config {
			cfg := ServerTLSConfig(good)
			cfg.Certificates = []tls.Certificate{{
				Certificate: [][]byte{selfSigned(t, &ecPriv.PublicKey, ecPriv)},
				PrivateKey:  ecPriv,
			}}
			return cfg
		}},
		{"certificate not signed by its own key", func() *tls.Config {
			cfg := ServerTLSConfig(good)
			cfg.Certificates = []tls.Certificate{{
				Certificate: [][]byte{selfSigned(t, edPub, otherPriv)},
				PrivateKey:  edPriv,
			}}
			return cfg
		}},
		{"two certificates", func() *tls.Config {
			cfg := ServerTLSConfig(good)
			c := good.Certificate
			c.Certificate = [][]byte{c.Certificate[0], selfSigned(t, edPub, edPriv)}
			cfg.Certificates = []tls.Certificate{c}
			return cfg
		}},
		{"no ALPN", func() *tls.Config {
			cfg := ServerTLSConfig(good)
			cfg.NextProtos = nil
			return cfg
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, serr, cerr := handshake(t, tt.server(), ClientTLSConfig(nil))
			if cerr == nil || !strings.HasPrefix(cerr.Error(), "keys: ") {
				t.Fatalf("client handshake = %v, want a rejection by keys", cerr)
			}
			if serr == nil {
				t.Error("server handshake succeeded")
			}
		})
	}
}

// TestServerRejects checks that the host refuses clients that are not ssc.
func TestServerRejects(t *testing.T) {
	id := hostIdentity(t)
	tests := []struct {
		name   string
		client *tls.Config
	}{
		{"classical key exchange only", &tls.Config{
			InsecureSkipVerify: true,
			MinVersion:         tls.VersionTLS13,
			CurvePreferences:   []tls.CurveID{tls.X25519},
			NextProtos:         []string{ALPN},
		}},
		{"TLS 1.2", &tls.Config{
			InsecureSkipVerify: true,
			MaxVersion:         tls.VersionTLS12,
			NextProtos:         []string{ALPN},
		}},
		{"other protocol", &tls.Config{
			InsecureSkipVerify: true,
			NextProtos:         []string{"h2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, serr, cerr := handshake(t, ServerTLSConfig(id), tt.client)
			if serr == nil || cerr == nil {
				t.Fatalf("handshake: server %v, client %v; want both to fail", serr, cerr)
			}
		})
	}
}

func TestAdmissionCI(t *testing.T) {
	var f Fingerprint
	for i := range f {
		f[i] = byte(i)
	}
	want := append([]byte("\x10ssc admission v2\x08A_joiner\x06B_host\x20"), f[:]...)
	if got := AdmissionCI(f); !bytes.Equal(got, want) {
		t.Errorf("AdmissionCI\n got %x\nwant %x", got, want)
	}
}
