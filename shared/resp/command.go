package resp

import "strconv"

// AppendCommand appends a command in the multibulk form clients send, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
// to dst and returns the extended slice. The arguments are strings or byte slices.
func AppendCommand[Arg string | []byte](dst []byte, args ...Arg) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// Command returns one command in the multibulk form, as a string.
func Command(args ...string) string { return string(AppendCommand(nil, args...)) }
