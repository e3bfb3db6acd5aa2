package importer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// lockName is the file a temporary directory's process holds locked
// for as long as it uses the directory.
const lockName = ".lock"

// errLockUnsupported is lockFile's where files cannot be locked: TempDir
// then works without, and the sweep removes nothing.
var errLockUnsupported = errors.New("file locks are not supported here")

// tempLocks are the lock files of the directories TempDir made, by
// directory, held until RemoveTempDir.
var tempLocks = struct {
	sync.Mutex
	m map[string]*os.File
}{m: map[string]*os.File{}}

// TempDir makes a private (0700) temporary directory whose name starts
// with prefix, and holds a lock in it until RemoveTempDir. First it
// removes the directories of the same prefix that a process left behind
// when it died without removing them (kill -9, a crash, the machine
// losing power): their lock is held by no one. What those hold (a
// passwords file's Clerk ids and sealed digests, a preview's empty
// environment) is then nobody's, and was kept for good. A directory
// less than a minute old is never taken for one: its process may not
// hold its lock yet.
func TempDir(prefix string) (string, error) {
	sweepTempDirs(prefix)
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if err := lockFile(f); err != nil && !errors.Is(err, errLockUnsupported) {
		f.Close()
		os.RemoveAll(dir)
		return "", err
	}
	tempLocks.Lock()
	tempLocks.m[dir] = f
	tempLocks.Unlock()
	return dir, nil
}

// RemoveTempDir removes a directory TempDir made and lets go of its lock.
func RemoveTempDir(dir string) error {
	err := os.RemoveAll(dir)
	tempLocks.Lock()
	f := tempLocks.m[dir]
	delete(tempLocks.m, dir)
	tempLocks.Unlock()
	if f != nil {
		f.Close()
	}
	return err
}

// sweepTempDirs removes the directories of prefix in the temporary
// directory whose lock no process holds (see TempDir).
func sweepTempDirs(prefix string) {
	base := os.TempDir()
	ents, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < time.Minute {
			continue
		}
		dir := filepath.Join(base, e.Name())
		f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR, 0)
		if err != nil {
			continue // no lock file: not made by TempDir, left alone
		}
		if lockFile(f) == nil {
			// No one held it: its process is gone.
			os.RemoveAll(dir)
		}
		f.Close()
	}
}

// TempFile creates a private (0600) file in dir named by pattern, as
// os.CreateTemp does, and locks it for as long as it is open. First it
// removes the files of the same pattern in dir that a process left
// behind when it died before renaming or removing them (kill -9): their
// lock is held by no one and they are over a minute old (a fresh one's
// process may not hold its lock yet). Such a file (an --entries file
// being written, people's addresses and names) was otherwise kept for
// good beside the one the user asked for.
func TempFile(dir, pattern string) (*os.File, error) {
	sweepTempFiles(dir, pattern)
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	// A file system that refuses locks (some network and FUSE mounts)
	// refuses the sweep's too: the file is written unlocked and nothing
	// is swept there.
	_ = lockFile(f)
	return f, nil
}

// sweepTempFiles removes the files of pattern in dir whose lock no
// process holds (see TempFile).
func sweepTempFiles(dir, pattern string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	// os.CreateTemp puts decimal digits where the last * is: matched
	// as such, not as a glob (a name may hold [ or *), so no other file
	// of the directory is taken for one.
	prefix, suffix := pattern, ""
	if i := strings.LastIndex(pattern, "*"); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) || len(name) <= len(prefix)+len(suffix) ||
			strings.Trim(name[len(prefix):len(name)-len(suffix)], "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < time.Minute {
			continue
		}
		path := filepath.Join(dir, e.Name())
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if lockFile(f) == nil {
			os.Remove(path) // no one held it: its process is gone
		}
		f.Close()
	}
}
