package main

import "encoding/binary"

// crc64 is the checksum at the end of an RDB file: CRC-64/Jones, as Redis computes it
// (crc64.c): polynomial 0xad93d23594c935a9, reflected input and output, initial value 0, no
// final XOR. Its check value: crc64(0, "123456789") = 0xe9c6d914c4b8d9ca.
//
// Go's hash/crc64 cannot compute it: it starts from all ones and inverts the result.
//
// Eight bytes at a time ("slicing-by-8", as Redis's crcspeed.c does it): a table per byte
// position, so that one step folds in a whole word instead of a byte. A snapshot of a
// million keys is about 40 MB to checksum; byte by byte that took a tenth of the load's time.
func crc64(crc uint64, data []byte) uint64 {
	for len(data) >= 8 {
		crc ^= binary.LittleEndian.Uint64(data)
		crc = crc64Tables[7][byte(crc)] ^ crc64Tables[6][byte(crc>>8)] ^ crc64Tables[5][byte(crc>>16)] ^
			crc64Tables[4][byte(crc>>24)] ^ crc64Tables[3][byte(crc>>32)] ^ crc64Tables[2][byte(crc>>40)] ^
			crc64Tables[1][byte(crc>>48)] ^ crc64Tables[0][byte(crc>>56)]
		data = data[8:]
	}
	for _, b := range data {
		crc = crc64Table[byte(crc)^b] ^ (crc >> 8)
	}
	return crc
}

// crc64Tables[k] is the CRC of a byte followed by k zero bytes.
var crc64Tables = func() (tables [8][256]uint64) {
	tables[0] = crc64Table
	for k := 1; k < 8; k++ {
		for i := range 256 {
			prev := tables[k-1][i]
			tables[k][i] = crc64Table[byte(prev)] ^ prev>>8
		}
	}
	return tables
}()

// crc64Table holds the CRC of each byte value, for the reflected polynomial.
var crc64Table = func() (table [256]uint64) {
	const reflectedPoly = 0x95ac9329ac4bc9b5 // 0xad93d23594c935a9 with its bits reversed
	for i := range table {
		crc := uint64(i)
		for range 8 {
			if crc&1 == 1 {
				crc = crc>>1 ^ reflectedPoly
			} else {
				crc >>= 1
			}
		}
		table[i] = crc
	}
	return table
}()
