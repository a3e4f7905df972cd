package sanitize

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestName(t *testing.T) {
	const (
		errLength    = "sanitize: name must be 1 to 32 characters"
		errInvisible = "sanitize: name contains invisible or control characters"
		errPrefix    = "sanitize: name must not start with '/' or '@'"
		errMark      = "sanitize: name must not start with an accent or other combining mark"
		errDouble    = "sanitize: name must not contain two spaces in a row"
		errSpace     = "sanitize: name may only use plain spaces between words"
		errUTF8      = "sanitize: name is not valid UTF-8"
		errUnknown   = "sanitize: name contains unassigned or private-use characters"
	)
	tests := []struct {
		name    string
		raw     string
		want    string
		wantErr string // the whole message a person reads; "" means accepted
	}{
		{"ASCII", "alice", "alice", ""},
		{"diaeresis", "Zoë", "Zoë", ""},
		{"combining diaeresis made NFC", "Zoe\u0308", "Zo\u00eb", ""},
		{"NFC kept", "Zo\u00eb", "Zo\u00eb", ""},
		{"José decomposed", "Jose\u0301", "Jos\u00e9", ""},
		{"CJK", "李雷", "李雷", ""},
		{"inner space", "bob smith", "bob smith", ""},
		{"surrounding white space trimmed", " \t bob smith\u00a0\n", "bob smith", ""},
		{"emoji with variation selector", "❤️ fan", "❤️ fan", ""},
		{"inner at sign", "bob@home", "bob@home", ""},
		{"32 runes", strings.Repeat("a", 32), strings.Repeat("a", 32), ""},
		{"32 three-byte runes", strings.Repeat("李", 32), strings.Repeat("李", 32), ""},
		{"empty", "", "", errLength},
		{"only spaces", "   ", "", errLength},
		{"33 runes", strings.Repeat("a", 33), "", errLength},
		{"escape", "a\x1bb", "", errInvisible},
		{"tab inside", "a\tb", "", errInvisible},
		{"C1 control", "a\u009bb", "", errInvisible},
		{"right-to-left override", "a\u202eb", "", errInvisible},
		{"zero-width space", "a\u200bb", "", errInvisible},
		{"soft hyphen", "a\u00adb", "", errInvisible},
		{"line separator", "a\u2028b", "", errInvisible},
		{"Hangul filler", "\u3164", "", errInvisible},
		{"command", "/kick", "", errPrefix},
		{"mention", "@all", "", errPrefix},
		{"leading combining mark", "\u0301a", "", errMark},
		{"leading variation selector", "\ufe0fa", "", errMark},
		{"two spaces", "a  b", "", errDouble},
		{"no-break space", "a\u00a0b", "", errSpace},
		{"ideographic space", "a\u3000b", "", errSpace},
		{"invalid UTF-8", "a\xffb", "", errUTF8},
		{"private use", "a\ue000b", "", errUnknown},
		{"unassigned", "a\u0378b", "", errUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Name(tt.raw)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Name(%q) = %q, %v; want %q, nil", tt.raw, got, err, tt.want)
				}
				return
			}
			if !errors.Is(err, ErrBadName) {
				t.Fatalf("Name(%q) = %q, %v; want an error wrapping ErrBadName", tt.raw, got, err)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("Name(%q) error = %q, want %q", tt.raw, err, tt.wantErr)
			}
			if got != "" {
				t.Errorf("Name(%q) = %q with an error, want \"\"", tt.raw, got)
			}
		})
	}
}

func TestNameKey(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"capitalised", "Alice", "alice", true},
		{"upper case", "ALICE", "alice", true},
		{"zero-width space", "al\u200bice", "Alice", true},
		{"bidi override", "\u202ealice", "alice", true},
		{"white space run", "bob \t smith", "bob smith", true},
		{"surrounding space", " bob ", "bob", true},
		{"invisible between spaces", "bob \u200b smith", "bob smith", true},
		{"Kelvin sign", "\u212aate", "kate", true},
		{"long s", "\u017fam", "Sam", true},
		{"final sigma", "ΟΔΥΣΣΕΥΣ", "οδυσσευς", true},
		{"fullwidth", "ＡＬＩＣＥ", "alice", true},
		{"variation selector", "❤️", "❤", true},
		{"different names", "alice", "alicia", false},
		{"inner space", "bob smith", "bobsmith", false},
		{"accent", "Zoë", "Zoe", false},
		{"script", "李雷", "李電", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := NameKey(tt.a), NameKey(tt.b)
			if (ka == kb) != tt.same {
				t.Errorf("NameKey(%q) = %q, NameKey(%q) = %q; want same = %v", tt.a, ka, tt.b, kb, tt.same)
			}
		})
	}
}

func TestNameKeyValue(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"lowered", "Bob", "bob"},
		{"collapsed and trimmed", "  Bob \u00a0 Jones ", "bob jones"},
		{"skeleton", "Smith", "srnlth"},
		{"zero as o", "B0B", "bob"},
		{"only invisible", "\u200b\u202e", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NameKey(tt.in); got != tt.want {
				t.Errorf("NameKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNameKeyIdempotentEveryRune(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		in := "x" + string(r)
		if k := NameKey(in); NameKey(k) != k {
			t.Fatalf("NameKey(%q) = %q, but NameKey of that = %q", in, k, NameKey(k))
		}
	}
}

func TestNameHonestNamesInManyScripts(t *testing.T) {
	for _, name := range []string{
		"Zoë", "José", "Łukasz", "山田", "Дмитрий", "محمد", "김민준", "O'Brien",
		"Ann-Marie", "Ελένη", "דוד", "प्रिया", "สมชาย", "Nguyễn Văn An",
		"山田 たろう", "ヤマダ Taro", "山田たろうカタカナ Yamada", "王小明 Wang", "김 Kim",
		"Ali محمد", "Ravi रवि", "ジョン・スミス", "Иван-2", "❤️ fan", "bob@home",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := Name(name)
			if err != nil || got != name {
				t.Fatalf("Name(%q) = %q, %v; want it accepted as it is", name, got, err)
			}
		})
	}
}

func TestNameMixedScripts(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		wantErr string
	}{
		{"Cyrillic a in Latin", "\u0430lice", "sanitize: name mixes Cyrillic and Latin letters, as names made to look like another do: use one script"},
		{"Cyrillic shha in Latin", "\u04bbost", "sanitize: name mixes Cyrillic and Latin letters, as names made to look like another do: use one script"},
		{"Greek omicron in Latin", "b\u03bfb", "sanitize: name mixes Greek and Latin letters, as names made to look like another do: use one script"},
		{"Latin o in Cyrillic", "Дмитрий Ivanov", "sanitize: name mixes Cyrillic and Latin letters, as names made to look like another do: use one script"},
		{"Cyrillic and Greek", "Дмитрий Ελένη", "sanitize: name mixes Cyrillic and Greek letters, as names made to look like another do: use one script"},
		{"Arabic and Hebrew", "محمد דוד", "sanitize: name mixes Arabic and Hebrew letters, as names made to look like another do: use one script"},
		{"Latin with Cherokee", "\u13a2ris", "sanitize: name mixes Cherokee and Latin letters, as names made to look like another do: use one script"},
		{"three scripts", "ab\u0430\u03b1", "sanitize: name mixes Cyrillic and Greek and Latin letters, as names made to look like another do: use one script"},
		{"Hangul and Hiragana", "김たろう", "sanitize: name mixes Hangul and Hiragana letters, as names made to look like another do: use one script"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Name(tt.raw)
			if !errors.Is(err, ErrBadName) || !errors.Is(err, ErrMixedScripts) {
				t.Fatalf("Name(%q) = %q, %v; want an error wrapping ErrBadName and ErrMixedScripts", tt.raw, got, err)
			}
			if err.Error() != tt.wantErr {
				t.Errorf("Name(%q) error = %q, want %q", tt.raw, err, tt.wantErr)
			}
		})
	}
}

func TestNameHostMark(t *testing.T) {
	for _, raw := range []string{
		HostMark + " host", "host " + HostMark, "a" + HostMark + "b", HostMark,
		"♦ host", "⬥ host", "◇ host", "❖ host", "🔷 host", "⯁ host", "x\u20df",
	} {
		t.Run(raw, func(t *testing.T) {
			got, err := Name(raw)
			if !errors.Is(err, ErrBadName) || !errors.Is(err, ErrHostMark) {
				t.Fatalf("Name(%q) = %q, %v; want an error wrapping ErrBadName and ErrHostMark", raw, got, err)
			}
		})
	}
	if utf8.RuneCountInString(HostMark) != 1 {
		t.Errorf("HostMark %q is not one rune", HostMark)
	}
	if hostMarkKey == "" {
		t.Error("HostMark has an empty key, which every name would contain")
	}
	// Marks that do not look like the host's stay usable.
	for _, raw := range []string{"★ star", "bob ♥", "✓ done"} {
		if _, err := Name(raw); err != nil {
			t.Errorf("Name(%q): %v", raw, err)
		}
	}
}

// Whole names in another script that look alike only in capitals share a
// CapitalKey, and so look like the same name; names that merely share
// letters do not.
func TestCapitalKey(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"Cyrillic capitals", "\u041d\u041e\u041c\u0415", "HOME", true},
		{"Cyrillic capitals and small Latin", "\u041d\u041e\u041c\u0415", "home", true},
		{"Greek capitals", "\u0391\u0392\u0395", "ABE", true},
		{"Cyrillic small letters like small capitals", "\u041d\u043e\u043c\u0435", "Home", true},
		{"Cyrillic small letters unlike Latin ones", "\u0410\u043d\u043d\u0430", "Anna", false},
		{"case alone", "ALICE", "alice", true},
		{"different names", "HOME", "HOLE", false},
		{"long s, by NameKey", "\u017fam", "Sam", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SameName(tt.a, tt.b); got != tt.same {
				t.Errorf("SameName(%q, %q) = %v, want %v (NameKeys %q %q, CapitalKeys %q %q)", tt.a, tt.b, got, tt.same,
					NameKey(tt.a), NameKey(tt.b), CapitalKey(tt.a), CapitalKey(tt.b))
			}
		})
	}
}

func TestNameKeyConfusables(t *testing.T) {
	tests := []struct {
		name string
		a, b string
	}{
		{"NFC and NFD", "Zo\u00eb", "Zoe\u0308"},
		{"Cyrillic a", "\u0430lice", "alice"},
		{"Cyrillic shha", "\u04bbost", "host"},
		{"whole-script Cyrillic", "\u0430\u0440\u0435", "ape"},
		{"small capitals", "\u029c\u1d0f\ua731\u1d1b", "host"},
		{"a small capital among small letters", "\u0299ob", "Bob"},
		{"Cyrillic small letters like small capitals", "\u0442\u043e\u043c", "tom"},
		{"Cyrillic ka", "\u043a\u043e\u0442", "kot"},
		{"rn and m", "barney", "bamey"},
		{"zero and o", "b0b", "bob"},
		{"one and l", "bi11", "bill"},
		{"capital i and l", "BiII", "Bill"},
		{"halfwidth katakana", "ｶﾀｶﾅ", "カタカナ"},
		{"mathematical bold", "𝐚𝐥𝐢𝐜𝐞", "alice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ka, kb := NameKey(tt.a), NameKey(tt.b); ka != kb {
				t.Errorf("NameKey(%q) = %q, NameKey(%q) = %q; want them equal", tt.a, ka, tt.b, kb)
			}
		})
	}
}
