// Package discovery finds sessions and makes them reachable: it parses and
// formats join links, announces and browses sessions on the local network
// over mDNS (DNS-SD type _ssc._tcp), and opens the public ngrok tunnel.
//
// It imports no other ssc package, never prints, and never decides whom to
// trust: a fingerprint it reads is carried as it was written, for the
// caller to check and pin. Everything it returns from mDNS is unauthenticated input from
// the network, bounded in size but not sanitised for display.
package discovery
