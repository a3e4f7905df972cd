// Package jsonlines is ssc's --json mode: one JSON object per line on
// stdout for every event, and every stdin line sent as a message (or run as
// a /command). It is how bots and tests drive ssc without a terminal.
//
// Text is passed through exactly, but every character that could act on a
// terminal (C0 and C1 controls, DEL, bidi and invisible format characters)
// is written as a \u escape, so the output stays safe to print while a JSON
// parser still gets the original text back.
package jsonlines
