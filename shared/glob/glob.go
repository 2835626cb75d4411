// Package glob matches keys, channels and configuration names against glob patterns as
// Redis does.
package glob

// Match reports whether s matches the glob pattern, with Redis's rules (a port of
// stringmatchlen in util.c, used by KEYS, PSUBSCRIBE and CONFIG GET):
//
//   - any run of bytes, the empty one included
//     ?      exactly one byte
//     [abc]  one of a, b, c; [^abc] any but those; [a-z] a range
//     \x     the byte x itself (\*, \?, \[)
//
// Unlike a shell, "[!a]" is not a negation here: "!" is just a byte in the set.
func Match(pattern, s string, noCase bool) bool {
	matched, _ := matchFrom(pattern, s, noCase)
	return matched
}

// matchFrom does the work. Its second result says that no longer match is possible: once
// a "*" failed to match any suffix of s, giving it more of s cannot help, and saying so keeps
// patterns like "a*a*a*a*b" from taking exponential time.
func matchFrom(pattern, s string, noCase bool) (matched, hopeless bool) {
	p := 0
	for p < len(pattern) && len(s) > 0 {
		switch pattern[p] {
		case '*':
			for p+1 < len(pattern) && pattern[p+1] == '*' {
				p++
			}
			if p+1 == len(pattern) {
				return true, false
			}
			for len(s) > 0 {
				matched, hopeless := matchFrom(pattern[p+1:], s, noCase)
				if matched {
					return true, false
				}
				if hopeless {
					return false, true
				}
				s = s[1:]
			}
			return false, true
		case '?':
			s = s[1:]
		case '[':
			p++
			negate := p < len(pattern) && pattern[p] == '^'
			if negate {
				p++
			}
			match := false
			for {
				if p < len(pattern) && pattern[p] == '\\' && len(pattern)-p >= 2 {
					p++
					match = match || pattern[p] == s[0]
				} else if p < len(pattern) && pattern[p] == ']' {
					break
				} else if p >= len(pattern) { // no closing "]": end at the last byte
					p--
					break
				} else if len(pattern)-p >= 3 && pattern[p+1] == '-' {
					start, end, c := pattern[p], pattern[p+2], s[0]
					if start > end {
						start, end = end, start
					}
					if noCase {
						start, end, c = lower(start), lower(end), lower(c)
					}
					p += 2
					match = match || c >= start && c <= end
				} else {
					match = match || equalByte(pattern[p], s[0], noCase)
				}
				p++
			}
			if negate {
				match = !match
			}
			if !match {
				return false, false
			}
			s = s[1:]
		case '\\':
			if len(pattern)-p >= 2 {
				p++
			}
			fallthrough
		default:
			if !equalByte(pattern[p], s[0], noCase) {
				return false, false
			}
			s = s[1:]
		}
		p++
		if len(s) == 0 {
			for p < len(pattern) && pattern[p] == '*' {
				p++
			}
			break
		}
	}
	return p == len(pattern) && len(s) == 0, false
}

func equalByte(a, b byte, noCase bool) bool {
	if noCase {
		return lower(a) == lower(b)
	}
	return a == b
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
