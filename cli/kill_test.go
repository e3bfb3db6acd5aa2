package cli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
	"github.com/ascendkit/ascendkit/importer"
)

// childEnv marks the test binary re-run as a plain CLI process by
// TestKilledImportReRuns; its arguments follow in childArgs, one a line.
const childEnv, childArgs = "ASCENDKIT_CLI_CHILD", "ASCENDKIT_CLI_CHILD_ARGS"

// TestCLIChildProcess is not a test of its own: it is the CLI process that
// TestKilledImportReRuns starts and kills. Run normally it has nothing to do.
func TestCLIChildProcess(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		return
	}
	ios := &IO{In: strings.NewReader(""), Out: os.Stdout, ErrOut: os.Stderr}
	ctx, stop := signalContext() // as Execute
	defer stop()
	os.Exit(Run(ctx, ios, strings.Split(os.Getenv(childArgs), "\n")))
}

func TestKilledImportReRuns(t *testing.T) { eachBackend(t, testKilledImportReRuns) }

// testKilledImportReRuns kills an import process with SIGKILL part-way,
// then runs the import again: the second run imports exactly the users
// the first did not write, each user ends up once, and the killed run
// reads interrupted.
func testKilledImportReRuns(t *testing.T, newHarness func(*testing.T) *harness) {
	h := newHarness(t)
	const n = 12000 // enough that the child is still writing when the poll sees 200 users, under CI load too
	users := emulator.Generate(n, 7)
	srv, err := emulator.Start(users, emulator.Options{SecretKey: testKey, Latency: 40 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	t.Setenv("CLERK_API_URL", srv.BaseURL()) // this process and the child
	target := h.envs["ASCENDKIT_ENV"]
	if target == "" {
		target = "local:" + filepath.Join(h.dir, "data", "ascendkit", "local.db")
		h.envs["ASCENDKIT_ENV"] = target
	}
	var preview importer.Report
	h.json(&preview, "import", "clerk", "preview", "--api-key", testKey)

	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIChildProcess$")
	cmd.Env = append(os.Environ(), childEnv+"=1",
		childArgs+"="+strings.Join([]string{"import", "clerk", "run", "--api-key", testKey}, "\n"),
		"ASCENDKIT_ENV="+target, "XDG_CONFIG_HOME="+h.envs["XDG_CONFIG_HOME"], "XDG_DATA_HOME="+h.envs["XDG_DATA_HOME"])
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once some batches are in, well before the end.
	deadline := time.Now().Add(60 * time.Second)
	written := 0
	for written < 200 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the child wrote %d users in 60 s\n%s", written, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
		env, err := ascendkit.Open(target)
		if err != nil {
			continue // not created yet
		}
		written, _ = env.CountUsers(context.Background())
		env.Close()
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("the child finished before it was killed")
	}
	env, err := ascendkit.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	before, _ := env.CountUsers(context.Background())
	if before >= preview.Users.ToImport {
		t.Fatalf("killed after all %d users were written: nothing left to test", before)
	}

	var again importer.Report
	h.json(&again, "import", "clerk", "run", "--api-key", testKey)
	after, _ := env.CountUsers(context.Background())
	if after != preview.Users.ToImport {
		t.Errorf("%d users after the re-run, want %d (preview)", after, preview.Users.ToImport)
	}
	if again.Users.Imported != preview.Users.ToImport-before || again.Users.DuplicateReasons[importer.ReasonAlreadyImported] != before {
		t.Errorf("re-run imported %d and found %d already imported; %d were written before the kill, %d to import",
			again.Users.Imported, again.Users.DuplicateReasons[importer.ReasonAlreadyImported], before, preview.Users.ToImport)
	}
	runs, err := env.ListRuns(context.Background())
	if err != nil || len(runs) != 2 || runs[1].Status != ascendkit.RunInterrupted || runs[0].Status != ascendkit.RunCompleted {
		t.Fatalf("runs %+v, %v", runs, err)
	}
	t.Logf("killed after %d of %d users; the re-run imported %d", before, preview.Users.ToImport, again.Users.Imported)
}

// A preview of an environment not made yet reads against a temporary one;
// the terminal closing (SIGHUP) killed the process and left it behind. It
// now stops as ctrl+c does: the directory goes, and the exit says so.
func TestHangupRemovesThePreviewsTemporaryEnvironment(t *testing.T) {
	srv, err := emulator.Start(emulator.Generate(3000, 7), emulator.Options{SecretKey: testKey, Latency: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIChildProcess$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "TMPDIR="+tmp, "CLERK_API_URL="+srv.BaseURL(),
		childArgs+"="+strings.Join([]string{"import", "clerk", "preview", "--api-key", testKey, "--env", "local:" + filepath.Join(tmp, "none", "env.db")}, "\n"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m, _ := filepath.Glob(filepath.Join(tmp, "ascendkit-preview-*")); len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no temporary environment in 20 s\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != ExitInterrupted {
		t.Errorf("exit %v, want %d\n%s", err, ExitInterrupted, stderr.String())
	}
	if m, _ := filepath.Glob(filepath.Join(tmp, "ascendkit-preview-*")); len(m) > 0 {
		t.Errorf("left behind: %v", m)
	}
}
