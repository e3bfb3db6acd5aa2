package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	_ "github.com/ascendkit/ascendkit/client/ascendkit/postgres" // postgres:// targets
	_ "github.com/ascendkit/ascendkit/client/ascendkit/sqlite"   // local: targets
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
	"github.com/spf13/cobra"
)

// config is what `set-env` saves.
type config struct {
	Env    string `json:"env"`
	APIURL string `json:"apiUrl,omitempty"`
}

func (g *globalOptions) getenv(k string) string {
	if g.io.Getenv == nil {
		return os.Getenv(k)
	}
	return g.io.Getenv(k)
}

// configPath is <user config dir>/ascendkit/config.json.
func (g *globalOptions) configPath() (string, error) {
	dir := g.getenv("XDG_CONFIG_HOME")
	if dir == "" {
		d, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("finding the config directory: %w", err)
		}
		dir = d
	}
	return filepath.Join(dir, "ascendkit", "config.json"), nil
}

// dataDir is the user data dir ($XDG_DATA_HOME, ~/.local/share on Linux).
func (g *globalOptions) dataDir() (string, error) {
	if d := g.getenv("XDG_DATA_HOME"); d != "" {
		return d, nil
	}
	if runtime.GOOS == "linux" || runtime.GOOS == "freebsd" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, ".local", "share"), nil
	}
	return os.UserConfigDir()
}

func (g *globalOptions) loadConfig() (config, error) {
	var c config
	p, err := g.configPath()
	if err != nil {
		return c, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("reading %s: %w (fix it or run `ascendkit set-env` again)", p, err)
	}
	return c, nil
}

// Where a target came from, as `set-env` with no argument reports it.
const (
	fromFlag    = "flag"
	fromEnvVar  = "env"
	fromConfig  = "config"
	fromDefault = "default"
)

// resolveTarget picks the environment — --env, $ASCENDKIT_ENV, the saved
// set-env target, else the local default — and parses it (a usage error
// when it does not parse).
func (g *globalOptions) resolveTarget() (target string, t ascendkit.Target, isDefault bool, err error) {
	target, from, err := g.resolveTargetFrom()
	if err != nil {
		return "", ascendkit.Target{}, false, err
	}
	if t, err = ascendkit.ParseTarget(target); err != nil {
		return "", ascendkit.Target{}, false, usageErr("%v", err)
	}
	return target, t, from == fromDefault, nil
}

// resolveTargetFrom is resolveTarget that also says where the target
// came from (fromFlag, fromEnvVar, fromConfig or fromDefault).
func (g *globalOptions) resolveTargetFrom() (target, from string, err error) {
	if g.env != "" {
		return g.env, fromFlag, nil
	}
	if v := g.getenv("ASCENDKIT_ENV"); v != "" {
		return v, fromEnvVar, nil
	}
	c, err := g.loadConfig()
	if err != nil {
		return "", "", err
	}
	if c.Env != "" {
		return c.Env, fromConfig, nil
	}
	d, err := g.dataDir()
	if err != nil {
		return "", "", err
	}
	return "local:" + filepath.Join(d, "ascendkit", "local.db"), fromDefault, nil
}

// openEnv opens the resolved environment. The first time the default
// local environment is created, it says so on stderr.
func (g *globalOptions) openEnv(ctx context.Context) (ascendkit.Environment, error) {
	target, t, isDefault, err := g.resolveTarget()
	if err != nil {
		return nil, err
	}
	if t.Kind == ascendkit.TargetLocal && isDefault {
		if _, statErr := os.Stat(t.Path); errors.Is(statErr, os.ErrNotExist) {
			fmt.Fprintf(g.io.ErrOut, "Creating the local AscendKit environment at %s\n", termtext.Clean(t.Path))
		}
	}
	return ascendkit.Open(target)
}

// errNoEnvironment is wrapped by openExisting when the target names no
// environment yet (a local database that does not exist, a PostgreSQL
// schema without the environment's tables).
var errNoEnvironment = ascendkit.ErrNoEnvironment

// openExisting opens the resolved environment for a command that only
// reads it (user, event, template, journey list|show, auth show, browse).
// A local target whose database does not exist is refused rather than
// created: a mistyped path must not look like an empty environment.
func (g *globalOptions) openExisting(ctx context.Context) (ascendkit.Environment, error) {
	target, t, _, err := g.resolveTarget()
	if err != nil {
		return nil, err
	}
	if t.Kind == ascendkit.TargetLocal {
		abs, err := filepath.Abs(t.Path)
		if err != nil {
			return nil, err
		}
		st, err := os.Stat(abs)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return nil, &exitError{code: ExitError, err: fmt.Errorf("%w at %s; run an import or set-env", errNoEnvironment, abs)}
		case err != nil:
			return nil, fmt.Errorf("environment %s: %w", abs, err)
		case st.IsDir():
			return nil, &exitError{code: ExitError, err: fmt.Errorf("environment %s is a directory, not a database file", abs)}
		}
	}
	// A backend that can tell refuses a target with no environment
	// itself, creating nothing (PostgreSQL: a schema without its tables).
	env, err := ascendkit.OpenExisting(target)
	if errors.Is(err, errNoEnvironment) {
		return nil, &exitError{code: ExitError, err: err}
	}
	return env, err
}

// openPreviewEnv opens the environment for a dry run, which must create
// nothing. A local target whose database does not exist yet (a first
// preview before any run, or a mistyped path) is previewed against an
// empty environment in a temporary directory, removed on Close; a note on
// stderr says so, since every user then counts as new.
func (g *globalOptions) openPreviewEnv(ctx context.Context) (ascendkit.Environment, error) {
	env, err := g.openExisting(ctx)
	if !errors.Is(err, errNoEnvironment) {
		return env, err
	}
	_, t, _, terr := g.resolveTarget()
	if terr != nil {
		return nil, terr
	}
	named := t.Redacted() // a PostgreSQL schema with no environment yet
	if t.Kind == ascendkit.TargetLocal {
		abs, aerr := filepath.Abs(t.Path)
		if aerr != nil {
			return nil, aerr
		}
		named = "local:" + abs
	}
	dir, err := importer.TempDir("ascendkit-preview-")
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	empty, err := ascendkit.Open("local:" + filepath.Join(dir, "preview.db"))
	if err != nil {
		importer.RemoveTempDir(dir)
		return nil, fmt.Errorf("preview: %w", err)
	}
	fmt.Fprintf(g.io.ErrOut, "Note: environment %s does not exist yet: every user counts as new. The preview creates nothing; `import clerk run` creates it.\n", termtext.Clean(named))
	return &emptyPreviewEnv{Environment: empty, describe: named + " (does not exist yet)", dir: dir}, nil
}

// emptyPreviewEnv is the temporary empty environment of openPreviewEnv,
// described as the target the user named.
type emptyPreviewEnv struct {
	ascendkit.Environment
	describe string
	dir      string
}

func (e *emptyPreviewEnv) Describe() string { return e.describe }

func (e *emptyPreviewEnv) Close() error {
	err := e.Environment.Close()
	if rerr := importer.RemoveTempDir(e.dir); err == nil {
		err = rerr
	}
	return err
}

type setEnvOptions struct {
	g      *globalOptions
	apiURL string
	json   bool
}

func newSetEnvCmd(g *globalOptions) *cobra.Command {
	o := &setEnvOptions{g: g}
	cmd := &cobra.Command{
		Use:   "set-env [<target>]",
		Short: "Link the CLI to an AscendKit environment, or show the current one",
		Long: `Link the CLI to an AscendKit environment and remember it. With no target,
print the environment commands use now and where that choice comes from
(--env, $ASCENDKIT_ENV, the saved set-env target, or the default).

A target is local:<path-to-db> (an embedded environment in a SQLite file),
postgres://user@host:5432/db?sslmode=… (a team environment on PostgreSQL;
the password is best left to PGPASSWORD or ~/.pgpass: one in the URL is
saved in the config file, readable only by you), or a public key pk_… of a
hosted environment with --api-url or $ASCENDKIT_API_URL (saved, but hosted environments are not
supported by this build yet).`,
		Example: "  ascendkit set-env\n  ascendkit set-env local:./migration.db\n  ascendkit set-env 'postgres://migrator@db.internal:5432/ascendkit?sslmode=verify-full'\n  ascendkit set-env pk_dev_abc123 --api-url https://api.ascendkit.dev",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return o.show(cmd.Context())
			}
			return o.run(cmd.Context(), args[0])
		},
	}
	cmd.Flags().StringVar(&o.apiURL, "api-url", "", "API URL of a hosted environment (with a pk_… target)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the saved (or current) target as JSON")
	return cmd
}

// currentEnv is what `set-env` with no argument reports.
type currentEnv struct {
	Env    string `json:"env"`
	Source string `json:"source"` // flag | env | config | default
	// ConfigPath is the set-env file, with source "config".
	ConfigPath string `json:"configPath,omitempty"`
	// Exists is false for a local database not created yet.
	Exists bool `json:"exists"`
	Users  *int `json:"users,omitempty"`
	// Invalid says why the target does not parse (commands then refuse it).
	Invalid string `json:"invalid,omitempty"`
	// OpenError says why an environment that may exist could not be
	// opened (a PostgreSQL server down, a file that is no database).
	OpenError string `json:"openError,omitempty"`
}

// show prints the current target and where it came from.
func (o *setEnvOptions) show(ctx context.Context) error {
	if o.apiURL != "" {
		return usageErr("--api-url needs a target: ascendkit set-env pk_… --api-url <url>")
	}
	target, from, err := o.g.resolveTargetFrom()
	if err != nil {
		return err
	}
	c := currentEnv{Env: target, Source: from}
	if from == fromConfig {
		c.ConfigPath, _ = o.g.configPath()
	}
	t, perr := ascendkit.ParseTarget(target)
	if perr != nil {
		c.Env = redactedTarget(target)
		c.Invalid = redactSecrets(perr.Error())
	}
	if perr == nil && (t.Kind == ascendkit.TargetLocal || t.Kind == ascendkit.TargetPostgres) {
		if t.Kind == ascendkit.TargetPostgres {
			c.Env = t.Redacted() // never the password
		} else if abs, err := filepath.Abs(t.Path); err == nil {
			c.Env = "local:" + abs
		}
		env, err := o.g.openExisting(ctx)
		switch {
		case err == nil:
			c.Exists = true
			if n, err := env.CountUsers(ctx); err == nil {
				c.Users = &n
			}
			env.Close()
		case !errors.Is(err, errNoEnvironment):
			// Not "does not exist": that would send the user to create
			// an environment that may be there, behind a server that is
			// down or a password that changed.
			c.OpenError = redactSecrets(err.Error())
		}
	}
	if o.json {
		return printJSON(o.g.io.Out, c)
	}
	w := o.g.io.Out
	why := map[string]string{
		fromFlag:    "from the --env flag",
		fromEnvVar:  "from $ASCENDKIT_ENV",
		fromConfig:  "saved by set-env in " + c.ConfigPath,
		fromDefault: "the default: no --env, $ASCENDKIT_ENV or set-env target",
	}[from]
	fmt.Fprintf(w, "Environment: %s\n  %s\n", termtext.Clean(c.Env), termtext.Clean(why))
	switch {
	case c.Invalid != "":
		fmt.Fprintf(w, "  not a valid target: %s\n", termtext.Clean(c.Invalid))
	case c.OpenError != "":
		fmt.Fprintf(w, "  cannot be opened: %s\n", termtext.Clean(c.OpenError))
	case c.Users != nil:
		fmt.Fprintf(w, "  %s users\n", importer.Thousands(*c.Users))
	case strings.HasPrefix(c.Env, "local:"):
		fmt.Fprintln(w, "  does not exist yet: an import or `ascendkit import migration-journey create` creates it")
	}
	fmt.Fprintln(w, "\nChange it with `ascendkit set-env local:<path>`.")
	return nil
}

func (o *setEnvOptions) run(ctx context.Context, target string) error {
	t, err := ascendkit.ParseTarget(target)
	if err != nil {
		return usageErr("%v", err)
	}
	if t.Kind == ascendkit.TargetRemote && o.apiURL == "" {
		// The SDKs read the hosted API's address from ASCENDKIT_API_URL;
		// a shell set up for them needs no flag here.
		o.apiURL = strings.TrimSpace(o.g.getenv("ASCENDKIT_API_URL"))
		if o.apiURL == "" {
			return usageErr("a public key target needs the hosted API's URL: --api-url <url>, or $ASCENDKIT_API_URL as the SDKs read it")
		}
	}
	if t.Kind == ascendkit.TargetRemote {
		// Every later command would talk to it: a typo is caught now.
		u, err := url.Parse(o.apiURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil || strings.IndexFunc(o.apiURL, unicode.IsSpace) >= 0 {
			return usageErr("the API URL is not an http(s) URL with a host and no credentials, such as https://api.ascendkit.dev")
		}
	}
	if t.Kind == ascendkit.TargetPostgres {
		// Opening checks the server, credentials and schema now.
		env, err := ascendkit.Open(target)
		if err != nil {
			return err
		}
		_ = env.Close()
	}
	if t.Kind == ascendkit.TargetLocal {
		abs, err := filepath.Abs(t.Path)
		if err != nil {
			return err
		}
		target = "local:" + abs
		// Opening validates the path now rather than at the next command.
		env, err := ascendkit.Open(target)
		if err != nil {
			return err
		}
		_ = env.Close()
	}
	p, err := o.g.configPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	c := config{Env: target, APIURL: o.apiURL}
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := writeFileAtomic(p, append(b, '\n'), 0o600); err != nil {
		return err
	}
	shown := config{Env: t.Redacted(), APIURL: c.APIURL}
	if t.Kind == ascendkit.TargetLocal {
		shown.Env = target
	}
	if t.HasPassword() {
		fmt.Fprintf(o.g.io.ErrOut, "Note: the URL's password is stored in %s with mode 0600 (readable only by you); PGPASSWORD or ~/.pgpass keep it out of the file.\n", termtext.Clean(p))
	}
	// The saved target comes after $ASCENDKIT_ENV (resolveTargetFrom): a
	// shell that sets it goes on using the old environment, which a
	// re-run against the wrong one would not show.
	if v := o.g.getenv("ASCENDKIT_ENV"); v != "" {
		fmt.Fprintf(o.g.io.ErrOut, "Warning: $ASCENDKIT_ENV is set (%s) and comes before the saved environment: commands in this shell still use it until you unset it (unset ASCENDKIT_ENV).\n", termtext.Clean(redactedTarget(v)))
	}
	if o.json {
		return printJSON(o.g.io.Out, shown)
	}
	fmt.Fprintf(o.g.io.Out, "Environment set to %s (saved in %s)\n", termtext.Clean(shown.Env), termtext.Clean(p))
	if t.Kind == ascendkit.TargetRemote {
		fmt.Fprintln(o.g.io.ErrOut, "Note: remote environments are not supported yet; commands will say so until they are.")
	}
	return nil
}

// redactedTarget is a target as set-env shows it, parsed or not: never a
// password (one with an unencoded @ or # does not parse) nor a Clerk key
// pasted there.
func redactedTarget(v string) string {
	if t, err := ascendkit.ParseTarget(v); err == nil {
		return t.Redacted()
	}
	s := redactSecrets(v)
	if strings.Contains(s, "://") {
		s = ascendkit.RedactURL(s)
	}
	return s
}

// writeFileAtomic writes via a temp file and rename, so a crash never
// leaves a half-written config.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// trimKey cleans a secret read from stdin or the environment.
func trimKey(s string) string {
	// A key file saved by Notepad or PowerShell starts with a byte order
	// mark, invisible, which made "must start with sk_live_" read false.
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) })
}
