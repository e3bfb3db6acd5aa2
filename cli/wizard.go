package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/client/clerk/emulator"
	"github.com/ascendkit/ascendkit/importer"
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
// The import wizard creates one that does not exist on its first write
// (see lazyEnv): one left at once leaves nothing behind.
func runWizard(ctx context.Context, g *globalOptions, start ui.Screen) error {
	if err := requireTTY(g); err != nil {
		return err
	}
	env, err := g.openExisting(ctx)
	if start != wizardBrowser && errors.Is(err, errNoEnvironment) {
		env, err = g.openLazy()
	}
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

// openLazy is the environment of a wizard whose target does not exist
// yet: an empty stand-in answers the reads (the wizard previews against
// it, as `import clerk preview` does) until the first write creates the
// real one.
func (g *globalOptions) openLazy() (ascendkit.Environment, error) {
	target, t, _, err := g.resolveTarget()
	if err != nil {
		return nil, err
	}
	named := t.Redacted()
	if t.Kind == ascendkit.TargetLocal {
		abs, err := filepath.Abs(t.Path)
		if err != nil {
			return nil, err
		}
		target, named = "local:"+abs, "local:"+abs
	}
	dir, err := importer.TempDir("ascendkit-wizard-")
	if err != nil {
		return nil, err
	}
	empty, err := ascendkit.Open("local:" + filepath.Join(dir, "empty.db"))
	if err != nil {
		importer.RemoveTempDir(dir)
		return nil, err
	}
	return &lazyEnv{cur: empty, dir: dir, target: target, named: named}, nil
}

// lazyEnv is an environment created on its first write. Until then the
// reads go to an empty stand-in in a temporary directory (a new
// environment is empty too); the first write opens the target, creating
// it, and everything goes there from then on.
type lazyEnv struct {
	mu     sync.RWMutex
	cur    ascendkit.Environment
	dir    string // the stand-in's, removed by Close
	target string
	named  string
	// standIn is the stand-in once the target is created (cur is then
	// the target), nil before.
	standIn ascendkit.Environment
	// open opens the target (tests count the opens).
	open func(string) (ascendkit.Environment, error)
}

func (e *lazyEnv) env() ascendkit.Environment {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.cur
}

// write returns the real environment, creating it on the first call.
func (e *lazyEnv) write() (ascendkit.Environment, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.standIn != nil {
		return e.cur, nil
	}
	open := e.open
	if open == nil {
		open = ascendkit.Open
	}
	real, err := open(e.target)
	if err != nil {
		return nil, err
	}
	// The stand-in stays open until Close: a read may be under way on it.
	e.standIn, e.cur = e.cur, real
	return real, nil
}

func (e *lazyEnv) Describe() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.standIn != nil {
		return e.cur.Describe()
	}
	return e.named + " (new)"
}

func (e *lazyEnv) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.cur.Close()
	if e.standIn != nil {
		e.standIn.Close()
	}
	if rerr := importer.RemoveTempDir(e.dir); err == nil {
		err = rerr
	}
	return err
}

// Reads.

func (e *lazyEnv) LookupSourceIDs(ctx context.Context, source string, ids []string) (map[string]ascendkit.Match, error) {
	return e.env().LookupSourceIDs(ctx, source, ids)
}
func (e *lazyEnv) LookupEmails(ctx context.Context, emails []string) (map[string]ascendkit.Match, error) {
	return e.env().LookupEmails(ctx, emails)
}
func (e *lazyEnv) LookupLinks(ctx context.Context, links []ascendkit.OAuthLink) (map[string]ascendkit.Match, error) {
	return e.env().LookupLinks(ctx, links)
}
func (e *lazyEnv) CountUsers(ctx context.Context) (int, error) { return e.env().CountUsers(ctx) }
func (e *lazyEnv) GetUser(ctx context.Context, idOrEmail string) (ascendkit.User, error) {
	return e.env().GetUser(ctx, idOrEmail)
}
func (e *lazyEnv) ListUsers(ctx context.Context, f ascendkit.UserFilter) ([]ascendkit.User, error) {
	return e.env().ListUsers(ctx, f)
}
func (e *lazyEnv) ListEvents(ctx context.Context, f ascendkit.EventFilter) ([]ascendkit.Event, error) {
	return e.env().ListEvents(ctx, f)
}
func (e *lazyEnv) AuthSettings(ctx context.Context) (ascendkit.AuthSettings, error) {
	return e.env().AuthSettings(ctx)
}
func (e *lazyEnv) SignInCounts(ctx context.Context, tags ascendkit.SignInTags) (ascendkit.SignInCounts, error) {
	return e.env().SignInCounts(ctx, tags)
}
func (e *lazyEnv) Setting(ctx context.Context, key string) (string, bool, error) {
	return e.env().Setting(ctx, key)
}
func (e *lazyEnv) ListTemplates(ctx context.Context, query string) ([]ascendkit.Template, error) {
	return e.env().ListTemplates(ctx, query)
}
func (e *lazyEnv) GetTemplate(ctx context.Context, idOrSlug string) (ascendkit.Template, error) {
	return e.env().GetTemplate(ctx, idOrSlug)
}
func (e *lazyEnv) ListJourneys(ctx context.Context) ([]ascendkit.Journey, error) {
	return e.env().ListJourneys(ctx)
}
func (e *lazyEnv) GetJourney(ctx context.Context, idOrName string) (ascendkit.Journey, error) {
	return e.env().GetJourney(ctx, idOrName)
}
func (e *lazyEnv) AudienceSize(ctx context.Context, id string) (int, int, error) {
	return e.env().AudienceSize(ctx, id)
}
func (e *lazyEnv) UnnamedInAudience(ctx context.Context, id string) (int, error) {
	return e.env().UnnamedInAudience(ctx, id)
}
func (e *lazyEnv) ListEnrollments(ctx context.Context, journeyID string) ([]ascendkit.Enrollment, error) {
	return e.env().ListEnrollments(ctx, journeyID)
}
func (e *lazyEnv) ListRuns(ctx context.Context) ([]ascendkit.Run, error) {
	return e.env().ListRuns(ctx)
}
func (e *lazyEnv) GetRun(ctx context.Context, id string) (ascendkit.Run, error) {
	return e.env().GetRun(ctx, id)
}
func (e *lazyEnv) PlanUndo(ctx context.Context, runID string) (ascendkit.UndoPlan, error) {
	return e.env().PlanUndo(ctx, runID)
}
func (e *lazyEnv) PasswordState(ctx context.Context, idOrEmail string) (ascendkit.PasswordState, error) {
	return e.env().PasswordState(ctx, idOrEmail)
}
func (e *lazyEnv) UserStates(ctx context.Context, ids []string) (map[string]ascendkit.UserState, error) {
	return e.env().UserStates(ctx, ids)
}
func (e *lazyEnv) ListSourceUsers(ctx context.Context, f ascendkit.SourceUserFilter) ([]ascendkit.SourceUser, error) {
	return e.env().ListSourceUsers(ctx, f)
}

// Writes: the first creates the environment.

func (e *lazyEnv) ApplyImport(ctx context.Context, batch ascendkit.ImportBatch, now time.Time) (ascendkit.BatchResult, error) {
	w, err := e.write()
	if err != nil {
		return ascendkit.BatchResult{}, err
	}
	return w.ApplyImport(ctx, batch, now)
}
func (e *lazyEnv) SetAuthProviders(ctx context.Context, providers []string) error {
	w, err := e.write()
	if err != nil {
		return err
	}
	return w.SetAuthProviders(ctx, providers)
}
func (e *lazyEnv) AddRunProviders(ctx context.Context, runID string, providers []string) (ascendkit.ProvidersChange, error) {
	w, err := e.write()
	if err != nil {
		return ascendkit.ProvidersChange{}, err
	}
	return w.AddRunProviders(ctx, runID, providers)
}
func (e *lazyEnv) SetAuthProvidersByHand(ctx context.Context, providers []string, at time.Time) error {
	w, err := e.write()
	if err != nil {
		return err
	}
	return w.SetAuthProvidersByHand(ctx, providers, at)
}
func (e *lazyEnv) SetSetting(ctx context.Context, key, value string) error {
	w, err := e.write()
	if err != nil {
		return err
	}
	return w.SetSetting(ctx, key, value)
}
func (e *lazyEnv) CreateTemplate(ctx context.Context, t ascendkit.Template) (ascendkit.Template, bool, error) {
	w, err := e.write()
	if err != nil {
		return ascendkit.Template{}, false, err
	}
	return w.CreateTemplate(ctx, t)
}
func (e *lazyEnv) UpdateTemplate(ctx context.Context, t ascendkit.Template) (ascendkit.Template, error) {
	w, err := e.write()
	if err != nil {
		return ascendkit.Template{}, err
	}
	return w.UpdateTemplate(ctx, t)
}
func (e *lazyEnv) CreateJourney(ctx context.Context, j ascendkit.Journey) (ascendkit.Journey, bool, error) {
	w, err := e.write()
	if err != nil {
		return ascendkit.Journey{}, false, err
	}
	return w.CreateJourney(ctx, j)
}
func (e *lazyEnv) UpdateJourneyNodes(ctx context.Context, id string, nodes []ascendkit.Node) (ascendkit.Journey, error) {
	w, err := e.write()
	if err != nil {
		return ascendkit.Journey{}, err
	}
	return w.UpdateJourneyNodes(ctx, id, nodes)
}
func (e *lazyEnv) ActivateJourney(ctx context.Context, id string, at time.Time) (int, error) {
	w, err := e.write()
	if err != nil {
		return 0, err
	}
	return w.ActivateJourney(ctx, id, at)
}
func (e *lazyEnv) PauseJourney(ctx context.Context, id string) error {
	w, err := e.write()
	if err != nil {
		return err
	}
	return w.PauseJourney(ctx, id)
}
func (e *lazyEnv) StartRun(ctx context.Context, r ascendkit.Run) error {
	w, err := e.write()
	if err != nil {
		return err
	}
	return w.StartRun(ctx, r)
}
func (e *lazyEnv) FinishRun(ctx context.Context, id string, f ascendkit.RunFinish) error {
	w, err := e.write()
	if err != nil {
		return err
	}
	return w.FinishRun(ctx, id, f)
}
func (e *lazyEnv) UndoRun(ctx context.Context, runID string, force bool, at time.Time) (ascendkit.UndoPlan, error) {
	w, err := e.write()
	if err != nil {
		return ascendkit.UndoPlan{}, err
	}
	return w.UndoRun(ctx, runID, force, at)
}

var _ ascendkit.Environment = (*lazyEnv)(nil)

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
	maxDemoUsers = 200_000
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
	switch {
	case o.users < 1:
		return usageErr("--users must be at least 1")
	case o.users > maxDemoUsers:
		// Its emulator holds every user in memory (about 6 KB each): a
		// hundred million ran the process out of memory.
		return usageErr("--users is at most %d for the demo, whose emulator holds every user in memory", maxDemoUsers)
	}
	if err := requireTTY(o.g); err != nil {
		return err
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
	cfg := d.config()
	cfg.DemoKept = o.keep // the exit summary points at its runs only then
	return runProgram(ctx, o.g, cfg)
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
