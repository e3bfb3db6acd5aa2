package cli

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// profileEnv names a file to write a CPU profile of the whole command to:
// the bench scripts' figures say how fast, a profile says where the time
// goes. It is for developers, so it is an environment variable rather
// than a flag in every command's help.
const profileEnv = "ASCENDKIT_CPUPROFILE"

// startProfile starts a CPU profile into path; stop ends it and closes the
// file.
func startProfile(path string) (stop func() error, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}
