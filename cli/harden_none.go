//go:build !unix

package cli

// harden has nothing to set on this platform.
func harden() {}
