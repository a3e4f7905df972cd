//go:build !unix

package main

// harden has nothing to set on this platform.
func harden() {}
