package importer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
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
