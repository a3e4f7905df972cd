// Package console is the interactive chat screen of an ssc member: a line editor whose line being typed survives incoming messages, colours, completion and in-memory history. It shows only sanitised text and writes no file.
package console
