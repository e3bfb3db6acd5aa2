package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ascendkit/ascendkit/client/ascendkit"
	"github.com/ascendkit/ascendkit/importer"
	"github.com/ascendkit/ascendkit/ui/termtext"
	"github.com/spf13/cobra"
)

// maxBodyBytes bounds a body read from a file or stdin: far above any
// real email (Gmail clips messages past ~100 KB), low enough that a
// wrong path (a log, an image) is refused rather than read into memory.
const maxBodyBytes = 1 << 20

// templateUpdateOptions are the flags of `template update`.
type templateUpdateOptions struct {
	g            *globalOptions
	subject      string
	bodyHTML     string
	bodyText     string
	bodyHTMLFile string
	bodyTextFile string
	name         string
	category     string
	json         bool
}

func newTemplateUpdateCmd(g *globalOptions) *cobra.Command {
	o := &templateUpdateOptions{g: g}
	cmd := &cobra.Command{
		Use:   "update <id|slug> [--subject …] [--body-html …|--body-html-file <path>] [--body-text …|--body-text-file <path>] [--name …] [--category …]",
		Short: "Change a template: every update makes a new version",
		Long: `Changes a template's subject, bodies, name or category. Every update makes a
new, immutable version (the previous ones are kept); the journeys that send
the template use the new version for every email from now on.

Fields not given keep their value. A body is read from a file with
--body-html-file / --body-text-file ("-" reads stdin). {{variables}} that
would render empty (not a user field, and not set on the journey nodes
that send the template) are reported as warnings.`,
		Example: "  ascendkit template update migration-announcement --subject \"We're moving to AscendKit\"\n" +
			"  ascendkit template update tpl_123 --body-html-file announcement.html --body-text-file announcement.txt",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.subject, "subject", "", "the email's subject line")
	f.StringVar(&o.bodyHTML, "body-html", "", "the HTML body")
	f.StringVar(&o.bodyHTMLFile, "body-html-file", "", `read the HTML body from this file ("-": stdin)`)
	f.StringVar(&o.bodyText, "body-text", "", "the plain-text body")
	f.StringVar(&o.bodyTextFile, "body-text-file", "", `read the plain-text body from this file ("-": stdin)`)
	f.StringVar(&o.name, "name", "", "the template's name (as lists show it)")
	f.StringVar(&o.category, "category", "", "marketing or transactional")
	f.BoolVar(&o.json, "json", false, "print the new version and its warnings as JSON")
	return cmd
}

// templateField is one field an update sets.
type templateField struct {
	name  string // as in the JSON: subject, bodyHtml, …
	value string
	cur   func(ascendkit.Template) string
}

// fields reads and checks the flags given, before the environment is opened.
func (o *templateUpdateOptions) fields(cmd *cobra.Command) ([]templateField, error) {
	flags := cmd.Flags()
	var out []templateField
	oneLine := func(flag, field, v string, cur func(ascendkit.Template) string) error {
		if !flags.Changed(flag) {
			return nil
		}
		v = strings.TrimSpace(v)
		if v == "" {
			return usageErr("--%s is empty: a template needs a %s", flag, flag)
		}
		if strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return usageErr("--%s must be one line of text without control characters", flag)
		}
		out = append(out, templateField{field, v, cur})
		return nil
	}
	if err := oneLine("subject", "subject", o.subject, func(t ascendkit.Template) string { return t.Subject }); err != nil {
		return nil, err
	}
	if err := oneLine("name", "name", o.name, func(t ascendkit.Template) string { return t.Name }); err != nil {
		return nil, err
	}
	if flags.Changed("category") {
		c := strings.ToLower(strings.TrimSpace(o.category))
		if c != ascendkit.CategoryMarketing && c != ascendkit.CategoryTransactional {
			return nil, usageErr("--category %q: want %s or %s", o.category, ascendkit.CategoryMarketing, ascendkit.CategoryTransactional)
		}
		out = append(out, templateField{"category", c, func(t ascendkit.Template) string { return t.Category }})
	}
	if o.bodyHTMLFile == "-" && o.bodyTextFile == "-" {
		return nil, usageErr("--body-html-file and --body-text-file: only one can read stdin")
	}
	for _, b := range []struct {
		flag, fileFlag, field string
		value, file           string
		cur                   func(ascendkit.Template) string
	}{
		{"body-html", "body-html-file", "bodyHtml", o.bodyHTML, o.bodyHTMLFile, func(t ascendkit.Template) string { return t.BodyHTML }},
		{"body-text", "body-text-file", "bodyText", o.bodyText, o.bodyTextFile, func(t ascendkit.Template) string { return t.BodyText }},
	} {
		inline, fromFile := flags.Changed(b.flag), flags.Changed(b.fileFlag)
		switch {
		case inline && fromFile:
			return nil, usageErr("--%s and --%s: give one", b.flag, b.fileFlag)
		case !inline && !fromFile:
			continue
		}
		v, src := b.value, "--"+b.flag
		if fromFile {
			var err error
			if v, err = readBody(o.g.io, b.file); err != nil {
				return nil, err
			}
			src = "--" + b.fileFlag + " " + b.file
		}
		if strings.TrimSpace(v) == "" {
			return nil, usageErr("%s is empty: give the new body (a body cannot be removed)", src)
		}
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return nil, usageErr("%s is not UTF-8 text", src)
		}
		out = append(out, templateField{b.field, v, b.cur})
	}
	if len(out) == 0 {
		return nil, usageErr("nothing to update: give --subject, --body-html[-file], --body-text[-file], --name or --category")
	}
	return out, nil
}

// readBody reads a body file ("-": stdin), at most maxBodyBytes, without
// a UTF-8 byte order mark (editors add one; it would be sent as text).
func readBody(ios *IO, path string) (string, error) {
	var r io.Reader = ios.In
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", &exitError{code: ExitError, err: err}
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxBodyBytes+1))
	if err != nil {
		return "", &exitError{code: ExitError, err: fmt.Errorf("reading %s: %w", path, err)}
	}
	if len(b) > maxBodyBytes {
		return "", usageErr("%s is larger than %d KiB: not an email body", path, maxBodyBytes>>10)
	}
	return string(bytes.TrimPrefix(b, []byte("\ufeff"))), nil
}

// templateUpdated is the JSON of `template update`: the new version,
// what changed from the previous one, what would render empty and the
// journeys that send it.
type templateUpdated struct {
	ascendkit.Template
	PreviousVersion int              `json:"previousVersion"`
	Changed         []string         `json:"changed"`
	Warnings        []string         `json:"warnings"`
	SentBy          []templateSender `json:"sentBy"`
}

// templateSender is a journey node that sends a template.
type templateSender struct {
	JourneyID string `json:"journeyId"`
	Journey   string `json:"journey"`
	Status    string `json:"status"`
	Node      string `json:"node"`
}

func (o *templateUpdateOptions) run(cmd *cobra.Command, ref string) error {
	ctx := cmd.Context()
	fields, err := o.fields(cmd)
	if err != nil {
		return err
	}
	return withExisting(ctx, o.g, func(env ascendkit.Environment) error {
		cur, err := env.GetTemplate(ctx, ref)
		if err != nil {
			return err
		}
		next := ascendkit.Template{ID: cur.ID}
		var changed []string
		for _, f := range fields {
			if f.value == f.cur(cur) {
				continue
			}
			changed = append(changed, f.name)
			switch f.name {
			case "subject":
				next.Subject = f.value
			case "name":
				next.Name = f.value
			case "category":
				next.Category = f.value
			case "bodyHtml":
				next.BodyHTML = f.value
			case "bodyText":
				next.BodyText = f.value
			}
		}
		if len(changed) == 0 {
			return &exitError{code: ExitError, err: fmt.Errorf("template %s (v%d) already has these values: nothing changed, no new version made", cur.ID, cur.Version)}
		}
		up, err := env.UpdateTemplate(ctx, next)
		if err != nil {
			return err
		}
		senders, warnings, err := templateWarnings(ctx, env, up)
		if err != nil {
			return err
		}
		res := templateUpdated{Template: up, PreviousVersion: cur.Version, Changed: changed, Warnings: warnings, SentBy: senders}
		for _, w := range warnings {
			fmt.Fprintf(o.g.io.ErrOut, "warning: %s\n", termtext.Clean(w))
		}
		if o.json {
			return printJSON(o.g.io.Out, res)
		}
		printTemplateUpdated(o.g.io.Out, res)
		return nil
	})
}

func printTemplateUpdated(w io.Writer, res templateUpdated) {
	t := res.Template
	fmt.Fprintf(w, "Updated %s  %s: v%d → v%d (%s changed)\nSubject: %s\nCategory: %s\n",
		t.ID, termtext.Clean(t.Name), res.PreviousVersion, t.Version, strings.Join(res.Changed, ", "), termtext.Clean(t.Subject), t.Category)
	if len(res.SentBy) == 0 {
		fmt.Fprintln(w, "No journey sends this template.")
	} else {
		fmt.Fprintln(w, "Sent by (the new version from now on):")
		for _, s := range res.SentBy {
			fmt.Fprintf(w, "  %s  %s (%s), node %s\n", s.JourneyID, termtext.Clean(s.Journey), s.Status, termtext.Clean(s.Node))
		}
	}
	fmt.Fprintf(w, "\nNext: ascendkit template show %s\n", t.ID)
}

// placeholderPattern matches anything written as a {{placeholder}},
// including what the renderer does not take for a variable.
var placeholderPattern = regexp.MustCompile(`\{\{[^{}]*\}\}`)

// templateWarnings lists the journey nodes that send t and what of t
// would not render: placeholders that are not variables (sent as
// written) and variables with no value where the template is sent
// (rendered empty), found by rendering as those nodes do.
func templateWarnings(ctx context.Context, env ascendkit.Environment, t ascendkit.Template) ([]templateSender, []string, error) {
	warnings := []string{}
	var odd []string
	for _, s := range []string{t.Subject, t.BodyText, t.BodyHTML} {
		for _, m := range placeholderPattern.FindAllString(s, -1) {
			// The renderer's own reading decides what is a variable.
			if len(importer.TemplateVariables(ascendkit.Template{Subject: m})) == 0 && !slices.Contains(odd, m) {
				odd = append(odd, m)
			}
		}
	}
	for _, m := range odd {
		warnings = append(warnings, fmt.Sprintf("%s is not a variable (a name is letters, digits, _ and .): it is sent as written", m))
	}
	js, err := env.ListJourneys(ctx)
	if err != nil {
		return nil, nil, err
	}
	// A user with every user field set: only what nothing fills is missing.
	u := ascendkit.User{Name: "name", Email: "user@example.com"}
	senders := []templateSender{}
	for _, j := range js {
		for _, n := range j.Nodes {
			if n.Action != ascendkit.ActionSendEmail || n.TemplateSlug != t.Slug {
				continue
			}
			senders = append(senders, templateSender{JourneyID: j.ID, Journey: j.Name, Status: j.Status, Node: n.ID})
			for _, v := range importer.Render(t, u, n.Variables).Missing {
				warnings = append(warnings, fmt.Sprintf("{{%s}} is not set on node %s of journey %q (%s): it renders empty; set it with `ascendkit journey set-vars %s --node %s --var %s=<value>`",
					v, n.ID, j.Name, j.ID, j.ID, n.ID, v))
			}
		}
	}
	if len(senders) == 0 {
		for _, v := range importer.Render(t, u, nil).Missing {
			warnings = append(warnings, fmt.Sprintf("{{%s}} is not a user field (userName, userEmail) and no journey sends this template to set it: it renders empty", v))
		}
	}
	return senders, warnings, nil
}
