package cli

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
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
	force        bool
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
that send the template), braces that are no {{variable}} and a body
changed without the other are reported as warnings. An update that would
send a variable empty from an active journey is refused unless --force.`,
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
	f.BoolVar(&o.force, "force", false, "update even if an active journey would send a variable empty")
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
		if err := importer.ValidateTemplateLine(v); err != nil {
			return usageErr("--%s: %v", flag, err)
		}
		if flag == "subject" && len(v) > importer.MaxSubjectBytes {
			return usageErr("--subject is %d bytes long: at most %d (RFC 5322's limit on a mail header line; inboxes show far fewer)", len(v), importer.MaxSubjectBytes)
		}
		if n := utf8.RuneCountInString(v); flag == "name" && n > importer.MaxTemplateNameRunes {
			return usageErr("--name is %d characters long: at most %d", n, importer.MaxTemplateNameRunes)
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
		// A bad --body-* is a usage error (2); a file that holds no
		// usable body is a broken file (1), as the README's exit codes say.
		v, src, bad := b.value, "--"+b.flag, usageErr
		if fromFile {
			var err error
			if v, err = readBody(o.g.io, b.file); err != nil {
				return nil, err
			}
			src, bad = "--"+b.fileFlag+" "+b.file, failure
		}
		if strings.TrimSpace(v) == "" {
			return nil, bad("%s is empty: give the new body (a body cannot be removed)", src)
		}
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return nil, bad("%s is not UTF-8 text", src)
		}
		if err := importer.ValidateTemplateBody(v); err != nil {
			return nil, bad("%s: %v", src, err)
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
		return "", failure("%s is larger than %d KiB: not an email body", path, maxBodyBytes>>10)
	}
	return string(bytes.TrimPrefix(b, []byte("\ufeff"))), nil
}

// failure is an error that exits 1: the input was read and is unusable.
func failure(format string, a ...any) error {
	return &exitError{code: ExitError, err: fmt.Errorf(format, a...)}
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
		after := cur // the template as the update leaves it
		var changed []string
		given := map[string]bool{}
		for _, f := range fields {
			given[f.name] = true
			if f.value == f.cur(cur) {
				continue
			}
			changed = append(changed, f.name)
			switch f.name {
			case "subject":
				next.Subject, after.Subject = f.value, f.value
			case "name":
				next.Name, after.Name = f.value, f.value
			case "category":
				next.Category, after.Category = f.value, f.value
			case "bodyHtml":
				next.BodyHTML, after.BodyHTML = f.value, f.value
			case "bodyText":
				next.BodyText, after.BodyText = f.value, f.value
			}
		}
		if len(changed) == 0 {
			return &exitError{code: ExitError, err: fmt.Errorf("template %s (v%d) already has these values: nothing changed, no new version made", cur.ID, cur.Version)}
		}
		// Checked before writing: an active journey refuses the update
		// that would send one of its variables empty, as activation does.
		check, err := checkTemplate(ctx, env, cur, after)
		if err != nil {
			return err
		}
		if len(check.refusals) > 0 && !o.force {
			return &exitError{code: ExitError, err: fmt.Errorf("%s\nnothing was changed: set the variables first, or pass --force to update anyway", strings.Join(check.refusals, "\n"))}
		}
		warnings := check.warnings
		if o.force {
			warnings = append(check.refusals, warnings...)
		}
		warnings = append(warnings, bodyDrift(cur, given)...)
		up, err := env.UpdateTemplate(ctx, next)
		if err != nil {
			return err
		}
		res := templateUpdated{Template: up, PreviousVersion: cur.Version, Changed: changed, Warnings: warnings, SentBy: check.senders}
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

// bodyDrift warns when an update gives one body and not the other: the
// other keeps the old copy, which the recipients whose mail client shows
// that part read.
func bodyDrift(cur ascendkit.Template, given map[string]bool) []string {
	var part, old, flag string
	switch {
	case given["bodyHtml"] && !given["bodyText"] && strings.TrimSpace(cur.BodyText) != "":
		part, old, flag = "text", cur.BodyText, "--body-text"
	case given["bodyText"] && !given["bodyHtml"] && strings.TrimSpace(cur.BodyHTML) != "":
		part, old, flag = "HTML", htmlText(cur.BodyHTML), "--body-html"
	default:
		return nil
	}
	return []string{fmt.Sprintf("only the %s body was given: the %s part still says %q: update %s too, or recipients whose mail client shows %s see the old copy",
		map[string]string{"text": "HTML", "HTML": "text"}[part], part, opening(old, 60), flag, part)}
}

var tagPattern = regexp.MustCompile(`<[^>]*>`)

// htmlText is the text an HTML body reads as, near enough to quote it.
func htmlText(s string) string {
	return html.UnescapeString(tagPattern.ReplaceAllString(s, " "))
}

// opening is the first n characters of s on one line, with … if cut.
func opening(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
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

// maxBraceWarnings bounds the places with stray braces quoted per part:
// a body that is wrong throughout needs a look, not a warning per line.
const maxBraceWarnings = 5

// placeholderPattern matches anything written as a {{placeholder}},
// including what the renderer does not take for a variable.
var placeholderPattern = regexp.MustCompile(`\{\{[^{}]*\}\}`)

// templateCheck is what checkTemplate finds.
type templateCheck struct {
	senders  []templateSender
	warnings []string
	// refusals are the variables an active journey would newly send
	// empty, each with the journey, its users and the fix.
	refusals []string
}

// checkTemplate finds the journey nodes that send t (the template cur
// becomes) and what of t would not render: placeholders that are not
// variables and stray braces (sent as written), and variables with no
// value where the template is sent (rendered empty), found by rendering
// as those nodes do. A variable an active journey would send empty that
// cur did not is a refusal rather than a warning.
func checkTemplate(ctx context.Context, env ascendkit.Environment, cur, t ascendkit.Template) (templateCheck, error) {
	c := templateCheck{warnings: []string{}, senders: []templateSender{}}
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
		if termtext.Clean(m) != m {
			// What makes it no variable may be the very character the
			// terminal would not show (a zero-width space): quoted.
			m = strconv.Quote(m)
		}
		c.warnings = append(c.warnings, fmt.Sprintf("%s is not a variable (a name is letters, digits, _ and .): it is sent as written", m))
	}
	js, err := env.ListJourneys(ctx)
	if err != nil {
		return c, err
	}
	names := importer.TemplateVariables(t)
	for _, j := range js {
		for _, n := range j.Nodes {
			if n.Action == ascendkit.ActionSendEmail && n.TemplateSlug == t.Slug {
				for k := range n.Variables {
					names = append(names, k)
				}
			}
		}
	}
	for _, part := range []struct{ name, text string }{{"subject", t.Subject}, {"HTML body", t.BodyHTML}, {"text body", t.BodyText}} {
		places := importer.BraceProblems(part.text, names)
		for i, at := range places {
			if i == maxBraceWarnings {
				c.warnings = append(c.warnings, fmt.Sprintf("%s: %d more places with braces that make no {{variable}}", part.name, len(places)-i))
				break
			}
			c.warnings = append(c.warnings, fmt.Sprintf("%s: braces that make no {{variable}} in %q: only {{name}} is filled, the rest is sent as written", part.name, at))
		}
	}
	// A user with every user field set: only what nothing fills is missing.
	u := ascendkit.User{Name: "name", Email: "user@example.com"}
	for _, j := range js {
		for _, n := range j.Nodes {
			if n.Action != ascendkit.ActionSendEmail || n.TemplateSlug != t.Slug {
				continue
			}
			c.senders = append(c.senders, templateSender{JourneyID: j.ID, Journey: j.Name, Status: j.Status, Node: n.ID})
			if err := importer.SubjectFits(t, n.ID, n.Variables); err != nil {
				return c, usageErr("journey %q: %v", j.Name, err)
			}
			before := importer.Render(cur, u, n.Variables).Missing
			for _, v := range importer.Render(t, u, n.Variables).Missing {
				fix := fmt.Sprintf("`ascendkit journey set-vars %s --node %s --var %s=<value>`", j.ID, n.ID, v)
				if j.Status == ascendkit.StatusActive && !slices.Contains(before, v) {
					c.refusals = append(c.refusals, fmt.Sprintf("ACTIVE journey %q (%s), %s still in it: node %s would send {{%s}} empty in every email from now on (no value is set); set it with %s",
						j.Name, j.ID, counted(j.Stats.Active, "user"), n.ID, v, fix))
					continue
				}
				c.warnings = append(c.warnings, fmt.Sprintf("{{%s}} is not set on node %s of journey %q (%s): it renders empty; set it with %s",
					v, n.ID, j.Name, j.ID, fix))
			}
		}
	}
	if len(c.senders) == 0 {
		for _, v := range importer.Render(t, u, nil).Missing {
			c.warnings = append(c.warnings, fmt.Sprintf("{{%s}} is not a user field (userName, userEmail) and no journey sends this template to set it: it renders empty", v))
		}
	}
	return c, nil
}
