package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
	"github.com/ascendkit/ascendkit/ui"
	"github.com/spf13/cobra"
)

const (
	wizardSource  = ui.ScreenSource
	wizardBrowser = ui.ScreenBrowser
)

// noTTYMessage names the scripted commands for when there is no terminal.
const noTTYMessage = `The ascendkit wizard needs a terminal (stdin and stdout must be a TTY).
Without one, use the scripted commands:
  ascendkit import clerk preview --api-key <key> | --file <path> [--json]
  ascendkit import clerk run     --api-key <key> | --file <path> [--json]
  ascendkit import migration-journey create [--from-identity <email>]
  ascendkit template list · ascendkit journey list|show|activate <id>
Run "ascendkit --help" for everything.`

func requireTTY(g *globalOptions) error {
	if !g.io.IsTTY {
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s", noTTYMessage)}
	}
	return nil
}

// runWizard opens the wizard on the resolved environment. The browser
// only reads and changes what is there: it refuses an environment that
// does not exist instead of creating an empty one at a mistyped path.
func runWizard(ctx context.Context, g *globalOptions, start ui.Screen) error {
	if err := requireTTY(g); err != nil {
		return err
	}
	open := g.openEnv
	if start == wizardBrowser {
		open = g.openExisting
	}
	env, err := open(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	cfg := ui.Config{
		Env: env,
		OpenAPI: func(key string, onWait func(string, time.Duration)) (clerk.Source, error) {
			return clerk.NewAPISource(key, clerk.APIOptions{OnWait: onWait})
		},
		OpenFile: clerk.OpenFile,
		APIKey:   g.getenv("CLERK_SECRET_KEY"),
		Start:    start,
		Now:      time.Now,
	}
	return runProgram(ctx, g, cfg)
}

func runProgram(ctx context.Context, g *globalOptions, cfg ui.Config) error {
	summary, err := ui.Run(ctx, cfg, g.io.In, g.io.Out)
	if summary != "" {
		fmt.Fprintln(g.io.Out, summary)
	}
	return err
}

func newBrowseCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "browse",
		Short: "Browse templates and journeys interactively (activate, pause, edit variables)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runWizard(cmd.Context(), g, wizardBrowser) },
	}
}

// Demo data sizes: a few thousand users, as a small company would have.
const (
	demoUsers    = 3000
	demoSeed     = 7
	demoExisting = 40
	demoKey      = emulator.DemoSecretKey
	// demoLatency slows each emulated Clerk response as a real network
	// would, so the streaming preview and progress bars can be seen.
	demoLatency = 250 * time.Millisecond
)

type demoOptions struct {
	g     *globalOptions
	users int
	keep  bool
}

func newDemoCmd(g *globalOptions) *cobra.Command {
	o := &demoOptions{g: g}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try the wizard on built-in sample data (no Clerk account needed)",
		Long: `Opens the wizard against an in-process Clerk API emulator on 127.0.0.1,
seeded with synthetic users (every auth method, several providers including
an unsupported one, some duplicates and some unimportable users), and a
throwaway AscendKit environment in a temporary directory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	cmd.Flags().IntVar(&o.users, "users", demoUsers, "how many synthetic Clerk users to serve")
	cmd.Flags().BoolVar(&o.keep, "keep", false, "keep the throwaway environment and print its path")
	return cmd
}

func (o *demoOptions) run(ctx context.Context) error {
	if o.g.env != "" {
		// The demo's environment is always a throwaway one: a target given
		// would silently go unused.
		return usageErr("demo uses a throwaway environment of its own, not --env; keep it with --keep, or run `ascendkit import` for the wizard on an environment of yours")
	}
	if err := requireTTY(o.g); err != nil {
		return err
	}
	if o.users < 1 {
		return usageErr("--users must be at least 1")
	}
	// The terminal going away (SIGHUP: the window closed, tmux
	// kill-session) or a request to stop (SIGTERM) cancels the context
	// instead of killing the process, so the temporary directory is
	// removed all the same, from its creation on.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGHUP, syscall.SIGTERM)
	defer stop()
	d, err := startDemo(ctx, o.users)
	if err != nil {
		return err
	}
	defer func() {
		d.close(!o.keep)
		if o.keep {
			fmt.Fprintf(o.g.io.Out, "Demo environment kept: --env %s\n", d.env.Describe())
		}
	}()
	return runProgram(ctx, o.g, d.config())
}

// demo is the sample Clerk instance and throwaway environment of `ascendkit demo`.
type demo struct {
	dir string
	srv *emulator.Server
	env ascendkit.Environment
}

// startDemo serves synthetic users from the emulator and seeds the
// throwaway environment with a few users who share an email with Clerk
// users, so the duplicate review has email_exists rows to show.
func startDemo(ctx context.Context, n int) (*demo, error) {
	users := emulator.Generate(n, demoSeed)
	srv, err := emulator.Start(users, emulator.Options{SecretKey: demoKey, RequestsPer10s: 100, Latency: demoLatency})
	if err != nil {
		return nil, fmt.Errorf("starting the Clerk emulator: %w", err)
	}
	dir, err := os.MkdirTemp("", "ascendkit-demo-")
	if err != nil {
		srv.Close()
		return nil, err
	}
	env, err := ascendkit.Open("local:" + dir + "/demo.db")
	if err != nil {
		srv.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	d := &demo{dir: dir, srv: srv, env: env}
	if err := seedExisting(ctx, env, users, demoExisting); err != nil {
		d.close(true)
		return nil, err
	}
	return d, nil
}

// seedExisting creates up to k users that sign up on AscendKit directly
// with the email of a Clerk user.
func seedExisting(ctx context.Context, env ascendkit.Environment, users []clerk.User, k int) error {
	var batch ascendkit.ImportBatch
	step := len(users)/k + 1
	for i := 3; i < len(users) && len(batch.Create) < k; i += step {
		u := users[i]
		if len(u.EmailAddresses) == 0 || u.Banned {
			continue
		}
		email := ""
		for _, e := range u.EmailAddresses {
			if u.PrimaryEmailAddressID != nil && e.ID == *u.PrimaryEmailAddressID {
				email = e.EmailAddress
			}
		}
		if email == "" {
			continue
		}
		batch.Create = append(batch.Create, ascendkit.ImportedUser{
			// Signed up in AscendKit and confirmed the address, as a merge
			// needs (an unverified one proves nothing about its holder).
			User:   ascendkit.User{Email: strings.ToLower(strings.TrimSpace(email)), EmailVerified: true, Name: "Existing AscendKit user", CreatedAt: time.Now().UTC(), Tags: []string{"signup:direct"}},
			Source: "ascendkit", SourceID: fmt.Sprintf("signup_%d", i),
		})
	}
	_, err := env.ApplyImport(ctx, batch, time.Now().UTC())
	return err
}

func (d *demo) config() ui.Config {
	return ui.Config{
		Env: d.env,
		OpenAPI: func(key string, onWait func(string, time.Duration)) (clerk.Source, error) {
			return clerk.NewAPISource(key, clerk.APIOptions{BaseURL: d.srv.URL + "/v1", OnWait: onWait})
		},
		OpenFile: clerk.OpenFile,
		APIKey:   demoKey,
		Demo:     true,
		Start:    ui.ScreenSource,
		Now:      time.Now,
	}
}

func (d *demo) close(remove bool) {
	d.env.Close()
	d.srv.Close()
	if remove {
		os.RemoveAll(d.dir)
	}
}
