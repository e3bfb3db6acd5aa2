package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
	"github.com/spf13/cobra"
)

// authUpdateOptions are the flags of `auth update`.
type authUpdateOptions struct {
	g         *globalOptions
	providers string
	json      bool
}

func newAuthUpdateCmd(g *globalOptions) *cobra.Command {
	o := &authUpdateOptions{g: g}
	cmd := &cobra.Command{
		Use:   "update --providers <a,b,…>",
		Short: "Set the enabled sign-in providers",
		Long: `Sets exactly which sign-in providers are enabled: those named are turned on,
every other one off. Known providers: ` + list(importer.SupportedProviders) + `.

Turning off a provider that users sign in with is done, with a warning
counting them: users with a password (kept from Clerk or set since) or
tagged import:needs-password-reset when credentials goes, users with no
password, no linked account and no SSO when magic-link goes, users with a
linked account when their social provider goes. Banned users are not
counted. An empty list is refused: nobody could sign in.

The providers turned on or off are recorded as changed by hand: ` + "`import undo`" + `
never turns off one last turned on by hand. A later ` + "`import clerk run`" + ` turns
on again the providers its users sign in with, warning of those turned off
by hand (its --providers flag chooses the social ones).`,
		Example: "  ascendkit auth update --providers credentials,google,magic-link\n  ascendkit auth update --providers credentials,github --json",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	cmd.Flags().StringVar(&o.providers, "providers", "", "the providers to enable, comma-separated (the others are turned off)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print the new settings, what changed and the warnings as JSON")
	return cmd
}

// authUpdated is the JSON of `auth update`: the settings as `auth show
// --json` gives them, with what changed and the warnings.
type authUpdated struct {
	Providers []string          `json:"providers"`
	Before    []string          `json:"before"`
	Enabled   []string          `json:"enabled"`
	Disabled  []string          `json:"disabled"`
	Changed   bool              `json:"changed"`
	Warnings  []providerWarning `json:"warnings"`
}

// providerWarning says how many users lose a way to sign in.
type providerWarning struct {
	Provider string `json:"provider"`
	Users    int    `json:"users"`
	Message  string `json:"message"`
}

func (o *authUpdateOptions) run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	if !cmd.Flags().Changed("providers") {
		return usageErr("give --providers a,b: the providers to enable (known: %s); the others are turned off", list(importer.SupportedProviders))
	}
	after, err := importer.ParseProviders(o.providers)
	if err != nil {
		return usageErr("--providers: %v", err)
	}
	if len(after) == 0 {
		// Nobody could sign in with every provider off.
		return usageErr("--providers names no provider (it was given %q): give at least one (known: %s); nobody can sign in with none", o.providers, list(importer.SupportedProviders))
	}
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error {
		s, err := env.AuthSettings(ctx)
		if err != nil {
			return err
		}
		res := authUpdated{Providers: after, Before: s.Providers, Enabled: []string{}, Disabled: []string{}, Warnings: []providerWarning{}}
		if res.Before == nil {
			res.Before = []string{}
		}
		for _, p := range after {
			if !slices.Contains(res.Before, p) {
				res.Enabled = append(res.Enabled, p)
			}
		}
		for _, p := range res.Before {
			if !slices.Contains(after, p) {
				res.Disabled = append(res.Disabled, p)
			}
		}
		res.Changed = len(res.Enabled)+len(res.Disabled) > 0
		if res.Changed {
			if len(res.Disabled) > 0 {
				if res.Warnings, err = providerWarnings(ctx, env, res.Disabled, after); err != nil {
					return err
				}
			}
			if err := env.SetAuthProvidersByHand(ctx, after, time.Now()); err != nil {
				return err
			}
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(o.g.io.ErrOut, "warning: %s\n", w.Message)
		}
		if o.json {
			return printJSON(o.g.io.Out, res)
		}
		printAuthUpdated(o.g.io.Out, res)
		return nil
	})
}

// providerWarnings counts, for each provider turned off, the users who
// lose that way in: those with a checkable password or a reset pending
// (they set one through the reset journey) for credentials, those with
// nothing but their email (no password, link or SSO) for magic-link, and
// those with a linked account for a social provider.
func providerWarnings(ctx context.Context, env ascendkit.Environment, off, after []string) ([]providerWarning, error) {
	c, err := env.SignInCounts(ctx, ascendkit.SignInTags{Reset: importer.TagNeedsPasswordReset, SSO: importer.TagSSO})
	if err != nil {
		return nil, err
	}
	still := ""
	if slices.Contains(after, "magic-link") {
		still = " (a magic link still signs them in)"
	}
	out := []providerWarning{}
	for _, p := range off {
		var n int
		var msg string
		switch p {
		case "credentials":
			n = c.Passwords + c.ResetPending
			msg = fmt.Sprintf("%s can no longer sign in with a password now that credentials is off: %s%s", countUsers(n), passwordUsers(c), still)
		case "magic-link":
			n = c.Passwordless
			msg = fmt.Sprintf("%s with no password, no linked account and no SSO (passwordless in Clerk: email code or link) can no longer sign in at all now that magic-link is off", countUsers(n))
		default:
			n = c.Links[p]
			msg = fmt.Sprintf("%s with an account linked at %s can no longer sign in with it now that %s is off%s", countUsers(n), p, p, still)
		}
		if n == 0 {
			continue
		}
		out = append(out, providerWarning{Provider: p, Users: n, Message: msg})
	}
	return out, nil
}

// passwordUsers says which users the credentials warning counts.
func passwordUsers(c ascendkit.SignInCounts) string {
	var parts []string
	if c.Passwords > 0 {
		parts = append(parts, fmt.Sprintf("%s a password (kept from Clerk or set since)", haveOrHas(c.Passwords)))
	}
	if c.ResetPending > 0 {
		parts = append(parts, fmt.Sprintf("%s tagged %s, to set one through the reset journey", importer.Thousands(c.ResetPending), importer.TagNeedsPasswordReset))
	}
	return strings.Join(parts, ", ")
}

func haveOrHas(n int) string {
	if n == 1 {
		return "1 has"
	}
	return importer.Thousands(n) + " have"
}

func countUsers(n int) string {
	if n == 1 {
		return "1 user"
	}
	return importer.Thousands(n) + " users"
}

func printAuthUpdated(w io.Writer, res authUpdated) {
	if !res.Changed {
		fmt.Fprintf(w, "Providers: %s (unchanged)\n", termtext.Clean(list(res.Providers)))
		return
	}
	fmt.Fprintf(w, "Providers: %s\n", termtext.Clean(list(res.Providers)))
	if len(res.Enabled) > 0 {
		fmt.Fprintf(w, "Turned on: %s\n", list(res.Enabled))
	}
	if len(res.Disabled) > 0 {
		fmt.Fprintf(w, "Turned off: %s\n", termtext.Clean(list(res.Disabled)))
	}
}
