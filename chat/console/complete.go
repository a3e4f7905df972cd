package console

import (
	"strings"
	"unicode/utf8"
)

// completeWord completes the last word of head, the line up to the cursor,
// from candidates that peer.Client.Complete found for it; prefix is the
// part of head before that word and tail the rest of the line. One
// candidate replaces the word and is followed by a space, or by ": " when it
// is a member's name opening the line, the way people address someone.
// Several extend the word to their common prefix and come back in list for
// showing.
func completeWord(head, tail, prefix string, candidates []string) (newHead string, list []string) {
	if len(candidates) == 0 || !strings.HasPrefix(head, prefix) {
		return head, nil
	}
	word := head[len(prefix):]
	if len(candidates) == 1 {
		sep := " "
		if prefix == "" && !strings.HasPrefix(candidates[0], "/") {
			sep = ": "
		}
		if strings.HasPrefix(tail, " ") {
			sep = strings.TrimSuffix(sep, " ")
		}
		return prefix + candidates[0] + sep, nil
	}
	// Candidates match the word regardless of case, so their common prefix
	// can be shorter than the word ("alice", "Alan" for "al"): keep the
	// word as typed then.
	common := commonPrefix(candidates)
	if utf8.RuneCountInString(common) < utf8.RuneCountInString(word) {
		common = word
	}
	return prefix + common, candidates
}

// commonPrefix is the longest run of whole runes that every one of ss
// starts with.
func commonPrefix(ss []string) string {
	p := ss[0]
	for _, s := range ss[1:] {
		i := 0
		for i < len(p) && i < len(s) && p[i] == s[i] {
			i++
		}
		for i > 0 && i < len(p) && !utf8.RuneStart(p[i]) {
			i--
		}
		p = p[:i]
	}
	return p
}
