package main

import "errors"

// LZF is the compression Redis uses for long strings in RDB files (liblzf). Its format is a
// sequence of chunks, each starting with a control byte c:
//
//	c < 32:  a literal run: the next c+1 bytes are copied as they are
//	c >= 32: a back reference: length = c>>5 (if 7, add the next byte), offset = (c&31)<<8 +
//	         the next byte; copy length+2 bytes starting offset+1 bytes back in the output
//
// A back reference may overlap what it produces ("a" then "copy 196 bytes from 1 back" makes
// 197 "a"s), which is why lzfDecompress copies byte by byte.

var errLZF = errors.New("invalid LZF data")

// lzfDecompress expands data into exactly size bytes.
func lzfDecompress(data []byte, size int) ([]byte, error) {
	out := make([]byte, 0, size)
	for i := 0; i < len(data); {
		c := int(data[i])
		i++
		if c < 32 {
			n := c + 1
			if i+n > len(data) || len(out)+n > size {
				return nil, errLZF
			}
			out = append(out, data[i:i+n]...)
			i += n
			continue
		}
		length := c >> 5
		if length == 7 {
			if i >= len(data) {
				return nil, errLZF
			}
			length += int(data[i])
			i++
		}
		if i >= len(data) {
			return nil, errLZF
		}
		back := (c&31)<<8 + int(data[i]) + 1
		i++
		length += 2
		if back > len(out) || len(out)+length > size {
			return nil, errLZF
		}
		start := len(out) - back
		for j := range length {
			out = append(out, out[start+j])
		}
	}
	if len(out) != size {
		return nil, errLZF
	}
	return out, nil
}

// lzfCompress compresses data, returning nil if the result would be longer than limit bytes.
// It finds repeats with a hash of each 3-byte sequence, as liblzf does; its output may differ
// from liblzf's byte for byte, but any LZF decoder (Redis's included) reads it.
func lzfCompress(data []byte, limit int) []byte {
	const (
		hashBits   = 14
		maxLiteral = 32
		maxOffset  = 1 << 13
		maxRef     = 255 + 7 + 2 // longest back reference: 264 bytes
	)
	var table [1 << hashBits]int // position+1 of the last 3-byte sequence with this hash
	out := make([]byte, 0, limit)
	literal := -1 // index in out of the current literal run's control byte, or -1
	emitLiteral := func(b byte) {
		if literal < 0 || out[literal] == maxLiteral-1 {
			out = append(out, 0)
			literal = len(out) - 1
		} else {
			out[literal]++
		}
		out = append(out, b)
	}
	for i := 0; i < len(data); {
		if len(out) > limit {
			return nil
		}
		if i+2 < len(data) {
			h := (uint32(data[i])<<16 | uint32(data[i+1])<<8 | uint32(data[i+2])) * 2654435761 >> (32 - hashBits)
			ref := table[h] - 1
			table[h] = i + 1
			if ref >= 0 && i-ref <= maxOffset && data[ref] == data[i] && data[ref+1] == data[i+1] && data[ref+2] == data[i+2] {
				length := 3
				for i+length < len(data) && length < maxRef && data[ref+length] == data[i+length] {
					length++
				}
				offset := i - ref - 1
				n := length - 2
				if n < 7 {
					out = append(out, byte(n<<5|offset>>8))
				} else {
					out = append(out, byte(7<<5|offset>>8), byte(n-7))
				}
				out = append(out, byte(offset))
				literal = -1
				i += length
				continue
			}
		}
		emitLiteral(data[i])
		i++
	}
	if len(out) > limit {
		return nil
	}
	return out
}
