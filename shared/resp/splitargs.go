package resp

import "bytes"

// SplitArgs splits an inline command line into arguments exactly as Redis's sdssplitargs does
// (the same rules redis-cli and redis.conf use), so a command typed into nc or telnet means
// what it means to real Redis:
//
//   - arguments are separated by runs of spaces, tabs, CR or LF;
//   - "double quotes" allow the escapes \n \r \t \b \a \\ \" and \xHH; any other escaped
//     character stands for itself;
//   - 'single quotes' take everything literally except \' ;
//   - a quote may open in the middle of an argument (a"b" is ab), but a closing quote must be
//     followed by a separator or the end of the line.
//
// It reports ok=false for unbalanced quotes. Like the C original, which works on a C string,
// it stops at a NUL byte.
func SplitArgs(line []byte) (args [][]byte, ok bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p == len(line) {
			return args, true
		}
		var arg []byte
		inDouble, inSingle := false, false
		for done := false; !done; {
			if p == len(line) { // end of line
				if inDouble || inSingle {
					return nil, false
				}
				break
			}
			c := line[p]
			switch {
			case inDouble:
				switch {
				case c == '\\' && p+3 < len(line) && line[p+1] == 'x' && isHex(line[p+2]) && isHex(line[p+3]):
					arg = append(arg, hexValue(line[p+2])<<4|hexValue(line[p+3]))
					p += 3
				case c == '\\' && p+1 < len(line):
					p++
					arg = append(arg, unescape(line[p]))
				case c == '"':
					if p+1 < len(line) && !isSpace(line[p+1]) {
						return nil, false // closing quote must be followed by a space
					}
					done = true
				default:
					arg = append(arg, c)
				}
			case inSingle:
				switch {
				case c == '\\' && p+1 < len(line) && line[p+1] == '\'':
					p++
					arg = append(arg, '\'')
				case c == '\'':
					if p+1 < len(line) && !isSpace(line[p+1]) {
						return nil, false
					}
					done = true
				default:
					arg = append(arg, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t':
					done = true
				case '"':
					inDouble = true
				case '\'':
					inSingle = true
				default:
					arg = append(arg, c)
				}
			}
			p++
		}
		if arg == nil {
			arg = []byte{} // "" is an empty argument, not a missing one
		}
		args = append(args, arg)
	}
}

// isSpace is C's isspace: the separators skipped between arguments.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexValue(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// unescape gives the byte a backslash escape inside double quotes stands for.
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	default:
		return c
	}
}
