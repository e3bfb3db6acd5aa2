package importer

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// hashStore holds a run's whole hashes, in the run's order. A run keeps
// only 16 bits of each hash in memory (see seenRun); the store answers
// for the rest, which a lookup needs only when those bits match: a
// repeat, or by chance for about one probe of a run in a thousand (a
// bucket's 32 to 64 keys against 2^16 values).
type hashStore interface {
	at(i int) (uint64, error)
	// reader reads the hashes from the first, in order.
	reader() *hashReader
	close()
}

// fileStore is a store in a temporary file: 8 bytes per hash, little
// endian. The file is unlinked at once where the system allows, so
// nothing is left behind whatever ends the process.
type fileStore struct {
	f    *os.File
	n    int
	name string // still to remove at close, where unlinking an open file failed
}

func (s *fileStore) at(i int) (uint64, error) {
	if i < 0 || i >= s.n {
		return 0, fmt.Errorf("hash %d of a run of %d", i, s.n)
	}
	var b [8]byte
	if _, err := s.f.ReadAt(b[:], int64(i)*8); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

func (s *fileStore) reader() *hashReader {
	return &hashReader{f: s.f, left: s.n, buf: make([]byte, 0, storeChunk)}
}

func (s *fileStore) close() {
	_ = s.f.Close() // read-only use: nothing to lose
	if s.name != "" {
		_ = os.Remove(s.name)
	}
}

// memStore is the store on the heap, where no temporary file could be
// written.
type memStore struct{ h []uint64 }

func (s *memStore) at(i int) (uint64, error) {
	if i < 0 || i >= len(s.h) {
		return 0, fmt.Errorf("hash %d of a run of %d", i, len(s.h))
	}
	return s.h[i], nil
}

func (s *memStore) reader() *hashReader { return &hashReader{mem: s.h, left: len(s.h)} }

func (s *memStore) close() { s.h = nil }

// storeChunk is the bytes a hashReader or storeWriter moves per system
// call.
const storeChunk = 64 << 10

// hashReader reads a store in order, a chunk at a time.
type hashReader struct {
	f    *os.File
	off  int64
	buf  []byte
	pos  int
	mem  []uint64
	left int
}

// next returns the next hash; ok is false at the end of the store.
func (r *hashReader) next() (h uint64, ok bool, err error) {
	if r.left == 0 {
		return 0, false, nil
	}
	if r.f == nil {
		h, r.mem = r.mem[0], r.mem[1:]
		r.left--
		return h, true, nil
	}
	if r.pos == len(r.buf) {
		n := min(r.left*8, storeChunk)
		r.buf = r.buf[:n]
		if _, err := r.f.ReadAt(r.buf, r.off); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return 0, false, err
		}
		r.off += int64(n)
		r.pos = 0
	}
	h = binary.LittleEndian.Uint64(r.buf[r.pos:])
	r.pos += 8
	r.left--
	return h, true, nil
}

// storeWriter writes a new store of a known length, to a file or, when
// it has none, to memory.
type storeWriter struct {
	f    *os.File
	name string
	buf  []byte
	mem  []uint64
	n    int
	err  error
	// createErr is why the store is in memory though a file was asked for.
	createErr error
}

// newStoreWriter starts a store for n hashes in the temporary file create
// makes, or in memory when create is nil or fails.
func newStoreWriter(create func() (*os.File, error), n int) *storeWriter {
	var createErr error
	if create != nil {
		f, err := create()
		if err == nil {
			w := &storeWriter{f: f, buf: make([]byte, 0, storeChunk)}
			if err := os.Remove(f.Name()); err != nil {
				w.name = f.Name()
			}
			return w
		}
		createErr = err
	}
	return &storeWriter{mem: make([]uint64, 0, n), createErr: createErr}
}

func (w *storeWriter) put(h uint64) {
	w.n++
	if w.f == nil {
		w.mem = append(w.mem, h)
		return
	}
	w.buf = binary.LittleEndian.AppendUint64(w.buf, h)
	if len(w.buf) == cap(w.buf) {
		w.flush()
	}
}

func (w *storeWriter) flush() {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.f.Write(w.buf)
	}
	w.buf = w.buf[:0]
}

// finish returns the store, or the error that spoiled the file (which is
// then removed).
func (w *storeWriter) finish() (hashStore, error) {
	if w.f == nil {
		return &memStore{h: w.mem}, nil
	}
	w.flush()
	s := &fileStore{f: w.f, n: w.n, name: w.name}
	if w.err != nil {
		s.close()
		return nil, w.err
	}
	return s, nil
}

// abandon drops a store that is no longer wanted.
func (w *storeWriter) abandon() {
	if s, err := w.finish(); err == nil {
		s.close()
	}
}

// heldInMemory is how many users held back (see sawUser) a store keeps in
// memory; the others go to its temporary file. Such users are the few,
// but a source may have any number: past this, memory would grow with
// it. A variable so tests can walk the file path with a few users.
var heldInMemory = 1024

// heldCreate makes a heldStore's temporary file (tests replace it).
var heldCreate = func() (*os.File, error) { return os.CreateTemp("", "ascendkit-held-*") }

// heldStore keeps, in source order, the users held back until the end of
// the source: the first heldInMemory in memory, the others in a temporary
// file (unlinked at once where the system allows), written and read as a
// stream by its codec.
type heldStore[T any] struct {
	mem   []T
	codec heldCodec[T]
	f     *os.File
	name  string // still to remove at release, where unlinking failed
	w     *bufio.Writer
	put   func(*T) error
	n     int // records in the file
	err   error
}

// heldCodec writes a store's records to its file and reads them back, in
// order: writer starts the stream; reader reads one written from the
// start.
type heldCodec[T any] struct {
	writer func(io.Writer) (put func(*T) error, err error)
	reader func(io.Reader) (next func(*T) error)
}

func newHeldStore[T any](codec heldCodec[T]) *heldStore[T] { return &heldStore[T]{codec: codec} }

// gobCodec streams records with encoding/gob: for records that hold no
// secret (the classification's, which Classified keeps the same way).
func gobCodec[T any]() heldCodec[T] {
	return heldCodec[T]{
		writer: func(w io.Writer) (func(*T) error, error) {
			enc := gob.NewEncoder(w)
			return func(v *T) error { return enc.Encode(v) }, nil
		},
		reader: func(r io.Reader) func(*T) error {
			dec := gob.NewDecoder(r)
			return func(v *T) error { return dec.Decode(v) }
		},
	}
}

// sealedCodec writes each record as enc gives it, sealed with AES-GCM
// under a key that lives only in this process's memory (made anew for
// each store), its ordinal as the nonce: a record may carry a password
// digest, and nothing usable is left on disk, even after a crash.
func sealedCodec[T any](enc func(*T) ([]byte, error), dec func([]byte, *T) error) heldCodec[T] {
	var aead cipher.AEAD
	nonce := func(i uint64) []byte {
		b := make([]byte, aead.NonceSize())
		binary.LittleEndian.PutUint64(b, i)
		return b
	}
	return heldCodec[T]{
		writer: func(w io.Writer) (func(*T) error, error) {
			key := make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return nil, err
			}
			block, err := aes.NewCipher(key)
			if err != nil {
				return nil, err
			}
			if aead, err = cipher.NewGCM(block); err != nil {
				return nil, err
			}
			var i uint64
			return func(v *T) error {
				b, err := enc(v)
				if err != nil {
					return err
				}
				sealed := aead.Seal(nil, nonce(i), b, nil)
				i++
				var n [binary.MaxVarintLen64]byte
				if _, err := w.Write(n[:binary.PutUvarint(n[:], uint64(len(sealed)))]); err != nil {
					return err
				}
				_, err = w.Write(sealed)
				return err
			}, nil
		},
		reader: func(r io.Reader) func(*T) error {
			br := bufio.NewReaderSize(r, storeChunk)
			var buf []byte
			var i uint64
			return func(v *T) error {
				size, err := binary.ReadUvarint(br)
				if err == nil && size > heldRecordMax {
					err = fmt.Errorf("a record of %d bytes", size)
				}
				if err == nil {
					buf = slices.Grow(buf[:0], int(size))[:size]
					_, err = io.ReadFull(br, buf)
				}
				var b []byte
				if err == nil {
					b, err = aead.Open(buf[:0], nonce(i), buf, nil)
					i++
				}
				if err == nil {
					err = dec(b, v)
				}
				return err
			}
		},
	}
}

// heldRecordMax bounds a sealed record read back: a damaged length cannot
// make a read allocate without bound.
const heldRecordMax = 1 << 30

// len is the number of records held.
func (h *heldStore[T]) len() int { return len(h.mem) + h.n }

// add keeps v after the records held so far.
func (h *heldStore[T]) add(v T) error {
	if h.err != nil {
		return h.err
	}
	if h.f == nil && len(h.mem) < heldInMemory {
		h.mem = append(h.mem, v)
		return nil
	}
	if h.f == nil {
		if err := h.open(); err != nil {
			h.err = fmt.Errorf("keeping the users with an unverified address for the end of the source (point TMPDIR at a writable directory with free space): %w", err)
			return h.err
		}
	}
	if err := h.put(&v); err != nil {
		h.err = fmt.Errorf("keeping a user with an unverified address for the end of the source: %w", err)
		return h.err
	}
	h.n++
	return nil
}

func (h *heldStore[T]) open() error {
	f, err := heldCreate()
	if err != nil {
		return err
	}
	h.f = f
	if os.Remove(f.Name()) != nil {
		h.name = f.Name()
	}
	h.w = bufio.NewWriterSize(f, storeChunk)
	h.put, err = h.codec.writer(h.w)
	return err
}

// each calls fn for every record held, in the order they were added,
// until fn fails.
func (h *heldStore[T]) each(fn func(*T) error) error {
	if h.err != nil {
		return h.err
	}
	for i := range h.mem {
		if err := fn(&h.mem[i]); err != nil {
			return err
		}
	}
	if h.f == nil {
		return nil
	}
	if err := h.w.Flush(); err != nil {
		return fmt.Errorf("keeping the users with an unverified address for the end of the source: %w", err)
	}
	next := h.codec.reader(bufio.NewReaderSize(io.NewSectionReader(h.f, 0, 1<<62), storeChunk))
	for range h.n {
		var v T
		if err := next(&v); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("reading back the users with an unverified address from the temporary file: %w", err)
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
	return nil
}

// release frees the store and removes its file.
func (h *heldStore[T]) release() {
	h.mem = nil
	if h.f != nil {
		h.f.Close()
		if h.name != "" {
			os.Remove(h.name)
		}
		h.f, h.w, h.put = nil, nil, nil
	}
	h.n = 0
}
