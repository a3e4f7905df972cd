package wire

import (
	"testing"

	"github.com/ssc-chat/ssc/keys"
)

// wire imports no ssc package, so it states the sizes of the keys, shares
// and tags it carries itself; this keeps them equal to what keys makes.
func TestSizesMatchKeys(t *testing.T) {
	tests := []struct {
		name       string
		wire, keys int
	}{
		{"SignKeySize", SignKeySize, keys.SignKeySize},
		{"SignatureSize", SignatureSize, keys.SignatureSize},
		{"KEMKeySize", KEMKeySize, keys.KEMKeySize},
		{"ShareSize", ShareSize, keys.ShareSize},
		{"TagSize", TagSize, keys.TagSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wire != tt.keys {
				t.Fatalf("wire.%s = %d, keys.%s = %d", tt.name, tt.wire, tt.name, tt.keys)
			}
		})
	}
}
