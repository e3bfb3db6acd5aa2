// Package outfile writes the output of the data generators (genusers,
// genpasswords): to stdout for "-", else to a file that appears whole or
// not at all, so a failed run never leaves a truncated export behind for
// a benchmark to read.
package outfile

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Write runs fn on a buffered writer to path ("-" for stdout) and flushes
// it. A file is written under a temporary name beside path and renamed
// over it only when fn, the flush and the close all succeeded.
func Write(path string, fn func(w io.Writer) error) error {
	if path == "-" {
		bw := bufio.NewWriter(os.Stdout)
		return errors.Join(fn(bw), bw.Flush())
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if pe, ok := err.(*os.PathError); ok {
		return &os.PathError{Op: "create", Path: path, Err: pe.Err} // the name asked for, not the temporary one
	}
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	err = fn(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644) // as os.Create would leave it (umask 022)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}
