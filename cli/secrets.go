package cli

import (
	"errors"
	"fmt"
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
		n, _ := f.Read(buf)
		defer keys.Wipe(buf)
		if n > maxPassphraseFile {
			return nil, &userError{code: exitUsage, msg: "the passphrase file is larger than a passphrase can be", hint: "the file should hold the passphrase alone, on one line"}
		}
		p := keys.NormalizePassphrase(string(buf[:n]))
		if len(p) == 0 {
			return nil, &userError{code: exitUsage, msg: "the passphrase file is empty", hint: "write the passphrase into it, on one line"}
		}
		return p, nil
	}
	if v, ok := os.LookupEnv(passphraseEnv); ok {
		// Children started by ssc must not inherit it.
		os.Unsetenv(passphraseEnv)
		p := keys.NormalizePassphrase(v)
		if len(p) == 0 {
			return nil, &userError{code: exitUsage, msg: passphraseEnv + " is set but empty", hint: "set it to the passphrase, or unset it to be asked"}
		}
		return p, nil
	}
	return nil, nil
}
