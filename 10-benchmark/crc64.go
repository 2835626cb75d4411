package main

// crc64 is the checksum at the end of an RDB file: CRC-64/Jones, as Redis computes it
// (crc64.c): polynomial 0xad93d23594c935a9, reflected input and output, initial value 0, no
// final XOR. Its check value: crc64(0, "123456789") = 0xe9c6d914c4b8d9ca.
//
// Go's hash/crc64 cannot compute it: it starts from all ones and inverts the result.
func crc64(crc uint64, data []byte) uint64 {
	for _, b := range data {
		crc = crc64Table[byte(crc)^b] ^ (crc >> 8)
	}
	return crc
}

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
