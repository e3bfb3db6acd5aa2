// Package cli is the scripted face of ascendkit: the cobra command tree.
// Every command is a thin layer over the importer core and the AscendKit
// environment, so the CLI and the wizard give the same numbers.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"github.com/ascendkit/ascendkit/client/clerk"
	"github.com/ascendkit/ascendkit/ui/termtext"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitInterrupted = 130
)

// exitError carries an exit code with its message.
type exitError struct {
	code int
	err  error
	// said: the command has told the user why it ended (an interrupted
	// import's last line); nothing more is printed.
	said bool
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

// IO is where a command reads and writes; tests swap it.
type IO struct {
	In     io.Reader
	Out    io.Writer // data
	ErrOut io.Writer // progress, warnings, errors
	// IsTTY reports whether stdin and stdout are terminals (the wizard
	// needs both); StderrTTY whether progress may redraw a line.
	IsTTY     bool
	StderrTTY bool
	Getenv    func(string) string
}

// SystemIO is the process's own terminal.
func SystemIO() *IO {
	return &IO{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		IsTTY:     term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		Getenv:    os.Getenv,
	}
}

// globalOptions are the flags every command has.
type globalOptions struct {
	io  *IO
	env string // --env target
}

// NewRootCmd builds the command tree.
func NewRootCmd(ios *IO) *cobra.Command {
	g := &globalOptions{io: ios}
	root := &cobra.Command{
		Use:   "ascendkit",
		Short: "Move your users from Clerk into AscendKit",
		Long: `ascendkit moves a company's users from Clerk into AscendKit and sets up the
emails that tell them about the move.

Run it with no arguments on a terminal for the interactive wizard, or
"ascendkit demo" to try the wizard on built-in sample data.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWizard(cmd.Context(), g, wizardSource)
		},
	}
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.PersistentFlags().StringVar(&g.env, "env", "", "target environment, e.g. local:./migration.db (default: $ASCENDKIT_ENV, the set-env target, else the local default)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%v", err) })

	root.AddCommand(
		newSetEnvCmd(g),
		newImportCmd(g),
		newTemplateCmd(g),
		newJourneyCmd(g),
		newUserCmd(g),
		newEventCmd(g),
		newAuthCmd(g),
		newDemoCmd(g),
		newBrowseCmd(g),
	)
	return root
}

// signalContext is cancelled by ctrl+c, SIGTERM and the terminal going
// away (SIGHUP), so that every command stops as ctrl+c stops it: an
// import after the batch in flight, and the temporary directories of a
// preview or the wizard removed (SIGHUP killed the process, leaving
// them). A process started with SIGHUP ignored (nohup) keeps ignoring it.
func signalContext() (context.Context, context.CancelFunc) {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return signal.NotifyContext(context.Background(), sigs...)
}

// Execute runs the CLI with the process's arguments and returns the exit code.
func Execute() int {
	ctx, stop := signalContext()
	defer stop()
	if path := os.Getenv(profileEnv); path != "" {
		stopProfile, err := startProfile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			return ExitError
		}
		defer func() {
			if err := stopProfile(); err != nil {
				fmt.Fprintln(os.Stderr, "error:", err)
			}
		}()
	}
	return Run(ctx, SystemIO(), os.Args[1:])
}

// Run runs the CLI with args and returns the exit code.
func Run(ctx context.Context, ios *IO, args []string) int {
	root := NewRootCmd(ios)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if ee := (*exitError)(nil); errors.As(err, &ee) && ee.said {
		return ee.code
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(ios.ErrOut, interruptedLine(err))
		return ExitInterrupted
	}
	// Errors can carry text from Clerk or from a file: print it clean,
	// and never with a Clerk secret key a flag or argument quoted.
	fmt.Fprintln(ios.ErrOut, "error:", redactSecrets(termtext.CleanBlock(err.Error())))
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case isUsage(err):
		return ExitUsage
	}
	return ExitError
}

// interruptedLine is what a command stopped by ctrl+c (or SIGTERM, SIGHUP)
// ends with: "interrupted", and what its error says beside that, such as
// what was done before ("run … is undone, but its migration sender was
// not put back (undo it again to finish)"), which the one word would lose.
func interruptedLine(err error) string {
	if msg := err.Error(); msg != context.Canceled.Error() {
		return "interrupted: " + redactSecrets(termtext.CleanBlock(msg))
	}
	return "interrupted"
}

// secretKeyRE matches a Clerk secret key: the prefix and the run of
// characters after it up to a space, quote or separator (so a key pasted
// with odd characters is still hidden whole, while a bare "sk_live_…" in
// a message is left alone).
var secretKeyRE = regexp.MustCompile(`(?i)sk_(live|test)_[^\s"'/:,;…)]+`)

// looksLikeSecretKey says whether a flag value holds a Clerk secret key,
// which must then not be quoted back in an error.
func looksLikeSecretKey(s string) bool { return secretKeyRE.MatchString(s) }

// redactSecrets replaces every Clerk secret key in s with its prefix and
// "[redacted]": an error quoting a value given where a key did not belong
// (cobra's "unknown command", a flag's "invalid argument") shows no key.
func redactSecrets(s string) string {
	return clerk.MaskDigests(secretKeyRE.ReplaceAllString(s, "sk_${1}_[redacted]"))
}

// isUsage recognises cobra's own argument errors.
func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires exactly", "unknown flag", "unknown shorthand", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
