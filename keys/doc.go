// Package keys holds all of ssc's cryptography: the host's TLS identity, the CPace admission PAKE with key confirmation, passphrase generation and wiping of secrets. It performs no networking and never prints or logs.
package keys
