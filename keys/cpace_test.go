package keys

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gtank/ristretto255"
)

// vectorsPath is the draft's CPace test vectors for ristretto255/SHA-512
// (draft-irtf-cfrg-cpace-21, Appendix B), kept in the repository.
var vectorsPath = filepath.Join("testdata", "cpace-ristretto255-sha512.json")

// hexBytes is a byte string stored as lowercase hex in the vectors file.
type hexBytes []byte

func (h *hexBytes) UnmarshalText(text []byte) error {
	b, err := hex.DecodeString(string(text))
	*h = b
	return err
}

type cpaceVectors struct {
	StringUtils struct {
		PrependLen   map[string]hexBytes `json:"prepend_len"`
		LVCat        map[string]hexBytes `json:"lv_cat"`
		OCat         map[string]hexBytes `json:"o_cat"`
		TranscriptIR map[string]hexBytes `json:"transcript_ir"`
		TranscriptOC map[string]hexBytes `json:"transcript_oc"`
		Larger       []struct {
			A      hexBytes `json:"a"`
			B      hexBytes `json:"b"`
			Result bool     `json:"result"`
		} `json:"lexiographically_larger"`
	} `json:"string_utility_vectors"`
	Generator struct {
		SInBytes        int      `json:"H.s_in_bytes"`
		PRS             hexBytes `json:"PRS"`
		ZPADLength      int      `json:"ZPAD length"`
		DSI             hexBytes `json:"DSI"`
		CI              hexBytes `json:"CI"`
		SID             hexBytes `json:"sid"`
		GeneratorString hexBytes `json:"-"` // key has commas; see loadVectors
		Hash            hexBytes `json:"hash result"`
		G               hexBytes `json:"encoded generator g"`
	} `json:"calculate_generator"`
	Protocol struct {
		PRS         hexBytes `json:"PRS"`
		CI          hexBytes `json:"CI"`
		SID         hexBytes `json:"sid"`
		G           hexBytes `json:"g"`
		ScalarA     hexBytes `json:"ya"`
		ADa         hexBytes `json:"ADa"`
		Ya          hexBytes `json:"Ya"`
		ScalarB     hexBytes `json:"yb"`
		ADb         hexBytes `json:"ADb"`
		Yb          hexBytes `json:"Yb"`
		K           hexBytes `json:"K"`
		ISKIR       hexBytes `json:"ISK_IR"`
		ISKSY       hexBytes `json:"ISK_SY"`
		SIDOutputIR hexBytes `json:"sid_output_ir"`
		SIDOutputOC hexBytes `json:"sid_output_oc"`
	} `json:"protocol"`
	Intermediate struct {
		TranscriptIR hexBytes `json:"transcript_ir"`
		TranscriptOC hexBytes `json:"transcript_oc"`
		ISKInputIR   hexBytes `json:"isk_input_ir"`
		ISKInputOC   hexBytes `json:"isk_input_oc"`
	} `json:"intermediate"`
	ScalarMultVfy struct {
		Valid struct {
			S          hexBytes `json:"s"`
			X          hexBytes `json:"X"`
			ScalarMult hexBytes `json:"-"` // keys have commas; see loadVectors
			Vfy        hexBytes `json:"-"`
		} `json:"valid"`
		Invalid []struct {
			Name string   `json:"name"`
			Y    hexBytes `json:"Y"`
		} `json:"invalid"`
		SForInvalid hexBytes `json:"s_for_invalid_cases"`
	} `json:"scalar_mult_vfy_cases"`
}

// loadVectors fails the test, never skips it, when the vectors are missing:
// without them nothing shows the implementation is CPace.
func loadVectors(t testing.TB) *cpaceVectors {
	t.Helper()
	data, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("reading CPace test vectors: %v", err)
	}
	var v cpaceVectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decoding CPace test vectors: %v", err)
	}
	// A comma ends the name in a struct tag, so these keys are read by hand.
	var raw struct {
		Generator     map[string]json.RawMessage `json:"calculate_generator"`
		ScalarMultVfy struct {
			Valid map[string]json.RawMessage `json:"valid"`
		} `json:"scalar_mult_vfy_cases"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("decoding CPace test vectors: %v", err)
	}
	for _, f := range []struct {
		m   map[string]json.RawMessage
		key string
		dst *hexBytes
	}{
		{raw.Generator, "generator_string(G.DSI,PRS,CI,sid,H.s_in_bytes)", &v.Generator.GeneratorString},
		{raw.ScalarMultVfy.Valid, "G.scalar_mult(s,decode(X))", &v.ScalarMultVfy.Valid.ScalarMult},
		{raw.ScalarMultVfy.Valid, "G.scalar_mult_vfy(s,X)", &v.ScalarMultVfy.Valid.Vfy},
	} {
		msg, ok := f.m[f.key]
		if !ok {
			t.Fatalf("test vector %q missing", f.key)
		}
		if err := json.Unmarshal(msg, f.dst); err != nil {
			t.Fatalf("decoding test vector %q: %v", f.key, err)
		}
	}
	return &v
}

// vector returns m[key], failing if the file lacks it.
func vector(t *testing.T, m map[string]hexBytes, key string) []byte {
	t.Helper()
	v, ok := m[key]
	if !ok {
		t.Fatalf("test vector %q missing", key)
	}
	return v
}

func scalar(t testing.TB, b []byte) *ristretto255.Scalar {
	t.Helper()
	s := ristretto255.NewScalar()
	if err := s.Decode(b); err != nil {
		t.Fatalf("decoding scalar %x: %v", b, err)
	}
	return s
}

func byteRange(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// TestCPaceDraftVectorsStringUtilities checks prepend_len, lv_cat, o_cat,
// the two transcripts and lexiographically_larger against the draft.
func TestCPaceDraftVectorsStringUtilities(t *testing.T) {
	v := loadVectors(t).StringUtils
	b := func(s string) []byte { return []byte(s) }

	// The named inputs the file lists must be the ones used here.
	inputs := []struct {
		m   map[string]hexBytes
		key string
		in  []byte
	}{
		{v.PrependLen, "b'1234'", b("1234")},
		{v.LVCat, "b'1234'", b("1234")},
		{v.LVCat, "b'5'", b("5")},
		{v.LVCat, "b'678'", b("678")},
		{v.OCat, "b'ABCD'", b("ABCD")},
		{v.OCat, "b'BCD'", b("BCD")},
		{v.OCat, "b'ABCDE'", b("ABCDE")},
		{v.TranscriptIR, "b'PartyA'", b("PartyA")},
		{v.TranscriptIR, "b'3456'", b("3456")},
		{v.TranscriptOC, "b'PartyB'", b("PartyB")},
		{v.TranscriptOC, "b'2345'", b("2345")},
	}
	for _, in := range inputs {
		if got := vector(t, in.m, in.key); !bytes.Equal(got, in.in) {
			t.Errorf("vector input %s = %x, test uses %x", in.key, got, in.in)
		}
	}

	tests := []struct {
		name string
		m    map[string]hexBytes
		key  string
		got  []byte
	}{
		{"prepend_len empty", v.PrependLen, "prepend_len(b'')", prependLen(nil)},
		{"prepend_len 4", v.PrependLen, "prepend_len(b'1234')", prependLen(b("1234"))},
		{"prepend_len 127", v.PrependLen, "prepend_len(bytes(range(127)))", prependLen(byteRange(127))},
		{"prepend_len 128", v.PrependLen, "prepend_len(bytes(range(128)))", prependLen(byteRange(128))},
		{"lv_cat", v.LVCat, "lv_cat(b'1234',b'5',b'',b'678')", lvCat(b("1234"), b("5"), nil, b("678"))},
		{"o_cat first larger", v.OCat, "o_cat(b'ABCD',b'BCD')", oCat(b("ABCD"), b("BCD"))},
		{"o_cat second larger", v.OCat, "o_cat(b'BCD',b'ABCDE')", oCat(b("BCD"), b("ABCDE"))},
		{"transcript_ir 1", v.TranscriptIR, "transcript_ir(b'123',b'PartyA',b'234',b'PartyB')",
			transcriptIR(b("123"), b("PartyA"), b("234"), b("PartyB"))},
		{"transcript_ir 2", v.TranscriptIR, "transcript_ir(b'3456',b'PartyA',b'2345',b'PartyB')",
			transcriptIR(b("3456"), b("PartyA"), b("2345"), b("PartyB"))},
		{"transcript_oc 1", v.TranscriptOC, "transcript_oc(b'123',b'PartyA',b'234',b'PartyB')",
			transcriptOC(b("123"), b("PartyA"), b("234"), b("PartyB"))},
		{"transcript_oc 2", v.TranscriptOC, "transcript_oc(b'3456',b'PartyA',b'2345',b'PartyB')",
			transcriptOC(b("3456"), b("PartyA"), b("2345"), b("PartyB"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := vector(t, tt.m, tt.key); !bytes.Equal(tt.got, want) {
				t.Errorf("%s\n got %x\nwant %x", tt.key, tt.got, want)
			}
		})
	}

	t.Run("prepend_len size", func(t *testing.T) {
		for _, n := range []int{0, 1, 127, 128, 16383, 16384, 1 << 21} {
			x := make([]byte, n)
			if got, want := len(prependLen(x)), prependLenSize(x); got != want {
				t.Errorf("len %d: prependLen is %d bytes, prependLenSize says %d", n, got, want)
			}
		}
	})

	if len(v.Larger) == 0 {
		t.Fatal("no lexiographically_larger vectors")
	}
	for _, tt := range v.Larger {
		t.Run("larger "+hex.EncodeToString(tt.A)+" "+hex.EncodeToString(tt.B), func(t *testing.T) {
			if got := lexicographicallyLarger(tt.A, tt.B); got != tt.Result {
				t.Errorf("lexicographicallyLarger(%x, %x) = %v, want %v", tt.A, tt.B, got, tt.Result)
			}
		})
	}
}

func TestCPaceDraftVectorsGenerator(t *testing.T) {
	v := loadVectors(t).Generator
	if !bytes.Equal(v.DSI, dsi) {
		t.Fatalf("DSI = %q, vectors use %q", dsi, v.DSI)
	}
	if v.SInBytes != sInBytes {
		t.Fatalf("s_in_bytes = %d, vectors use %d", sInBytes, v.SInBytes)
	}
	gs := generatorString(dsi, v.PRS, v.CI, v.SID, sInBytes)
	if !bytes.Equal(gs, v.GeneratorString) {
		t.Errorf("generator_string\n got %x\nwant %x", gs, v.GeneratorString)
	}
	zpad := len(gs) - prependLenSize(dsi) - prependLenSize(v.PRS) - 1 - prependLenSize(v.CI) - prependLenSize(v.SID)
	if zpad != v.ZPADLength {
		t.Errorf("ZPAD length = %d, want %d", zpad, v.ZPADLength)
	}
	if h := sha512.Sum512(gs); !bytes.Equal(h[:], v.Hash) {
		t.Errorf("hash of generator_string\n got %x\nwant %x", h, v.Hash)
	}
	if g := calculateGenerator(v.PRS, v.CI, v.SID).Encode(nil); !bytes.Equal(g, v.G) {
		t.Errorf("calculate_generator\n got %x\nwant %x", g, v.G)
	}
}

func TestCPaceDraftVectorsSharesISKAndTags(t *testing.T) {
	all := loadVectors(t)
	v, iv := all.Protocol, all.Intermediate

	if g := calculateGenerator(v.PRS, v.CI, v.SID).Encode(nil); !bytes.Equal(g, v.G) {
		t.Fatalf("g\n got %x\nwant %x", g, v.G)
	}
	a, err := newCPaceWithScalar(Initiator, v.PRS, v.CI, v.SID, v.ADa, v.ScalarA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newCPaceWithScalar(Responder, v.PRS, v.CI, v.SID, v.ADb, v.ScalarB)
	if err != nil {
		t.Fatal(err)
	}
	trIR := transcriptIR(v.Ya, v.ADa, v.Yb, v.ADb)
	trOC := transcriptOC(v.Ya, v.ADa, v.Yb, v.ADb)
	sidOutput := func(transcript []byte) []byte {
		h := sha512.Sum512(append([]byte("CPaceSidOutput"), transcript...))
		return h[:]
	}

	tests := []struct {
		name      string
		got, want []byte
	}{
		{"Ya", a.Share(), v.Ya},
		{"Yb", b.Share(), v.Yb},
		{"K initiator", scalarMultVfy(scalar(t, v.ScalarA), v.Yb), v.K},
		{"K responder", scalarMultVfy(scalar(t, v.ScalarB), v.Ya), v.K},
		{"transcript_ir", trIR, iv.TranscriptIR},
		{"transcript_oc", trOC, iv.TranscriptOC},
		{"ISK input ir", iskInput(v.SID, v.K, trIR), iv.ISKInputIR},
		{"ISK input oc", iskInput(v.SID, v.K, trOC), iv.ISKInputOC},
		{"ISK_IR", deriveISK(v.SID, v.K, trIR), v.ISKIR},
		{"ISK_SY", deriveISK(v.SID, v.K, trOC), v.ISKSY},
		{"sid_output_ir", sidOutput(trIR), v.SIDOutputIR},
		{"sid_output_oc", sidOutput(trOC), v.SIDOutputOC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.want) == 0 {
				t.Fatal("vector missing")
			}
			if !bytes.Equal(tt.got, tt.want) {
				t.Errorf("\n got %x\nwant %x", tt.got, tt.want)
			}
		})
	}

	// The full runs must land on ISK_IR from either side.
	if err := a.Finish(v.Yb, v.ADb); err != nil {
		t.Fatalf("initiator Finish: %v", err)
	}
	if err := b.Finish(v.Ya, v.ADa); err != nil {
		t.Fatalf("responder Finish: %v", err)
	}
	if got := a.ISK(); !bytes.Equal(got, v.ISKIR) {
		t.Errorf("initiator ISK\n got %x\nwant %x", got, v.ISKIR)
	}
	if got := b.ISK(); !bytes.Equal(got, v.ISKIR) {
		t.Errorf("responder ISK\n got %x\nwant %x", got, v.ISKIR)
	}

	// Section 10.4 has no vectors; recompute its recommended tags here from
	// ISK_IR so a swap of roles or inputs shows.
	macKey := sha512.Sum512(append(append([]byte("CPaceMac"), v.SID...), v.ISKIR...))
	tag := func(y, ad []byte) []byte {
		h := hmac.New(sha512.New, macKey[:])
		h.Write(prependLen(y))
		h.Write(prependLen(ad))
		return h.Sum(nil)
	}
	ta, tb := tag(v.Ya, v.ADa), tag(v.Yb, v.ADb)
	if !bytes.Equal(a.Tag(), ta) {
		t.Errorf("initiator tag\n got %x\nwant %x", a.Tag(), ta)
	}
	if !bytes.Equal(b.Tag(), tb) {
		t.Errorf("responder tag\n got %x\nwant %x", b.Tag(), tb)
	}
	if err := a.VerifyTag(tb); err != nil {
		t.Errorf("initiator VerifyTag: %v", err)
	}
	if err := b.VerifyTag(ta); err != nil {
		t.Errorf("responder VerifyTag: %v", err)
	}
}

func TestCPaceDraftVectorsScalarMultVfy(t *testing.T) {
	v := loadVectors(t).ScalarMultVfy

	t.Run("valid", func(t *testing.T) {
		x := ristretto255.NewElement()
		if err := x.Decode(v.Valid.X); err != nil {
			t.Fatalf("decoding X: %v", err)
		}
		s := scalar(t, v.Valid.S)
		if got := ristretto255.NewElement().ScalarMult(s, x).Encode(nil); !bytes.Equal(got, v.Valid.ScalarMult) {
			t.Errorf("scalar_mult\n got %x\nwant %x", got, v.Valid.ScalarMult)
		}
		if got := scalarMultVfy(s, v.Valid.X); !bytes.Equal(got, v.Valid.Vfy) {
			t.Errorf("scalar_mult_vfy\n got %x\nwant %x", got, v.Valid.Vfy)
		}
	})

	if len(v.Invalid) != 2 {
		t.Fatalf("%d invalid scalar_mult_vfy vectors, want 2", len(v.Invalid))
	}
	for _, tt := range v.Invalid {
		t.Run(tt.Name, func(t *testing.T) {
			if got := scalarMultVfy(scalar(t, v.SForInvalid), tt.Y); !bytes.Equal(got, identity[:]) {
				t.Errorf("scalar_mult_vfy = %x, want the identity", got)
			}
			// And the protocol aborts on it.
			c, err := newCPaceWithScalar(Responder, []byte("Password"), nil, nil, nil, v.SForInvalid)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Finish(tt.Y, nil); !errors.Is(err, ErrInvalidShare) {
				t.Errorf("Finish = %v, want %v", err, ErrInvalidShare)
			}
		})
	}
}

// admissionSide is one party's CPace inputs.
type admissionSide struct {
	prs, ci, sid, ad []byte
}

// runCPace runs CPace between an initiator and a responder whose inputs may
// differ, exchanging shares, associated data and tags as ssc does (tamper
// stands for the network), and returns each side's VerifyTag result.
func runCPace(t *testing.T, ia, rb admissionSide, tamper func(ya, yb, ada, adb []byte) ([]byte, []byte, []byte, []byte)) (a, b *CPace, errA, errB error) {
	t.Helper()
	var err error
	a, err = NewCPace(Initiator, ia.prs, ia.ci, ia.sid, ia.ad, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err = NewCPace(Responder, rb.prs, rb.ci, rb.sid, rb.ad, nil)
	if err != nil {
		t.Fatal(err)
	}
	ya, yb, ada, adb := a.Share(), b.Share(), ia.ad, rb.ad
	if tamper != nil {
		ya, yb, ada, adb = tamper(ya, yb, ada, adb)
	}
	if err := b.Finish(ya, ada); err != nil {
		t.Fatalf("responder Finish: %v", err)
	}
	if err := a.Finish(yb, adb); err != nil {
		t.Fatalf("initiator Finish: %v", err)
	}
	for _, c := range []*CPace{a, b} {
		if n := len(c.Tag()); n != TagSize {
			t.Fatalf("tag is %d bytes, want %d", n, TagSize)
		}
	}
	// The host sends its tag first; the joiner answers.
	tb, ta := b.Tag(), a.Tag()
	return a, b, a.VerifyTag(tb), b.VerifyTag(ta)
}

func TestCPaceRoundTrip(t *testing.T) {
	sid := bytes.Repeat([]byte{1}, 32)
	otherSID := bytes.Repeat([]byte{2}, 32)
	var fp1, fp2 Fingerprint
	fp2[0] = 1
	ci, otherCI := AdmissionCI(fp1), AdmissionCI(fp2)
	prs := []byte("correct-horse-battery-staple")
	joiner := admissionSide{prs, ci, sid, []byte("joiner")}
	host := admissionSide{prs, ci, sid, []byte("host")}
	with := func(s admissionSide, f func(*admissionSide)) admissionSide {
		f(&s)
		return s
	}

	tests := []struct {
		name   string
		a, b   admissionSide
		tamper func(ya, yb, ada, adb []byte) ([]byte, []byte, []byte, []byte)
		agree  bool
	}{
		{name: "same inputs", a: joiner, b: host, agree: true},
		{name: "empty associated data", a: with(joiner, func(s *admissionSide) { s.ad = nil }),
			b: with(host, func(s *admissionSide) { s.ad = nil }), agree: true},
		{name: "wrong passphrase", a: with(joiner, func(s *admissionSide) { s.prs = []byte("correct-horse-battery-stapler") }), b: host},
		{name: "different sid (man in the middle)", a: with(joiner, func(s *admissionSide) { s.sid = otherSID }), b: host},
		{name: "different host fingerprint in CI", a: with(joiner, func(s *admissionSide) { s.ci = otherCI }), b: host},
		{name: "joiner's associated data altered", a: joiner, b: host,
			tamper: func(ya, yb, ada, adb []byte) ([]byte, []byte, []byte, []byte) {
				return ya, yb, []byte("joines"), adb
			}},
		{name: "host's associated data altered", a: joiner, b: host,
			tamper: func(ya, yb, ada, adb []byte) ([]byte, []byte, []byte, []byte) {
				return ya, yb, ada, []byte("hosts")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, errA, errB := runCPace(t, tt.a, tt.b, tt.tamper)
			if tt.agree {
				if errA != nil || errB != nil {
					t.Fatalf("VerifyTag: initiator %v, responder %v", errA, errB)
				}
				ia, ib := a.ISK(), b.ISK()
				if len(ia) != 64 || !bytes.Equal(ia, ib) {
					t.Fatalf("ISKs differ:\n%x\n%x", ia, ib)
				}
				return
			}
			if !errors.Is(errA, ErrConfirmation) || !errors.Is(errB, ErrConfirmation) {
				t.Fatalf("VerifyTag: initiator %v, responder %v; want %v on both", errA, errB, ErrConfirmation)
			}
			if a.ISK() != nil || b.ISK() != nil {
				t.Error("ISK still available after failed confirmation")
			}
		})
	}
}

func TestCPaceReflectedTag(t *testing.T) {
	sid := make([]byte, 32)
	a, _ := NewCPace(Initiator, []byte("pw"), []byte("ci"), sid, nil, nil)
	b, _ := NewCPace(Responder, []byte("pw"), []byte("ci"), sid, nil, nil)
	if err := a.Finish(b.Share(), nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Finish(a.Share(), nil); err != nil {
		t.Fatal(err)
	}
	// Each tag covers its sender's message, so echoing a peer's own tag back
	// must not pass.
	if err := b.VerifyTag(b.Tag()); !errors.Is(err, ErrConfirmation) {
		t.Errorf("responder accepted its own tag: %v", err)
	}
	if err := a.VerifyTag(a.Tag()); !errors.Is(err, ErrConfirmation) {
		t.Errorf("initiator accepted its own tag: %v", err)
	}
}

func TestCPaceInvalidShares(t *testing.T) {
	v := loadVectors(t)
	valid := v.Protocol.Ya
	// A field element at or above p = 2^255-19 is not canonical.
	aboveP := bytes.Repeat([]byte{0xff}, 32)
	aboveP[0], aboveP[31] = 0xee, 0x7f

	tests := []struct {
		name  string
		share []byte
	}{
		{"identity", make([]byte, 32)},
		{"negative s", v.ScalarMultVfy.Invalid[0].Y},
		{"not reduced mod p", aboveP},
		{"empty", nil},
		{"short", valid[:31]},
		{"long", append(bytes.Clone(valid), 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCPace(Responder, []byte("pw"), []byte("ci"), []byte("sid"), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Finish(tt.share, nil); !errors.Is(err, ErrInvalidShare) {
				t.Fatalf("Finish = %v, want %v", err, ErrInvalidShare)
			}
			if c.Tag() != nil || c.ISK() != nil {
				t.Error("tag or ISK available after an invalid share")
			}
			if err := c.VerifyTag(make([]byte, TagSize)); !errors.Is(err, ErrConfirmation) {
				t.Errorf("VerifyTag after abort = %v, want %v", err, ErrConfirmation)
			}
			// The run is dead; a good share afterwards must not revive it.
			if err := c.Finish(valid, nil); err == nil {
				t.Error("Finish succeeded after an aborted run")
			}
		})
	}
}

func TestCPaceLifecycle(t *testing.T) {
	sid := []byte("sid")
	ad := []byte("ad")
	a, err := NewCPace(Initiator, []byte("pw"), []byte("ci"), sid, ad, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewCPace(Responder, []byte("pw"), []byte("ci"), []byte("sid"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// NewCPace copies its inputs and Share returns a copy.
	sid[0], ad[0] = 'X', 'X'
	a.Share()[0] ^= 1

	if a.Tag() != nil || a.ISK() != nil {
		t.Error("tag or ISK before Finish")
	}
	if err := a.VerifyTag(make([]byte, TagSize)); !errors.Is(err, ErrConfirmation) {
		t.Errorf("VerifyTag before Finish = %v, want %v", err, ErrConfirmation)
	}
	if err := a.Finish(b.Share(), nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Finish(a.Share(), []byte("ad")); err != nil {
		t.Fatal(err)
	}
	if err := a.VerifyTag(b.Tag()); err != nil {
		t.Fatalf("VerifyTag after mutating inputs: %v", err)
	}
	if err := a.Finish(b.Share(), nil); err == nil {
		t.Error("second Finish succeeded")
	}

	a.Wipe()
	a.Wipe()
	if a.ISK() != nil || a.Tag() != nil {
		t.Error("secrets available after Wipe")
	}
	if err := a.VerifyTag(b.Tag()); !errors.Is(err, ErrConfirmation) {
		t.Errorf("VerifyTag after Wipe = %v, want %v", err, ErrConfirmation)
	}
	if a.y.Equal(ristretto255.NewScalar()) != 1 {
		t.Error("scalar not zeroed")
	}

	c, err := NewCPace(Initiator, []byte("pw"), []byte("ci"), []byte("sid"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Wipe()
	if c.y.Equal(ristretto255.NewScalar()) != 1 {
		t.Error("scalar not zeroed by Wipe")
	}
	if err := c.Finish(b.Share(), nil); err == nil {
		t.Error("Finish succeeded after Wipe")
	}
}

func TestNewCPaceErrors(t *testing.T) {
	tests := []struct {
		name string
		role Role
		rand io.Reader
	}{
		{"unknown role", Role(2), nil},
		{"failing random source", Initiator, bytes.NewReader(make([]byte, 10))},
		{"random source of zeros", Responder, zeroReader{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := NewCPace(tt.role, []byte("pw"), nil, nil, nil, tt.rand); err == nil {
				t.Fatalf("NewCPace = %v, want an error", c)
			}
		})
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestNewCPaceFreshScalars(t *testing.T) {
	a, err := NewCPace(Initiator, []byte("pw"), nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewCPace(Initiator, []byte("pw"), nil, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Share(), b.Share()) {
		t.Error("two runs produced the same share")
	}
}
