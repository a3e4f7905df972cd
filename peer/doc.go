// Package peer is an ssc member: it dials a host, proves knowledge of the
// passphrase with CPace inside TLS, and then sends and receives chat.
//
// A Client is the whole API a program needs:
//
//	c, err := peer.Join(ctx, "192.0.2.7:7654", peer.Config{Name: "bot", Passphrase: pass})
//	if err != nil { ... }
//	defer c.Leave()
//	c.Do("hello, room")
//	for ev := range c.Events() {
//		if ev.Kind == peer.KindMessage && !ev.Self { ... }
//	}
//
// The console (package console) and --json mode (package jsonlines) are built
// on exactly this API. peer never imports host: the host's operator is an
// ordinary member attached through an in-process connection.
package peer
