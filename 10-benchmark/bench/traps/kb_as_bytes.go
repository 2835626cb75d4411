//go:build ignore

// Exercise 3: taking VmRSS's figure as bytes, where it is in kB of 1,024 bytes

package bench

import (
	"bytes"
	"errors"
	"strconv"
)

func residentBytes(status []byte) (int64, error) {
	for line := range bytes.Lines(status) {
		if value, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			return strconv.ParseInt(string(bytes.Fields(value)[0]), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS line")
}
