//go:build !unix

package importer

import "os"

// lockFile cannot lock here (see errLockUnsupported).
func lockFile(*os.File) error { return errLockUnsupported }
