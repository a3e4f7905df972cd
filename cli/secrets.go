package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ssc-chat/ssc/keys"
)

// passphraseEnv lets scripts pass the passphrase without argv.
const passphraseEnv = "SSC_PASSPHRASE"

// maxPassphraseFile bounds what --passphrase-file reads: a passphrase, not a disk image.
const maxPassphraseFile = 4096

// passphraseFrom returns the passphrase from --passphrase-file or
// SSC_PASSPHRASE, or nil when neither is given. The caller wipes it.
func passphraseFrom(file string) ([]byte, error) {
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, &userError{code: exitUsage, msg: fmt.Sprintf("cannot read the passphrase file: %v", errors.Unwrap(err)), hint: "check the path given to --passphrase-file", err: err}
		}
		defer f.Close()
		buf := make([]byte, maxPassphraseFile+1)
		defer keys.Wipe(buf)
		n, _ := io.ReadFull(f, buf)
		if n > maxPassphraseFile {
			return nil, &userError{code: exitUsage, msg: "the passphrase file is larger than a passphrase can be", hint: "the file should hold the passphrase alone, on one line"}
		}
		p := normalize(buf[:n])
		if len(p) == 0 {
			return nil, &userError{code: exitUsage, msg: "the passphrase file is empty", hint: "write the passphrase into it, on one line"}
		}
		return p, nil
	}
	if v, ok := os.LookupEnv(passphraseEnv); ok {
		// Children started by ssc must not inherit it. The environment
		// hands it over as a string, which cannot be wiped: v is not kept.
		os.Unsetenv(passphraseEnv)
		p := keys.NormalizePassphrase(v)
		if len(p) == 0 {
			return nil, &userError{code: exitUsage, msg: passphraseEnv + " is set but empty", hint: "set it to the passphrase, or unset it to be asked"}
		}
		return p, nil
	}
	return nil, nil
}

// normalize is keys.NormalizePassphrase for bytes, so that a passphrase
// read from a file never passes through a string: a copy of b without
// leading and trailing white space, for the caller to wipe.
func normalize(b []byte) []byte {
	return bytes.Clone(bytes.TrimSpace(b))
}
