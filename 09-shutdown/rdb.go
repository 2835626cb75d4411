package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"byoredis/shared/resp"
)

// The RDB file format, version 10 (Redis 7.0), as Redis's src/rdb.c writes it:
//
//	"REDIS0010"                              magic and version
//	FA <key> <value> ...                     AUX fields: redis-ver, ctime, ...
//	FE <db>  FB <keys> <keys with expiry>    SELECTDB, RESIZEDB
//	[FC <8-byte ms>] 00 <key> <value> ...    one entry per key: expiry, type 0 (string)
//	FF <8-byte CRC-64>                       EOF, checksum of everything before it
const (
	rdbVersion       = 10 // what this server writes: Redis 7.0 and later load it
	rdbNewestVersion = 12 // what it reads: Redis 7.2 writes 11, 7.4 writes 12

	opSlotInfo     = 0xF4 // cluster slot information (7.4)
	opFunction2    = 0xF5
	opFunction     = 0xF6
	opModuleAux    = 0xF7
	opIdle         = 0xF8
	opFreq         = 0xF9
	opAux          = 0xFA
	opResizeDB     = 0xFB
	opExpireTimeMs = 0xFC
	opExpireTime   = 0xFD
	opSelectDB     = 0xFE
	opEOF          = 0xFF

	typeString = 0

	encInt8  = 0xC0 // special string encodings: the top two bits set
	encInt16 = 0xC1
	encInt32 = 0xC2
	encLZF   = 0xC3
)

// rdbOptions are the settings that change what the writer writes.
type rdbOptions struct {
	compression bool // rdbcompression: LZF-compress strings longer than 20 bytes
	checksum    bool // rdbchecksum: without it, the checksum is 8 zero bytes
	aofBase     bool // the file is the base of an append-only file (aux aof-base 1)
	// replID and replOffset: the replication history and offset the snapshot is at (aux
	// repl-id and repl-offset), for a replica it is sent to, and in a dump file for this
	// server restarted as a replica; "" for none.
	replID     string
	replOffset int64
}

// rdbWriter writes RDB values, keeping the running checksum.
type rdbWriter struct {
	w       *bufio.Writer
	crc     uint64
	options rdbOptions
}

func (r *rdbWriter) bytes(p []byte) {
	r.crc = crc64(r.crc, p)
	r.w.Write(p)
}

func (r *rdbWriter) byte(b byte) { r.bytes([]byte{b}) }

// length writes a length: 6 bits in one byte, 14 bits in two, else 0x80 and 4 bytes or 0x81
// and 8 bytes, big-endian.
func (r *rdbWriter) length(n uint64) {
	switch {
	case n < 1<<6:
		r.byte(byte(n))
	case n < 1<<14:
		r.bytes([]byte{0x40 | byte(n>>8), byte(n)})
	case n <= 1<<32-1:
		r.bytes(binary.BigEndian.AppendUint32([]byte{0x80}, uint32(n)))
	default:
		r.bytes(binary.BigEndian.AppendUint64([]byte{0x81}, n))
	}
}

// string writes a string in the smallest of Redis's encodings: as an integer if it is the
// canonical form of one that fits 32 bits, LZF-compressed if it is longer than 20 bytes and
// compressing saves at least 4 of them, else as it is (rdbSaveRawString).
func (r *rdbWriter) string(s []byte) {
	if len(s) <= 11 {
		if n, ok := resp.ParseInt(s); ok && strconv.FormatInt(n, 10) == string(s) {
			switch {
			case n >= -1<<7 && n < 1<<7:
				r.bytes([]byte{encInt8, byte(n)})
				return
			case n >= -1<<15 && n < 1<<15:
				r.bytes(binary.LittleEndian.AppendUint16([]byte{encInt16}, uint16(n)))
				return
			case n >= -1<<31 && n < 1<<31:
				r.bytes(binary.LittleEndian.AppendUint32([]byte{encInt32}, uint32(n)))
				return
			}
		}
	}
	if r.options.compression && len(s) > 20 {
		if compressed := lzfCompress(s, len(s)-4); compressed != nil {
			r.byte(encLZF)
			r.length(uint64(len(compressed)))
			r.length(uint64(len(s)))
			r.bytes(compressed)
			return
		}
	}
	r.length(uint64(len(s)))
	r.bytes(s)
}

func (r *rdbWriter) aux(key, value string) {
	r.byte(opAux)
	r.string([]byte(key))
	r.string([]byte(value))
}

// writeRDB writes a snapshot of the keyspace as an RDB file. Keys whose expiry has passed
// (at now, Unix ms) are left out.
func writeRDB(w io.Writer, snapshot map[string]entry, now int64, options rdbOptions) error {
	r := &rdbWriter{w: bufio.NewWriterSize(w, 1<<20), options: options}
	r.bytes(fmt.Appendf(nil, "REDIS%04d", rdbVersion))
	r.aux("redis-ver", redisVersion)
	r.aux("redis-bits", "64")
	r.aux("ctime", strconv.FormatInt(now/1000, 10))
	r.aux("used-mem", "0")
	if options.replID != "" {
		r.aux("repl-stream-db", "0")
		r.aux("repl-id", options.replID)
		r.aux("repl-offset", strconv.FormatInt(options.replOffset, 10))
	}
	aofBase := "0"
	if options.aofBase {
		aofBase = "1"
	}
	r.aux("aof-base", aofBase)

	live, withExpiry := 0, 0
	for _, e := range snapshot {
		if e.expireAt == 0 || e.expireAt >= now {
			live++
			if e.expireAt != 0 {
				withExpiry++
			}
		}
	}
	if live > 0 {
		r.byte(opSelectDB)
		r.length(0)
		r.byte(opResizeDB)
		r.length(uint64(live))
		r.length(uint64(withExpiry))
	}
	for key, e := range snapshot {
		if e.expireAt != 0 && e.expireAt < now {
			continue
		}
		if e.expireAt != 0 {
			r.bytes(binary.LittleEndian.AppendUint64([]byte{opExpireTimeMs}, uint64(e.expireAt)))
		}
		r.byte(typeString)
		r.string([]byte(key))
		r.string(e.value)
	}
	r.byte(opEOF)
	checksum := r.crc
	if !options.checksum {
		checksum = 0 // "no checksum": readers skip the check
	}
	r.w.Write(binary.LittleEndian.AppendUint64(nil, checksum))
	return r.w.Flush()
}

// rdbReader reads RDB values, keeping the running checksum of what it read.
type rdbReader struct {
	r   *bufio.Reader
	crc uint64
}

func (r *rdbReader) read(n int) ([]byte, error) {
	// Grow with the data actually read, so that a corrupt length cannot claim gigabytes.
	buf := make([]byte, 0, min(n, 1<<16))
	for len(buf) < n {
		chunk := min(n-len(buf), 1<<16)
		start := len(buf)
		buf = append(buf, make([]byte, chunk)...)
		if _, err := io.ReadFull(r.r, buf[start:]); err != nil {
			return nil, errUnexpectedEnd(err)
		}
	}
	r.crc = crc64(r.crc, buf)
	return buf, nil
}

func (r *rdbReader) byte() (byte, error) {
	b, err := r.read(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// errUnexpectedEnd is the error for input that ends inside the file, in Redis's words; it
// is an io.ErrUnexpectedEOF.
func errUnexpectedEnd(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errRDBCutShort
	}
	return err
}

var errRDBCutShort = fmt.Errorf("Unexpected EOF reading RDB file (%w)", io.ErrUnexpectedEOF)

// length reads a length; special is set when the first byte announces a special string
// encoding instead (0xC0-0xC3), whose number is then returned.
func (r *rdbReader) length() (n uint64, special bool, err error) {
	first, err := r.byte()
	if err != nil {
		return 0, false, err
	}
	switch first >> 6 {
	case 0:
		return uint64(first & 0x3F), false, nil
	case 1:
		next, err := r.byte()
		return uint64(first&0x3F)<<8 | uint64(next), false, err
	case 2:
		switch first {
		case 0x80:
			b, err := r.read(4)
			if err != nil {
				return 0, false, err
			}
			return uint64(binary.BigEndian.Uint32(b)), false, nil
		case 0x81:
			b, err := r.read(8)
			if err != nil {
				return 0, false, err
			}
			return binary.BigEndian.Uint64(b), false, nil
		}
		return 0, false, fmt.Errorf("unknown length encoding 0x%02x", first)
	default:
		return uint64(first), true, nil
	}
}

// string reads a string in any of Redis's encodings.
func (r *rdbReader) string() ([]byte, error) {
	n, special, err := r.length()
	if err != nil || !special {
		if err != nil {
			return nil, err
		}
		return r.read(int(min(n, 1<<40)))
	}
	switch n {
	case encInt8:
		b, err := r.read(1)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int8(b[0])), 10), nil
	case encInt16:
		b, err := r.read(2)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(b))), 10), nil
	case encInt32:
		b, err := r.read(4)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(b))), 10), nil
	case encLZF:
		compressedLen, _, err := r.length()
		if err != nil {
			return nil, err
		}
		size, _, err := r.length()
		if err != nil {
			return nil, err
		}
		compressed, err := r.read(int(min(compressedLen, 1<<40)))
		if err != nil {
			return nil, err
		}
		if size > 1<<32 || size > compressedLen*256+64 { // LZF cannot expand more than that
			return nil, errLZF
		}
		return lzfDecompress(compressed, int(size))
	}
	return nil, fmt.Errorf("unknown string encoding 0x%02x", n)
}

// rdbTypeNames names the value types this server does not implement, for the error that
// refuses such a file.
var rdbTypeNames = map[byte]string{
	1: "list", 2: "set", 3: "sorted set", 4: "hash", 5: "sorted set", 6: "module value", 7: "module value",
	9: "hash (zipmap)", 10: "list (ziplist)", 11: "set (intset)", 12: "sorted set (ziplist)", 13: "hash (ziplist)",
	14: "list (quicklist)", 15: "stream", 16: "hash (listpack)", 17: "sorted set (listpack)", 18: "list (quicklist)",
	19: "stream", 20: "set (listpack)", 21: "stream",
}

// dumpHistory is the replication history a dump file is at (aux repl-id and repl-offset),
// for a replica restarted from it; replID is "" when it names none.
type dumpHistory struct {
	replID string
	offset int64
}

// aux keeps the aux fields of a history.
func (h *dumpHistory) aux(key, value string) {
	switch key {
	case "repl-id":
		if len(value) == 40 {
			h.replID = value
		}
	case "repl-offset":
		if offset, err := strconv.ParseInt(value, 10, 64); err == nil && offset >= 0 {
			h.offset = offset
		}
	}
}

// readRDB reads a whole RDB file, versions 1 to 12, into a new keyspace. Keys whose expiry
// had passed at now (Unix ms) are dropped, as a Redis master drops them on load. A file with
// anything this server cannot hold (another value type, another database, module data) is
// refused, so that nothing is ever half-loaded.
func readRDB(in io.Reader, now int64) (map[string]entry, error) { return readDump(in, now, nil) }

// readDump is readRDB that also keeps the file's replication history in history, if not nil.
func readDump(in io.Reader, now int64, history *dumpHistory) (map[string]entry, error) {
	r := &rdbReader{r: bufio.NewReaderSize(in, 1<<16)}
	header, err := r.read(9)
	if err != nil || string(header[:5]) != "REDIS" {
		return nil, errors.New("Wrong signature trying to load DB from file")
	}
	version, _ := strconv.Atoi(string(header[5:])) // 0 when not a number, as C's atoi says
	if version < 1 || version > rdbNewestVersion {
		return nil, fmt.Errorf("Can't handle RDB format version %d", version)
	}
	keys := map[string]entry{}
	var expireAt int64 // the expiry of the next key, if hasExpiry
	hasExpiry := false
	for {
		opcode, err := r.byte()
		if err != nil {
			return nil, err
		}
		switch opcode {
		case opAux:
			key, err := r.string()
			if err != nil {
				return nil, err
			}
			value, err := r.string()
			if err != nil {
				return nil, err
			}
			if history != nil {
				history.aux(string(key), string(value))
			}
		case opResizeDB:
			for range 2 {
				if _, _, err := r.length(); err != nil {
					return nil, err
				}
			}
		case opSlotInfo:
			for range 3 {
				if _, _, err := r.length(); err != nil {
					return nil, err
				}
			}
		case opExpireTimeMs:
			b, err := r.read(8)
			if err != nil {
				return nil, err
			}
			expireAt, hasExpiry = int64(binary.LittleEndian.Uint64(b)), true
		case opExpireTime: // the old form, written before Redis 3.0 (step 06's exercise 1)
			if expireAt, err = readExpireSeconds(r); err != nil {
				return nil, err
			}
			hasExpiry = true
		case opIdle, opFreq: // LRU and LFU information (step 06's exercise 2)
			if err := skipEvictionInfo(r, opcode); err != nil {
				return nil, err
			}
		case opSelectDB:
			db, _, err := r.length()
			if err != nil {
				return nil, err
			}
			if db != 0 {
				return nil, fmt.Errorf("the file has keys in database %d, and this server has one database", db)
			}
		case opModuleAux:
			return nil, errors.New("the file holds module data, which this server does not implement")
		case opFunction, opFunction2:
			return nil, errors.New("the file holds functions, which this server does not implement")
		case opEOF:
			return keys, r.verifyChecksum(version)
		case typeString:
			key, err := r.string()
			if err != nil {
				return nil, err
			}
			value, err := r.string()
			if err != nil {
				return nil, err
			}
			if !hasExpiry {
				keys[string(key)] = entry{value: value}
			} else if expireAt > now { // an expiry from a file is a moment: 0 is long past
				keys[string(key)] = entry{value: value, expireAt: expireAt}
			}
			hasExpiry = false
		default:
			if name, ok := rdbTypeNames[opcode]; ok {
				return nil, fmt.Errorf("the file holds a %s (RDB type %d), which this server does not implement", name, opcode)
			}
			return nil, fmt.Errorf("unknown RDB opcode or type %d", opcode)
		}
	}
}

// verifyChecksum reads the 8 bytes after EOF (versions 5 and later have them) and compares
// them with the checksum of everything before. A stored checksum of 0 means the writer had
// rdbchecksum off, and is accepted.
func (r *rdbReader) verifyChecksum(version int) error {
	if version < 5 {
		return nil
	}
	computed := r.crc
	stored := make([]byte, 8)
	if _, err := io.ReadFull(r.r, stored); err != nil {
		return errUnexpectedEnd(err)
	}
	// Redis's words, where "expected" is the checksum computed and "got" the one stored.
	if got := binary.LittleEndian.Uint64(stored); got != 0 && got != computed {
		return fmt.Errorf("Wrong RDB checksum expected: (%x) but got (%x). Aborting now. (RDB CRC error)", computed, got)
	}
	return nil
}

// The FD operand is 4 bytes, little-endian, *signed*: a time past 2038 reads as negative and
// the key is dropped as long expired, exactly as Redis 7.0 reads it.
func readExpireSeconds(r *rdbReader) (int64, error) {
	b, err := r.read(4)
	if err != nil {
		return 0, err
	}
	return int64(int32(binary.LittleEndian.Uint32(b))) * 1000, nil
}

// IDLE's operand is a length-encoded number of seconds; FREQ's is one byte. This server does
// not evict, so it only reads past them.
func skipEvictionInfo(r *rdbReader, opcode byte) error {
	if opcode == opIdle {
		_, _, err := r.length()
		return err
	}
	_, err := r.byte()
	return err
}
