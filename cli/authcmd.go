package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/spf13/cobra"
)

// checkPasswordOptions are the flags of `auth check-password`.
type checkPasswordOptions struct {
	g *globalOptions
}

func newCheckPasswordCmd(g *globalOptions) *cobra.Command {
	o := &checkPasswordOptions{g: g}
	return &cobra.Command{
		Use:   "check-password <email|user-id>",
		Short: "Check a password against the one kept from Clerk (reads it from stdin)",
		Long: `Check a password against the digest kept from Clerk for that user: the proof
that a canary user can sign in with their old password. The password is read
from stdin (without echo on a terminal). Exit 0: password matches; exit 1:
password does not match, or the user has no kept password (and why).`,
		Example: "  ascendkit auth check-password ada@example.com\n  printf '%s' \"$PW\" | ascendkit auth check-password ada@example.com",
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return o.run(cmd.Context(), args[0]) },
	}
}

func (o *checkPasswordOptions) run(ctx context.Context, who string) error {
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error {
		st, err := importer.KeptPassword(ctx, env, who)
		var none *importer.NoKeptPasswordError
		if errors.As(err, &none) {
			return &exitError{code: ExitError, err: err}
		}
		if err != nil {
			return err
		}
		pw, err := readSecret(ctx, o.g.io, "Password: ")
		if err != nil {
			return fmt.Errorf("reading the password from stdin: %w", err)
		}
		if pw == "" {
			return usageErr("no password on stdin")
		}
		ok, err := importer.CheckPassword(st, pw)
		if err != nil {
			return &exitError{code: ExitError, err: err}
		}
		if !ok {
			return &exitError{code: ExitError, err: errors.New("password does not match")}
		}
		fmt.Fprintln(o.g.io.Out, "password matches")
		return nil
	})
}
