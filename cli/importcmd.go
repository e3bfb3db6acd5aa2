package cli

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
	"github.com/spf13/cobra"
)

func newImportCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import users from Clerk and set up migration journeys",
		Long:  "Import users from Clerk and set up migration journeys.\n\nWith no subcommand on a terminal, opens the interactive wizard.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWizard(cmd.Context(), g, wizardSource)
		},
	}
	clerkCmd := &cobra.Command{Use: "clerk", Short: "Import users and auth settings from Clerk", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr("choose preview or run, e.g. `ascendkit import clerk preview --api-key sk_live_…`")
		}}
	// `import clerk --api-key …` (import.md: "by default, the import
	// runs in dry-run mode") named a flag of the subcommands unknown.
	clerkCmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if c != clerkCmd { // preview and run, which inherit this
			return usageErr("%v", err)
		}
		return usageErr("%v: the flags follow preview or run, e.g. `ascendkit import clerk preview --api-key sk_live_…` (a dry run) or `ascendkit import clerk run …`", err)
	})
	clerkCmd.AddCommand(newImportClerkCmd(g, importer.ModePreview), newImportClerkCmd(g, importer.ModeRun))
	mj := &cobra.Command{Use: "migration-journey", Short: "Set up the migration emails and journeys", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErr("try `ascendkit import migration-journey create`")
		}}
	mj.AddCommand(newMigrationJourneyCreateCmd(g))
	cmd.AddCommand(clerkCmd, mj, newRunsCmd(g), newUndoCmd(g))
	return cmd
}

// importOptions are the flags of `import clerk preview|run`.
type importOptions struct {
	g             *globalOptions
	mode          importer.Mode
	apiKey        string
	file          string
	users         bool
	settings      bool
	providers     string
	providersSet  bool
	fromIdentity  string
	onDuplicate   string
	includeBanned bool
	entries       string
	json          bool
	passwords     string
	only          []string
	onlySet       bool
}

func newImportClerkCmd(g *globalOptions, mode importer.Mode) *cobra.Command {
	o := &importOptions{g: g, mode: mode}
	short := "Dry run: show what an import would do, without writing"
	if mode == importer.ModeRun {
		short = "Import users, OAuth links, tags, events and auth settings"
	}
	cmd := &cobra.Command{
		Use:     string(mode) + " (--api-key <key> | --file <path>) [flags]",
		Short:   short,
		Example: fmt.Sprintf("  ascendkit import clerk %[1]s --api-key sk_live_… --settings\n  ascendkit import clerk %[1]s --file ./clerk-export.json --json\n  echo \"$KEY\" | ascendkit import clerk %[1]s --api-key -", mode),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.providersSet = cmd.Flags().Changed("providers")
			o.onlySet = cmd.Flags().Changed("only")
			return o.run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.apiKey, "api-key", "", "Clerk secret API key (fetches users from Clerk API); - reads it from stdin; default $CLERK_SECRET_KEY")
	f.StringVar(&o.file, "file", "", "path to a Clerk export: the Backend API's JSON (an array, {\"users\": […]} or JSON lines), clerk migrate's file, Clerk support's JSON, the Dashboard CSV (\"-\": standard input, preview only)")
	f.BoolVar(&o.users, "users", false, "import only users (skip auth settings)")
	f.BoolVar(&o.settings, "settings", false, "import only auth settings (skip users)")
	f.StringVar(&o.providers, "providers", "", "override SSO providers, comma-separated (e.g. --providers linkedin)")
	f.StringVar(&o.fromIdentity, "from-identity", "", "sender email for migration journey emails")
	f.StringVar(&o.onDuplicate, "on-duplicate", "skip", "what to do with duplicates: skip or merge")
	f.BoolVar(&o.includeBanned, "include-banned", false, "import banned users too (ban kept, no journey enrollment)")
	f.StringVar(&o.entries, "entries", "", "write every duplicate, skipped and failed user to this file (JSON lines)")
	f.BoolVar(&o.json, "json", false, "print the report as one JSON object")
	f.StringVar(&o.passwords, "passwords", "", `Clerk Dashboard CSV or support JSON export whose password digests are kept (joined by Clerk id; "-": stdin)`)
	f.StringSliceVar(&o.only, "only", nil, "import only these users, by email or Clerk id, comma-separated (a canary run)")
	return cmd
}

// failed is err, and with --json the report of an import that read
// nothing, saying it: a script reading the one JSON object gets it for an
// export that cannot be opened as for a bad key. A usage error (exit 2)
// stays a message: the command was not understood.
func (o *importOptions) failed(opts importer.Options, err error) error {
	var ee *exitError
	if !o.json || (errors.As(err, &ee) && ee.code == ExitUsage) {
		return err
	}
	source := importer.SourceInfo{Kind: "file"}
	if o.file == "" {
		source = importer.SourceInfo{Kind: "api", Format: clerk.FormatAPI}
	}
	rep := importer.NewReport(o.mode, source, opts.Phases)
	rep.Error = err.Error()
	if perr := o.printJSON(rep); perr != nil {
		return perr
	}
	return err
}

// printJSON prints the report with what looks like a Clerk secret key in
// its error redacted, as every error printed to stderr is: a key given
// where a path goes comes back in "open <path>: no such file".
func (o *importOptions) printJSON(rep importer.Report) error {
	rep.Error = redactSecrets(rep.Error)
	return printJSON(o.g.io.Out, rep)
}

// openSource opens the one Clerk source the flags name.
func (o *importOptions) openSource(ctx context.Context, onWait func(string, time.Duration)) (clerk.Source, error) {
	if o.passwords == "-" && (o.file == "-" || o.apiKey == "-") {
		flag := "--file -"
		if o.apiKey == "-" {
			flag = "--api-key -"
		}
		return nil, usageErr("--passwords -: standard input is already read by %s; give the passwords file's path", flag)
	}
	key := o.apiKey
	if key == "" && o.file == "" {
		key = o.g.getenv("CLERK_SECRET_KEY")
	}
	switch {
	case key != "" && o.file != "":
		return nil, usageErr("use either --api-key or --file, not both")
	case key == "" && o.file == "":
		return nil, usageErr("name a source: --api-key <sk_…> (or $CLERK_SECRET_KEY) or --file <path>")
	case o.file != "":
		if err := o.checkFileRereadable(); err != nil {
			return nil, err
		}
		var src clerk.Source
		var err error
		if o.file == "-" {
			// A preview reads once: a pipe is fine (README).
			src, err = o.openStdin(ctx)
		} else {
			src, err = openFile(ctx, o.file)
		}
		if err != nil {
			return nil, &exitError{code: ExitError, err: err}
		}
		return src, nil
	}
	if key == "-" {
		line, err := readSecret(ctx, o.g.io, "Clerk secret key: ")
		if err != nil {
			return nil, fmt.Errorf("reading the API key from stdin: %w", err)
		}
		key = trimKey(line)
		if key == "" {
			return nil, usageErr("--api-key -: no key on stdin")
		}
	}
	src, err := clerk.NewAPISource(key, clerk.APIOptions{OnWait: onWait})
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return src, nil
}

// openStdin reads a Clerk export (or passwords file) from standard input,
// giving up when ctx ends.
func (o *importOptions) openStdin(ctx context.Context) (clerk.Source, error) {
	return importer.OpenCancelable(ctx, func() (clerk.Source, error) { return clerk.OpenReader("standard input", o.g.io.In) })
}

// openFile is clerk.OpenFile that gives up when ctx ends. Opening a named
// pipe nobody writes to blocks in the kernel, where ctrl+c (which only
// cancels ctx) could not reach it: the command then hung for good. The
// open left behind ends with the process.
func openFile(ctx context.Context, path string) (clerk.Source, error) {
	src, err := importer.OpenCancelable(ctx, func() (clerk.Source, error) { return clerk.OpenFile(path) })
	if err != nil && errors.Is(err, ctx.Err()) {
		// Given up on as ctx ended (clerk.OpenFile's own errors never
		// are a context's).
		return nil, fmt.Errorf("opening %s: %w", termtext.Clean(path), err)
	}
	return src, err
}

// checkFileRereadable refuses, before anything is read, a --file a run
// could read only once: a run reads its file twice (through once to check
// it before writing anything, then to import), and the second read of a
// pipe (`--file <(gunzip -c users.json.gz)`) found it drained and failed
// on a confusing parse error. A preview reads once, so a pipe is fine.
func (o *importOptions) checkFileRereadable() error {
	if o.mode != importer.ModeRun {
		return nil
	}
	if o.file == "-" {
		return usageErr("--file -: a run reads its file twice, once to check it before writing anything and once to import, " +
			"so it cannot read standard input; save the export to a file and give its path (a preview reads standard input)")
	}
	if fi, err := os.Stat(o.file); err == nil && !fi.IsDir() && !fi.Mode().IsRegular() {
		return usageErr("--file %s is not a regular file (a pipe or a device): a run reads its file twice, "+
			"once to check it before writing anything and once to import, so save the export to a file first",
			termtext.Clean(o.file))
	}
	return nil
}

func (o *importOptions) options() (importer.Options, error) {
	opts := importer.Options{Mode: o.mode, Phases: importer.Phases{Users: true, Settings: true},
		IncludeBanned: o.includeBanned}
	switch {
	case o.users && !o.settings:
		opts.Phases.Settings = false
	case o.settings && !o.users:
		opts.Phases.Users = false
	}
	switch importer.Policy(o.onDuplicate) {
	case importer.PolicySkip, importer.PolicyMerge:
		opts.OnDuplicate = importer.Policy(o.onDuplicate)
	default:
		return opts, usageErr("--on-duplicate must be skip or merge, not %q", redactSecrets(o.onDuplicate))
	}
	if o.providersSet {
		none := strings.EqualFold(strings.TrimSpace(o.providers), "none")
		p, err := importer.ParseProviders(o.providers)
		if none {
			p, err = []string{}, nil // said on purpose, unlike an empty value
		}
		if err != nil {
			if looksLikeSecretKey(o.providers) {
				// The parser's message quotes the value: not a key.
				return opts, usageErr("--providers: that looks like a Clerk secret key, not a provider list (e.g. --providers google,github); the key goes to --api-key or $CLERK_SECRET_KEY")
			}
			return opts, usageErr("--providers: %v", err)
		}
		if len(p) == 0 && !none {
			// An unset shell variable ("--providers $P") would turn every
			// detected SSO provider off, stranding their social-only users.
			return opts, usageErr("--providers names no provider (it was given %q): name those to enable, e.g. --providers google,github, or say --providers none to enable no SSO provider", o.providers)
		}
		opts.Providers = p
		if !opts.Phases.Settings {
			// It would change nothing: the report's providers stay empty.
			return opts, usageErr("--providers names the providers the settings phase turns on, and --users leaves that phase out: drop --users, or give --settings too")
		}
	}
	id, err := importer.CleanIdentity(o.fromIdentity)
	if err != nil {
		if looksLikeSecretKey(o.fromIdentity) {
			return opts, usageErr("--from-identity: that looks like a Clerk secret key, not a sender email")
		}
		return opts, usageErr("--from-identity: %v", err)
	}
	// Trimmed as `migration-journey create` trims it: the run saves and
	// reports the address, not the spaces pasted around it.
	o.fromIdentity = id
	opts.FromIdentity = id
	if o.onlySet {
		// `--only "$CANARY"` with the variable unset must not become a full
		// import: an --only that names no one is a mistake, not "everyone".
		for _, v := range o.only {
			if looksLikeSecretKey(v) {
				// It would be quoted back in the "not in the source" warning.
				return opts, usageErr("--only: that looks like a Clerk secret key, not an email or Clerk user id; the key goes to --api-key or $CLERK_SECRET_KEY")
			}
			if clerk.LooksLikeDigest(v) {
				// Likewise, and kept in the run's options (runs show).
				return opts, usageErr("--only: that looks like a password digest (not shown), not an email or Clerk user id")
			}
			if v = strings.TrimSpace(v); v != "" {
				opts.Only = append(opts.Only, v)
			}
		}
		if len(opts.Only) == 0 {
			return opts, usageErr("--only names no user (it was given an empty value): give an email or Clerk id, or leave --only out to import everyone")
		}
	}
	return opts, nil
}

func (o *importOptions) run(ctx context.Context) error {
	opts, err := o.options()
	if err != nil {
		return err
	}
	// Before anything is opened for writing: an --entries path naming an
	// input or the environment would destroy it.
	if err := o.checkEntriesPath(); err != nil {
		return err
	}
	// The entries' temporary file is made first, so an unwritable
	// directory stops the command before an environment is created.
	var entries *entryLog
	if o.entries != "" {
		if entries, err = newEntryLog(o.entries); err != nil {
			return o.failed(opts, err)
		}
		// Removes the temporary file unless commit put it in place.
		defer entries.discard()
	}
	prog := newProgress(o.g.io)
	src, err := o.openSource(ctx, prog.wait)
	if err != nil {
		return o.failed(opts, err)
	}
	defer src.Close()
	if o.passwords != "" {
		var pws clerk.Source
		if o.passwords == "-" {
			// Read once, in a run too: a pipe is fine.
			pws, err = o.openStdin(ctx)
		} else {
			pws, err = openFile(ctx, o.passwords)
		}
		if err != nil {
			return o.failed(opts, &exitError{code: ExitError, err: fmt.Errorf("--passwords: %w", err)})
		}
		defer pws.Close()
		opts.Passwords = pws
	}
	var env ascendkit.Environment
	if o.mode == importer.ModeRun {
		env, err = o.g.openEnv(ctx)
	} else {
		env, err = o.g.openPreviewEnv(ctx)
	}
	if err != nil {
		return o.failed(opts, err)
	}
	defer env.Close()

	notable := &notableEntries{max: 10}
	opts.OnEvent = func(ev importer.Event) {
		prog.event(ev)
		if e, ok := ev.(importer.EntryFound); ok {
			notable.add(e.Entry)
			if entries != nil {
				entries.add(e.Entry)
			}
		}
	}
	rep, runErr := importer.Run(ctx, src, env, opts)
	prog.done()
	if runErr != nil && !rep.Interrupted && rep.Users.Fetched == 0 {
		// Nothing was read (bad key, unreadable file, a file the check
		// before a run refused): the error says it all, and an existing
		// entries file is left as it was. A script asked for JSON still
		// gets the report: its error, and the runId of a recorded run.
		if o.json && rep.Error != "" {
			if err := o.printJSON(rep); err != nil {
				return err
			}
		}
		return runErr
	}
	// When users were read, the entries describe this command's run, even
	// one that stopped partway: they list the users its report counts,
	// which is what a reader of the file after this command expects, not
	// an older run's list. A run stopped (interrupted) before reading
	// anyone leaves an existing file as it was; one that finished on an
	// empty source replaces it with an empty list.
	var entriesErr error
	if entries != nil && (runErr == nil || rep.Users.Fetched > 0) {
		if err := entries.commit(); err != nil {
			// What was imported stays, and the report still goes out
			// (with its runId): only the list is lost.
			entriesErr = fmt.Errorf("writing %s: %w", o.entries, err)
		}
	}
	if o.mode == importer.ModeRun && o.fromIdentity != "" && runErr == nil {
		// The users are in whatever happens here: the report still goes
		// out, saying the sender was not set.
		if err := importer.SetSender(ctx, env, o.fromIdentity, rep.RunID); err != nil {
			runErr = fmt.Errorf("the users were imported, but setting the migration sender failed: %w", err)
			rep.Error = runErr.Error()
		} else {
			rep.Sender = o.fromIdentity
		}
	}
	if o.mode == importer.ModePreview && o.fromIdentity != "" && runErr == nil {
		// What the run would also do: a preview's report is the run's.
		rep.Sender = o.fromIdentity
	}
	if entriesErr != nil && runErr == nil {
		what := "the preview"
		if o.mode == importer.ModeRun {
			what = "the import (its users are written)"
		}
		runErr = fmt.Errorf("%s finished, but the --entries file could not be written: %w", what, entriesErr)
		if o.json {
			rep.Error = runErr.Error() // the human form says it on stderr, after the report
		}
	}
	if o.json {
		if err := o.printJSON(rep); err != nil {
			return err
		}
	} else {
		printReport(o.g.io.Out, rep, env.Describe())
		notable.print(o.g.io.ErrOut, o.entries)
		if next := nextAfterImport(ctx, env, rep); next != "" {
			fmt.Fprintf(o.g.io.Out, "\nNext: %s\n", next)
		}
	}
	if rep.Interrupted {
		last := "Interrupted: what was written stays; run the same command again to continue."
		if o.mode != importer.ModeRun {
			last = "Preview interrupted: nothing was written; the counts are of the users read so far."
		}
		fmt.Fprintln(o.g.io.ErrOut, last)
		return &exitError{code: ExitInterrupted, err: runErr, said: true}
	}
	if runErr != nil {
		return &exitError{code: ExitError, err: runErr}
	}
	if rep.Users.Failed > 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("%d users could not be written", rep.Users.Failed)}
	}
	return nil
}

// checkEntriesPath refuses an --entries path that is the export, the
// passwords file or the environment's database (or its -wal, -shm or
// -journal file): writing the entries there would destroy it.
func (o *importOptions) checkEntriesPath() error {
	if o.entries == "" {
		return nil
	}
	if o.entries == "-" {
		// As --file - reads stdin, - would be taken for stdout, which
		// carries the report: a file named "-" would surprise.
		return usageErr("--entries - is not stdout here (the report goes there); name a file, or /dev/stdout to mix them")
	}
	if st, err := os.Stat(o.entries); err == nil && st.IsDir() {
		return usageErr("--entries %s is a directory; name a file", termtext.Clean(o.entries))
	}
	type named struct{ flag, path string }
	var others []named
	if o.file != "" {
		others = append(others, named{"--file", o.file})
	}
	if o.passwords != "" {
		others = append(others, named{"--passwords", o.passwords})
	}
	if _, t, _, err := o.g.resolveTarget(); err == nil && t.Kind == ascendkit.TargetLocal {
		for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
			others = append(others, named{"the environment's database", t.Path + suffix})
		}
	}
	if p, err := o.g.configPath(); err == nil {
		others = append(others, named{"the set-env config", p})
	}
	for _, other := range others {
		if samePath(o.entries, other.path) {
			return usageErr("--entries %s is %s (%s): writing the entries there would destroy it; name another file",
				termtext.Clean(o.entries), other.flag, termtext.Clean(other.path))
		}
	}
	return nil
}

// samePath says whether a and b name the same file: the same existing
// file (os.SameFile: links included), or the same absolute path when
// either does not exist yet.
func samePath(a, b string) bool {
	if sa, err := os.Stat(a); err == nil {
		if sb, err := os.Stat(b); err == nil {
			return os.SameFile(sa, sb)
		}
	}
	return canonicalPath(a) == canonicalPath(b)
}

// canonicalPath is p made absolute, with the symbolic links of its
// directory resolved (the file itself may not exist yet).
func canonicalPath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(dir, filepath.Base(abs))
	}
	return abs
}

// printReport is the human summary of a preview or run.
func printReport(w io.Writer, r importer.Report, target string) {
	// A run that stopped on an error must not open with "finished": the
	// reason is printed last, under a long summary.
	title := "Preview (dry run): nothing was written"
	switch {
	case r.Mode == importer.ModeRun && r.Error != "":
		title = "Import stopped early on an error (see the end): what was written stays"
	case r.Mode == importer.ModeRun && r.Interrupted:
		title = "Import interrupted"
	case r.Mode == importer.ModeRun:
		title = "Import finished"
	case r.Error != "":
		title = "Preview (dry run) stopped early on an error (see the end): nothing was written"
	case r.Interrupted:
		title = "Preview (dry run) interrupted: nothing was written; the counts are of the users read so far"
	}
	src := map[string]string{"api": "Clerk API", "file": "Clerk export file"}[r.Source.Kind]
	fmt.Fprintf(w, "%s\n  source: %s (%s)   target: %s\n\n", title, src, termtext.Clean(r.Source.Format), termtext.Clean(target))
	u := r.Users
	if r.Phases.Users {
		verb := "to import"
		fmt.Fprintf(w, "Users\n  fetched      %7d\n  %-12s %7d\n", u.Fetched, verb, u.ToImport)
		if r.Mode == importer.ModeRun {
			fmt.Fprintf(w, "  imported     %7d\n", u.Imported)
		}
		fmt.Fprintf(w, "  duplicates   %7d  %s\n", u.Duplicates, reasons(u.DuplicateReasons))
		if u.ToMerge > 0 || u.Merged > 0 {
			if r.Mode == importer.ModeRun {
				fmt.Fprintf(w, "  merged       %7d\n", u.Merged)
			} else {
				fmt.Fprintf(w, "  to merge     %7d\n", u.ToMerge)
			}
		}
		fmt.Fprintf(w, "  skipped      %7d  %s\n", u.Skipped, reasons(u.SkippedReasons))
		if u.NotWritten > 0 && r.Mode == importer.ModeRun {
			fmt.Fprintf(w, "  not written  %7d  (%s)\n", u.NotWritten, importer.NotWrittenWhy)
		} else if u.NotWritten > 0 {
			fmt.Fprintf(w, "  not counted  %7d  (%s)\n", u.NotWritten, importer.NotCountedWhy)
		}
		if u.NotSelected > 0 {
			fmt.Fprintf(w, "  not selected %7d  (left out by --only)\n", u.NotSelected)
		}
		if u.Failed > 0 {
			fmt.Fprintf(w, "  failed       %7d\n", u.Failed)
		}
		if n := r.ImportedNotInSource; n > 0 {
			fmt.Fprintf(w, "  not in source%7d  (created by an earlier import, no longer in this source: they stay in AscendKit; see Warnings)\n", n)
		}
		if n := u.DuplicateReasons[importer.ReasonAlreadyImported]; r.Mode == importer.ModeRun && r.Error == "" && !r.Interrupted &&
			u.Imported == 0 && u.Merged == 0 && u.Failed == 0 && u.ToImport == 0 && n > 0 {
			// A run again of the same source: the counts and warnings
			// below are of users imported before, not just now. Its other
			// duplicates (repeated in the source, an address AscendKit
			// has) were not written the first time either.
			fmt.Fprintln(w, "  nothing new  every user it could import was imported by an earlier run: no user was written")
		}
		fmt.Fprintf(w, "OAuth links    %7d", r.OAuthLinks)
		if r.OAuthLinkConflicts > 0 {
			fmt.Fprintf(w, "  (%d not linked: account already linked to another user)", r.OAuthLinkConflicts)
		}
		if r.OAuthLinksUnverified > 0 {
			fmt.Fprintf(w, "  (%d not linked: unverified in Clerk)", r.OAuthLinksUnverified)
		}
		fmt.Fprintf(w, "\nTags           %s\nEvents         %s\n", counts(r.Tags), counts(r.Events))
		printPasswordsAndRun(w, r)
		switch {
		case r.Enrollments > 0 && r.Mode == importer.ModeRun:
			fmt.Fprintf(w, "Enrolled into active journeys: %d\n", r.Enrollments)
		case r.Enrollments > 0 && u.ToMerge > 0:
			// Counted for the users it creates only: say so, lest the
			// merged users' first emails come as a surprise.
			fmt.Fprintf(w, "To enroll into active journeys: %d of the users it creates (their emails start as the run imports them); the %s it merges into are enrolled too where an active journey's audience takes them\n",
				r.Enrollments, map[bool]string{true: "user", false: fmt.Sprintf("%d users", u.ToMerge)}[u.ToMerge == 1])
		case r.Enrollments > 0:
			fmt.Fprintf(w, "To enroll into active journeys: %d (their emails start as the run imports them)\n", r.Enrollments)
		}
	} else {
		fmt.Fprintf(w, "Users: phase skipped (--settings); %d users read for the analysis\n", u.Fetched)
	}
	s := r.Settings
	if r.Phases.Settings {
		fmt.Fprintf(w, "\nAuth settings\n  providers    %s\n  before       %s\n  after        %s\n", list(s.Providers), list(s.Before), list(s.After))
		if len(s.ProviderUsers) > 0 {
			fmt.Fprintf(w, "  users        %s\n", counts(s.ProviderUsers))
		}
		if len(s.Unsupported) > 0 {
			fmt.Fprintf(w, "  unsupported  %s (not enabled)\n", counts(s.Unsupported))
		}
		for _, c := range []struct {
			label string
			n     int
		}{{"SSO users", s.SSOUsers}, {"MFA users", s.MFAUsers}, {"sign-in methods not in this file", s.SignInUnknownUsers}, {"phone only", s.PhoneOnlyUsers},
			{"username only", s.UsernameOnlyUsers}, {"web3 only", s.Web3OnlyUsers}} {
			if c.n > 0 {
				fmt.Fprintf(w, "  %-12s %d\n", c.label, c.n)
			}
		}
		fmt.Fprintln(w, "  (providers are merged into the environment's settings; none are removed)")
	} else {
		fmt.Fprintln(w, "\nAuth settings: phase skipped (--users)")
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintln(w, "\nWarnings")
		for _, msg := range r.Warnings {
			fmt.Fprintf(w, "  ! %s\n", termtext.Clean(msg))
		}
	}
	if r.Error != "" {
		fmt.Fprintf(w, "\nStopped early: %s\n", termtext.Clean(r.Error))
	} else if r.Sender != "" && r.Mode == importer.ModePreview {
		fmt.Fprintf(w, "\nMigration sender: the run sets it to %s (saved, and on the migration journeys' emails)\n", termtext.Clean(r.Sender))
	} else if r.Sender != "" {
		fmt.Fprintf(w, "\nMigration sender set to %s\n", termtext.Clean(r.Sender))
	}
}

// nextAfterImport is the command to run after a preview or a finished
// run, printed last so a first-time user knows where the workflow goes:
// apply the preview, create the journeys, review and activate them.
func nextAfterImport(ctx context.Context, env ascendkit.Environment, r importer.Report) string {
	if r.Interrupted || r.Error != "" {
		return "" // the error or "run the same command again" says what to do
	}
	if r.Mode == importer.ModePreview {
		return "`ascendkit import clerk run` with the same flags, to apply it"
	}
	js, err := env.ListJourneys(ctx)
	if err != nil {
		return ""
	}
	var mine []ascendkit.Journey
	for _, j := range js {
		if j.Name == importer.JourneyAnnouncement || j.Name == importer.JourneyPasswordReset {
			mine = append(mine, j)
		}
	}
	if len(mine) == 0 {
		return "ascendkit import migration-journey create --from-identity <email> --app-name <name> --login-url <url> --reset-url <url>"
	}
	for _, j := range mine {
		if j.Status != ascendkit.StatusActive {
			return "ascendkit journey activate " + j.ID + " --dry-run"
		}
	}
	return "ascendkit user list --tag " + importer.TagClerk
}

func reasons(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", strings.ReplaceAll(k, "_", " "), m[k]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func counts(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", termtext.Clean(k), m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func list(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, ", ")
}

func sortedKeys(m map[string]int) []string { return slices.Sorted(maps.Keys(m)) }

// notableEntries keeps the first skipped and failed users to show after a
// human summary (duplicates are counted, not listed), first in the
// source's order: a page reports the users it skips unread before the
// ones it flags, and held users at the end of the source, so the order
// entries come in is not the users'.
type notableEntries struct {
	max   int
	shown []importer.Entry // in notableOrder
	more  int
}

func (n *notableEntries) add(e importer.Entry) {
	if e.Kind == "duplicate" {
		return
	}
	i, _ := slices.BinarySearchFunc(n.shown, e, func(a, b importer.Entry) int {
		// Equal ones keep the order they came in.
		if c := notableOrder(a, b); c != 0 {
			return c
		}
		return -1
	})
	if i >= n.max {
		n.more++
		return
	}
	n.shown = slices.Insert(n.shown, i, e)
	if len(n.shown) > n.max {
		n.shown = n.shown[:n.max]
		n.more++
	}
}

// notableOrder orders entries as they are listed: the source's users by
// position, then the passwords file's records by theirs, then users of
// the environment the source no longer has (no position).
func notableOrder(a, b importer.Entry) int {
	group := func(e importer.Entry) int {
		switch {
		case e.Reason == importer.ReasonImportedNotInSource:
			return 2
		case e.File == importer.EntryFilePasswords:
			return 1
		}
		return 0
	}
	return cmp.Or(cmp.Compare(group(a), group(b)), cmp.Compare(a.Pos, b.Pos))
}

func (n *notableEntries) print(w io.Writer, entriesPath string) {
	if len(n.shown) == 0 {
		return
	}
	fmt.Fprintln(w, "\nSkipped, failed or flagged users:")
	for _, e := range n.shown {
		who := e.Email
		if who == "" {
			who = "(no email)"
		}
		line := fmt.Sprintf("  #%d %s %s: %s", e.Pos, termtext.Clean(e.SourceID), termtext.Clean(who), e.Reason)
		if e.Email == "" && e.Reason == importer.ReasonMalformed {
			// A record that could not be read may well have an email:
			// "(no email)" would read like the no_email reason.
			line = fmt.Sprintf("  #%d %s: %s", e.Pos, termtext.Clean(e.SourceID), e.Reason)
		}
		switch {
		case e.Reason == importer.ReasonImportedNotInSource:
			// Not a user of the source: no position, and the AscendKit
			// user is what to look at.
			line = fmt.Sprintf("  %s %s (%s): %s", termtext.Clean(e.SourceID), termtext.Clean(who), termtext.Clean(e.ExistingUserID), e.Reason)
		case e.File == importer.EntryFilePasswords:
			// Not a user of the source: named by what its record has, at
			// its position in the passwords file.
			parts := []string{fmt.Sprintf("passwords file record %d", e.Pos)}
			for _, v := range []string{e.SourceID, e.Email} {
				if v != "" {
					parts = append(parts, termtext.Clean(v))
				}
			}
			line = "  " + strings.Join(parts, " ") + ": " + e.Reason
		}
		if e.Detail != "" {
			line += " — " + termtext.Clean(e.Detail)
		}
		fmt.Fprintln(w, line)
	}
	if n.more > 0 {
		hint := " (--entries FILE lists them all)"
		if entriesPath != "" {
			hint = " (all in " + entriesPath + ")"
		}
		fmt.Fprintf(w, "  … and %d more%s\n", n.more, hint)
	}
}

// entryLog writes every entry as a JSON line, so no user is lost from the
// record. It writes a temporary file next to the target, put in its place
// by commit: until then an existing file at the path is untouched.
type entryLog struct {
	path string
	f    *os.File
	w    *bufio.Writer
	enc  *jsonWriter
	err  error
	// direct: the path is no regular file (a pipe, /dev/stdout, a
	// terminal), read while it is written: written to as it is.
	direct bool
}

func newEntryLog(path string) (*entryLog, error) {
	// Through a symbolic link the file it names is replaced, the link kept.
	target := path
	if real, err := filepath.EvalSymlinks(path); err == nil {
		target = real
	}
	if st, err := os.Stat(target); err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return nil, &exitError{code: ExitError, err: fmt.Errorf("--entries %s: %w", termtext.Clean(path), unwrapPathError(err))}
		}
		w := bufio.NewWriter(f)
		return &entryLog{path: path, f: f, w: w, enc: newJSONWriter(w, ""), direct: true}, nil
	}
	// CreateTemp makes the file 0600: the entries hold people's emails
	// and names, readable by the owner only.
	f, err := importer.TempFile(filepath.Dir(target), "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("--entries %s: cannot write in %s: %w", termtext.Clean(path), termtext.Clean(filepath.Dir(target)), unwrapPathError(err))}
	}
	w := bufio.NewWriter(f)
	return &entryLog{path: target, f: f, w: w, enc: newJSONWriter(w, "")}, nil
}

// unwrapPathError drops *os.PathError's path: not the temporary name,
// which the user never gave.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (l *entryLog) add(e importer.Entry) {
	if l.err == nil {
		l.err = l.enc.Encode(e)
	}
}

// commit writes what is buffered and renames the temporary file over the
// target.
func (l *entryLog) commit() error {
	if l.f == nil {
		return l.err
	}
	if err := l.w.Flush(); err != nil && l.err == nil {
		l.err = err
	}
	if l.direct {
		if err := l.f.Close(); err != nil && l.err == nil {
			l.err = err
		}
		l.f = nil
		return l.err
	}
	if err := l.f.Sync(); err != nil && l.err == nil {
		l.err = err
	}
	if err := l.f.Close(); err != nil && l.err == nil {
		l.err = err
	}
	tmp := l.f.Name()
	l.f = nil
	if l.err == nil {
		l.err = os.Rename(tmp, l.path)
	}
	if l.err != nil {
		os.Remove(tmp)
	}
	return l.err
}

// discard removes the temporary file if commit has not run.
func (l *entryLog) discard() {
	if l.f == nil {
		return
	}
	l.f.Close()
	if !l.direct {
		os.Remove(l.f.Name())
	}
	l.f = nil
}
