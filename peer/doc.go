// Package peer is an ssc member as a library: it dials a host, proves
// knowledge of the passphrase with CPace inside TLS, and then sends and
// receives chat, checking everything the host relays end to end.
//
//	c, err := peer.Join(ctx, "192.0.2.7:7654", peer.Config{Name: "bot", Passphrase: pass})
//	if err != nil { ... }
//	defer c.Close()
//	c.Say(ctx, "hello, room")
//	for ev := range c.Events() {
//		if ev.Kind == peer.KindMessage && !ev.Self { ... }
//	}
//
// Events carry only what the host sent, with typed reasons and problems
// and no sentences; errors are typed values (ErrWrongPassphrase,
// *RefusedError, ...). One roster (roster.go) owns membership, keys,
// verification marks and the last counter per signing key. Words for
// people, /commands and the front-ends are package chat's. peer never
// imports host: the host's operator is an ordinary member attached through
// an in-process connection.
package peer
