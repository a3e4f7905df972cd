// Package chat is ssc's chat language over a peer.Client: the /commands
// with their help and completion, /who and /verify, and every word a person
// reads about what happens in a session. Do carries out one typed line and
// returns its output as a value; Describe puts an event into words.
//
// Front-ends are built on it: console (the terminal), jsonlines (--json)
// and any other. It holds no connection of its own and starts no
// goroutine; a program that only needs to send and receive uses peer alone.
package chat
