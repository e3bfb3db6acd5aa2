package cli

import (
	"context"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// demoHelperEnv makes the test binary run `ascendkit demo` as the real
// binary does (Execute's signal handling included), with a terminal that
// never types, so a test can signal it as a closing terminal would.
const demoHelperEnv = "ASCENDKIT_TEST_DEMO_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(demoHelperEnv) == "1" {
		os.Exit(runDemoHelper())
	}
	os.Exit(m.Run())
}

func runDemoHelper() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A pipe nobody writes to: the wizard waits for keys until signalled.
	r, w, err := os.Pipe()
	if err != nil {
		return 1
	}
	defer w.Close()
	ios := &IO{In: r, Out: os.Stdout, ErrOut: os.Stderr, IsTTY: true, Getenv: os.Getenv}
	return Run(ctx, ios, []string{"demo", "--users", "20"})
}

// Bug 3: SIGHUP (the terminal closed) and SIGTERM during `ascendkit demo`
// end the wizard and remove the demo's temporary directory.
func TestDemoRemovesItsDirectoryOnHangupAndTerm(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), demoHelperEnv+"=1", "TMPDIR="+tmp,
				"XDG_CONFIG_HOME="+filepath.Join(tmp, "config"), "XDG_DATA_HOME="+filepath.Join(tmp, "data"))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			// Wait for the wizard to take the screen: the demo is set up.
			shown := make(chan bool, 1)
			go func() {
				var seen []byte
				buf := make([]byte, 4096)
				for {
					n, err := out.Read(buf)
					seen = append(seen, buf[:n]...)
					if strings.Contains(string(seen), "\x1b[?1049h") {
						shown <- true
						io.Copy(io.Discard, out) // keep the pipe drained
						return
					}
					if err != nil {
						shown <- false
						return
					}
				}
			}()
			select {
			case ok := <-shown:
				if !ok {
					t.Fatal("the demo ended before showing the wizard")
				}
			case <-time.After(30 * time.Second):
				t.Fatal("the demo never showed the wizard")
			}
			dirs, _ := filepath.Glob(filepath.Join(tmp, "ascendkit-demo-*"))
			if len(dirs) != 1 {
				t.Fatalf("demo directories before the signal: %v", dirs)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				t.Fatalf("the demo was killed by %v instead of cleaning up (%v)", ws.Signal(), err)
			}
			if _, err := os.Stat(dirs[0]); !os.IsNotExist(err) {
				t.Fatalf("%s is left behind after %v (stat: %v)", dirs[0], sig, err)
			}
		})
	}
}

// Bug 6 (browse): a mistyped environment is refused, not created.
func TestBrowseRefusesMissingEnvironment(t *testing.T) {
	h := newHarness(t)
	path := filepath.Join(h.dir, "mistyped", "path.db")
	r := h.runTTY("", "--env", "local:"+path, "browse")
	if r.code == 0 || !strings.Contains(r.stderr, "no environment at") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("browse created %s", path)
	}
}

// Opening the import wizard on a new environment path and leaving at
// once creates nothing: the summary's "Nothing was changed" is true, and
// the path still names no environment afterwards.
func TestWizardCreatesNoEnvironmentUntilItWrites(t *testing.T) {
	h := newHarness(t)
	path := filepath.Join(h.dir, "new", "env.db")
	os.MkdirAll(filepath.Dir(path), 0o700)
	r := h.runTTY("q", "--env", "local:"+path, "import")
	if r.code != 0 || !strings.Contains(r.stdout, "Nothing was changed") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the wizard created %s (stat: %v)", path, err)
	}
	if r := h.run("", "--env", "local:"+path, "user", "list"); r.code == 0 || !strings.Contains(r.stderr, "no environment at") {
		t.Fatalf("user list afterwards: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// The wizard's environment answers reads from an empty stand-in and
// creates the target on the first write, which later reads then see.
func TestLazyEnvCreatesOnFirstWrite(t *testing.T) {
	h := newHarness(t)
	path := filepath.Join(h.dir, "env.db")
	g := &globalOptions{env: "local:" + path, io: &IO{Getenv: func(k string) string { return h.envs[k] }}}
	env, err := g.openLazy()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if n, err := env.CountUsers(ctx); err != nil || n != 0 {
		t.Fatalf("count %d, %v", n, err)
	}
	if _, ok, err := env.Setting(ctx, "k"); ok || err != nil {
		t.Fatalf("setting: %v %v", ok, err)
	}
	if !strings.HasSuffix(env.Describe(), path+" (new)") {
		t.Fatalf("describe %q", env.Describe())
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a read created %s", path)
	}
	if err := env.SetSetting(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the write did not create the environment: %v", err)
	}
	if v, ok, err := env.Setting(ctx, "k"); v != "v" || !ok || err != nil {
		t.Fatalf("setting after the write: %q %v %v", v, ok, err)
	}
	dir := env.(*lazyEnv).dir
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the stand-in's directory %s is left behind", dir)
	}
}

// demo --users 100000000 ran the process out of memory (a runtime abort
// with a stack dump): the emulator holds every user. It is a usage error.
func TestDemoUsersBounded(t *testing.T) {
	h := newHarness(t)
	for _, n := range []string{"0", "200001", "100000000"} {
		if r := h.run("", "demo", "--users", n); r.code != 2 || !strings.Contains(r.stderr, "--users") {
			t.Errorf("--users %s: exit %d %q", n, r.code, r.stderr)
		}
	}
}
