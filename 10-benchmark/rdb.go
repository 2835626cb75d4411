package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unsafe"

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
	scratch [9]byte // for lengths and integers: a literal []byte{...} would be allocated for every one
}

func (r *rdbWriter) bytes(p []byte) {
	r.crc = crc64(r.crc, p)
	r.w.Write(p)
}

func (r *rdbWriter) byte(b byte) {
	r.crc = crc64Table[byte(r.crc)^b] ^ r.crc>>8
	r.w.WriteByte(b)
}

// small writes the first bytes of scratch, filled by the caller.
func (r *rdbWriter) small(n int) { r.bytes(r.scratch[:n]) }

// length writes a length: 6 bits in one byte, 14 bits in two, else 0x80 and 4 bytes or 0x81
// and 8 bytes, big-endian.
func (r *rdbWriter) length(n uint64) {
	switch {
	case n < 1<<6:
		r.byte(byte(n))
	case n < 1<<14:
		r.scratch[0], r.scratch[1] = 0x40|byte(n>>8), byte(n)
		r.small(2)
	case n <= 1<<32-1:
		r.scratch[0] = 0x80
		binary.BigEndian.PutUint32(r.scratch[1:], uint32(n))
		r.small(5)
	default:
		r.scratch[0] = 0x81
		binary.BigEndian.PutUint64(r.scratch[1:], n)
		r.small(9)
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
				r.scratch[0], r.scratch[1] = encInt8, byte(n)
				r.small(2)
				return
			case n >= -1<<15 && n < 1<<15:
				r.scratch[0] = encInt16
				binary.LittleEndian.PutUint16(r.scratch[1:], uint16(n))
				r.small(3)
				return
			case n >= -1<<31 && n < 1<<31:
				r.scratch[0] = encInt32
				binary.LittleEndian.PutUint32(r.scratch[1:], uint32(n))
				r.small(5)
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
func writeRDB(w io.Writer, snapshot keyspaceImage, now int64, options rdbOptions) error {
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

	// RESIZEDB's sizes are hints for the reader's hash tables: as Redis, the keys and the keys
	// with an expiry the keyspace held, expired or not.
	if keys, expires := snapshot.size(); keys > 0 {
		r.byte(opSelectDB)
		r.length(0)
		r.byte(opResizeDB)
		r.length(uint64(keys))
		r.length(uint64(expires))
	}
	err := snapshot.each(func(key string, e entry) error {
		if e.expireAt != 0 && e.expireAt < now {
			return nil
		}
		if e.expireAt != 0 {
			r.scratch[0] = opExpireTimeMs
			binary.LittleEndian.PutUint64(r.scratch[1:], uint64(e.expireAt))
			r.small(9)
		}
		r.byte(typeString)
		r.string(unsafe.Slice(unsafe.StringData(key), len(key))) // only read: no copy needed
		r.string(e.value)
		return nil // a write error sticks in the buffer, and Flush returns it
	})
	if err != nil {
		return err
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
	r       *bufio.Reader
	crc     uint64
	scratch [9]byte
}

// fixed reads n bytes (9 at most) into a buffer that the next read reuses: lengths,
// integers and expiry times, read without allocating.
func (r *rdbReader) fixed(n int) ([]byte, error) {
	if _, err := io.ReadFull(r.r, r.scratch[:n]); err != nil {
		return nil, errUnexpectedEnd(err)
	}
	r.crc = crc64(r.crc, r.scratch[:n])
	return r.scratch[:n], nil
}

func (r *rdbReader) read(n int) ([]byte, error) {
	if n <= 1<<16 { // most strings: one allocation
		buf := make([]byte, n)
		if _, err := io.ReadFull(r.r, buf); err != nil {
			return nil, errUnexpectedEnd(err)
		}
		r.crc = crc64(r.crc, buf)
		return buf, nil
	}
	// Grow with the data actually read, so that a corrupt length cannot claim gigabytes.
	buf := make([]byte, 0, 1<<16)
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
	b, err := r.fixed(1)
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
			b, err := r.fixed(4)
			if err != nil {
				return 0, false, err
			}
			return uint64(binary.BigEndian.Uint32(b)), false, nil
		case 0x81:
			b, err := r.fixed(8)
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
		b, err := r.fixed(1)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int8(b[0])), 10), nil
	case encInt16:
		b, err := r.fixed(2)
		if err != nil {
			return nil, err
		}
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(b))), 10), nil
	case encInt32:
		b, err := r.fixed(4)
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

// readRDB reads a whole RDB file, versions 1 to 12, into a new keyspace. Keys whose expiry
// had passed at now (Unix ms) are dropped, as a Redis master drops them on load. A file with
// anything this server cannot hold (another value type, another database, module data) is
// refused, so that nothing is ever half-loaded.
func readRDB(in io.Reader, now int64) (map[string]entry, error) {
	keys := entryMap{}
	if err := readRDBInto(in, now, keys); err != nil {
		return nil, err
	}
	return keys, nil
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

// historyLoader is a keyspaceLoader that also keeps the dump's replication history.
type historyLoader struct {
	keyspaceLoader
	dumpHistory
}

// keyspaceLoader receives the keys of a file being loaded.
type keyspaceLoader interface {
	resize(keys int) // the keys the file says it holds (RESIZEDB), before them
	put(key string, e entry)
}

func (m entryMap) resize(int)              {}
func (m entryMap) put(key string, e entry) { m[key] = e }

// readRDBInto reads an RDB file as readRDB does, giving each key to keys.
func readRDBInto(in io.Reader, now int64, keys keyspaceLoader) error {
	r := &rdbReader{r: bufio.NewReaderSize(in, 1<<16)}
	header, err := r.fixed(9)
	if err != nil || string(header[:5]) != "REDIS" {
		return errors.New("Wrong signature trying to load DB from file")
	}
	version, _ := strconv.Atoi(string(header[5:])) // 0 when not a number, as C's atoi says
	if version < 1 || version > rdbNewestVersion {
		return fmt.Errorf("Can't handle RDB format version %d", version)
	}
	var expireAt int64 // the expiry of the next key, if hasExpiry
	hasExpiry := false
	for {
		opcode, err := r.byte()
		if err != nil {
			return err
		}
		switch opcode {
		case opAux:
			key, err := r.string()
			if err != nil {
				return err
			}
			value, err := r.string()
			if err != nil {
				return err
			}
			if history, ok := keys.(*historyLoader); ok {
				history.aux(string(key), string(value))
			}
		case opResizeDB:
			size, _, err := r.length()
			if err != nil {
				return err
			}
			if _, _, err := r.length(); err != nil { // the keys with an expiry
				return err
			}
			keys.resize(int(min(size, 1<<30)))
		case opSlotInfo:
			for range 3 {
				if _, _, err := r.length(); err != nil {
					return err
				}
			}
		case opExpireTimeMs:
			b, err := r.fixed(8)
			if err != nil {
				return err
			}
			expireAt, hasExpiry = int64(binary.LittleEndian.Uint64(b)), true
		case opExpireTime: // the old form, written before Redis 3.0 (step 06's exercise 1)
			if expireAt, err = readExpireSeconds(r); err != nil {
				return err
			}
			hasExpiry = true
		case opIdle, opFreq: // LRU and LFU information (step 06's exercise 2)
			if err := skipEvictionInfo(r, opcode); err != nil {
				return err
			}
		case opSelectDB:
			db, _, err := r.length()
			if err != nil {
				return err
			}
			if db != 0 {
				return fmt.Errorf("the file has keys in database %d, and this server has one database", db)
			}
		case opModuleAux:
			return errors.New("the file holds module data, which this server does not implement")
		case opFunction, opFunction2:
			return errors.New("the file holds functions, which this server does not implement")
		case opEOF:
			return r.verifyChecksum(version)
		case typeString:
			key, err := r.string()
			if err != nil {
				return err
			}
			value, err := r.string()
			if err != nil {
				return err
			}
			// The key's bytes are its own, and never written again: the string can share them.
			name := unsafe.String(unsafe.SliceData(key), len(key))
			if !hasExpiry {
				keys.put(name, entry{value: value})
			} else if expireAt > now { // an expiry from a file is a moment: 0 is long past
				keys.put(name, entry{value: value, expireAt: expireAt})
			}
			hasExpiry = false
		default:
			if name, ok := rdbTypeNames[opcode]; ok {
				return fmt.Errorf("the file holds a %s (RDB type %d), which this server does not implement", name, opcode)
			}
			return fmt.Errorf("unknown RDB opcode or type %d", opcode)
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
	b, err := r.fixed(4)
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
