package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"precis/storage"
)

const matterUsage = `usage: precis matter add --client C --number N --name NAME
       precis matter list
       precis matter members --matter M
       precis matter add-member --matter M --email E
       precis matter remove-member --matter M --email E
       precis matter hold --matter M --reason R
       precis matter release --matter M

M is the matter's CLIENT/MATTER numbers, such as --matter C-100/M-7 (split at
the first "/"), or its id as precis matter list shows it.

add           creates a matter from its client number, matter number and name.
list          prints every matter: id, numbers, name, members, documents, legal hold.
members       prints the members of a matter: email, name, role, disabled.
add-member    makes a user a member: only members see a matter's documents.
remove-member ends a user's membership of a matter.
hold          puts a matter on legal hold, so none of its documents can be
              deleted; --reason says why (it is kept with the hold and audited).
release       releases a matter's legal hold.

All take --data-dir DIR (or PRECIS_DATA_DIR). Changes are audited with the
actor "cli". Exit status 0 on success, 2 for a usage error, invalid input, an
unknown matter or user, or a change that does not fit (already exists, already
on hold); 1 for any other error.
`

// matterRef is a --matter value: an id, or client and matter numbers.
type matterRef struct {
	id             int64
	client, number string
}

func (r matterRef) String() string {
	if r.id != 0 {
		return strconv.FormatInt(r.id, 10)
	}
	return r.client + "/" + r.number
}

// matterFlags are the flags of every `precis matter` command; each uses some.
type matterFlags struct {
	client, number, name string
	matter, email        string
	reason               string
}

// runMatter is `precis matter add|list|members|add-member|remove-member|hold|release`.
func runMatter(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, matterUsage)
		return 2
	}
	sub := args[0]
	switch sub {
	case "add", "list", "members", "add-member", "remove-member", "hold", "release":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, matterUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "precis matter: unknown command %q\n\n%s", sub, matterUsage)
		return 2
	}
	var f matterFlags
	cfg, fs, err := loadConfig("matter "+sub, args[1:], os.Getenv, func(fs *flag.FlagSet) {
		switch sub {
		case "add":
			fs.StringVar(&f.client, "client", "", "the client number, such as C-100")
			fs.StringVar(&f.number, "number", "", "the matter number, such as M-7")
			fs.StringVar(&f.name, "name", "", "the matter's name")
		case "list":
		default:
			fs.StringVar(&f.matter, "matter", "", "the matter: CLIENT/MATTER numbers or its id")
		}
		switch sub {
		case "add-member", "remove-member":
			fs.StringVar(&f.email, "email", "", "the user's email address")
		case "hold":
			fs.StringVar(&f.reason, "reason", "", "why the matter goes on legal hold")
		}
	})
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "precis:", err)
		return 2
	} else if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "precis matter %s: unexpected argument %q\n\n%s", sub, fs.Arg(0), matterUsage)
		return 2
	}
	ref, problem := matterFlagProblem(sub, f)
	if problem != "" {
		fmt.Fprintf(stderr, "precis matter %s: %s\n", sub, problem)
		return 2
	}
	store, err := storage.Open(ctx, filepath.Join(cfg.DataDir, "precis.db"))
	if err != nil {
		fmt.Fprintf(stderr, "precis: cannot open the database: %s\n", errText(err))
		return 1
	}
	defer store.Close()
	switch sub {
	case "add":
		err = matterAdd(ctx, store, &storage.Matter{ClientNumber: f.client, MatterNumber: f.number, Name: f.name}, stdout)
	case "list":
		err = matterList(ctx, store, stdout)
	default:
		err = matterChange(ctx, store, sub, ref, f, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "precis matter %s: %s\n", sub, errText(err))
		switch storage.ErrorCode(err) {
		case storage.EINVALID, storage.ECONFLICT, storage.ENOTFOUND:
			return 2
		}
		return 1
	}
	return 0
}

// matterFlagProblem names a missing or bad flag, "" when the flags are
// complete; it returns the parsed --matter of the commands that take one.
func matterFlagProblem(sub string, f matterFlags) (matterRef, string) {
	switch sub {
	case "add":
		switch {
		case strings.TrimSpace(f.client) == "":
			return matterRef{}, "--client is required (the client number, such as C-100)"
		case strings.TrimSpace(f.number) == "":
			return matterRef{}, "--number is required (the matter number, such as M-7)"
		case strings.TrimSpace(f.name) == "":
			return matterRef{}, `--name is required (the matter's name, such as "Acme supply agreement")`
		}
		return matterRef{}, ""
	case "list":
		return matterRef{}, ""
	}
	if strings.TrimSpace(f.matter) == "" {
		return matterRef{}, "--matter is required: the matter's CLIENT/MATTER numbers, such as C-100/M-7, or its id (see precis matter list)"
	}
	ref, problem := parseMatterRef(f.matter)
	switch {
	case problem != "":
		return matterRef{}, problem
	case (sub == "add-member" || sub == "remove-member") && strings.TrimSpace(f.email) == "":
		return matterRef{}, "--email is required"
	case sub == "hold" && strings.TrimSpace(f.reason) == "":
		return matterRef{}, `--reason is required: say why the matter goes on legal hold, such as --reason "litigation expected"`
	}
	return ref, ""
}

// parseMatterRef reads a --matter value: CLIENT/MATTER numbers, split at the
// first "/", or a matter id.
func parseMatterRef(s string) (matterRef, string) {
	s = strings.TrimSpace(s)
	if client, number, ok := strings.Cut(s, "/"); ok {
		client, number = strings.TrimSpace(client), strings.TrimSpace(number)
		switch {
		case client == "":
			return matterRef{}, fmt.Sprintf("--matter %q has no client number before the \"/\"; write CLIENT/MATTER, such as C-100/M-7", s)
		case number == "":
			return matterRef{}, fmt.Sprintf("--matter %q has no matter number after the \"/\"; write CLIENT/MATTER, such as C-100/M-7", s)
		}
		return matterRef{client: client, number: number}, ""
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
		return matterRef{id: id}, ""
	}
	return matterRef{}, fmt.Sprintf("--matter %q is neither CLIENT/MATTER numbers, such as C-100/M-7, nor a matter id (see precis matter list)", s)
}

// findMatter returns the matter ref names, or ENOTFOUND with a hint.
func findMatter(ctx context.Context, store *storage.Store, ref matterRef) (*storage.Matter, error) {
	if ref.id != 0 {
		m, err := store.Matter(ctx, ref.id)
		if storage.ErrorCode(err) == storage.ENOTFOUND {
			return nil, storage.Errorf(storage.ENOTFOUND, "no matter has the id %d (see precis matter list)", ref.id)
		}
		return m, err
	}
	matters, err := store.Matters(ctx)
	if err != nil {
		return nil, err
	}
	for i := range matters {
		if matters[i].ClientNumber == ref.client && matters[i].MatterNumber == ref.number {
			return &matters[i], nil
		}
	}
	return nil, storage.Errorf(storage.ENOTFOUND, "no matter is numbered %s (see precis matter list)", ref)
}

// findUser returns the user with that email, or ENOTFOUND with a hint.
func findUser(ctx context.Context, store *storage.Store, email string) (*storage.User, error) {
	u, err := store.UserByEmail(ctx, email)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		return nil, storage.Errorf(storage.ENOTFOUND, "no user has the email %s (see precis user list)", strings.TrimSpace(email))
	}
	return u, err
}

func matterAdd(ctx context.Context, store *storage.Store, m *storage.Matter, stdout io.Writer) error {
	if err := store.CreateMatter(ctx, m, cliActor); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added matter %s (id %d)\n", m.Title(), m.ID)
	return nil
}

func matterList(ctx context.Context, store *storage.Store, stdout io.Writer) error {
	matters, err := store.Matters(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCLIENT/MATTER\tNAME\tMEMBERS\tDOCUMENTS\tLEGAL HOLD")
	for _, m := range matters {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\n", m.ID, oneLine(m.ClientNumber+"/"+m.MatterNumber), oneLine(m.Name),
			m.Members, m.Documents, holdText(m))
	}
	return tw.Flush()
}

// holdText is the LEGAL HOLD column: "yes since 2026-11-24 by cli: reason" or "no".
func holdText(m storage.Matter) string {
	if !m.LegalHold {
		return "no"
	}
	return "yes " + holdDetail(m)
}

// holdDetail says since when, by whom and why m is on hold: "since 2026-11-24 by cli: reason".
func holdDetail(m storage.Matter) string {
	since := ""
	if !m.HoldAt.IsZero() {
		since = "since " + m.HoldAt.Format("2006-01-02") + " "
	}
	return fmt.Sprintf("%sby %s: %s", since, oneLine(m.HoldBy), oneLine(m.HoldReason))
}

// oneLine collapses runs of whitespace (tabs and line breaks included) into
// single spaces, so a value keeps to its table cell.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// matterChange runs members, add-member, remove-member, hold and release on
// the matter ref names.
func matterChange(ctx context.Context, store *storage.Store, sub string, ref matterRef, f matterFlags, stdout io.Writer) error {
	m, err := findMatter(ctx, store, ref)
	if err != nil {
		return err
	}
	switch sub {
	case "members":
		return matterMembers(ctx, store, m, stdout)
	case "add-member", "remove-member":
		return matterMembership(ctx, store, sub, m, f.email, stdout)
	case "hold":
		if m.LegalHold {
			return storage.Errorf(storage.ECONFLICT, "%s is already on legal hold (%s)", m.Title(), holdDetail(*m))
		}
		if err := store.SetLegalHold(ctx, m.ID, true, f.reason, cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is on legal hold: %s\n", m.Title(), oneLine(f.reason))
	case "release":
		if !m.LegalHold {
			return storage.Errorf(storage.ECONFLICT, "%s is not on legal hold", m.Title())
		}
		if err := store.SetLegalHold(ctx, m.ID, false, "", cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "released the legal hold on %s\n", m.Title())
	}
	return nil
}

func matterMembers(ctx context.Context, store *storage.Store, m *storage.Matter, stdout io.Writer) error {
	members, err := store.MatterMembers(ctx, m.ID)
	if err != nil {
		return err
	}
	if len(members) == 0 {
		fmt.Fprintf(stdout, "%s has no members (add one with precis matter add-member)\n", m.Title())
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tROLE\tDISABLED")
	for _, u := range members {
		name, disabled := oneLine(u.Name), "no"
		if name == "" {
			name = "-"
		}
		if u.Disabled {
			disabled = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Email, name, u.Role, disabled)
	}
	return tw.Flush()
}

// matterMembership runs add-member and remove-member.
func matterMembership(ctx context.Context, store *storage.Store, sub string, m *storage.Matter, email string, stdout io.Writer) error {
	u, err := findUser(ctx, store, email)
	if err != nil {
		return err
	}
	member, err := store.IsMember(ctx, m.ID, u.ID)
	if err != nil {
		return err
	}
	switch {
	case sub == "add-member" && member:
		fmt.Fprintf(stdout, "%s was already a member of %s\n", u.Email, m.Title())
	case sub == "add-member":
		if err := store.AddMember(ctx, m.ID, u.ID, cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %s to %s\n", u.Email, m.Title())
	case !member:
		return storage.Errorf(storage.ENOTFOUND, "%s is not a member of %s (see precis matter members --matter %d)",
			u.Email, m.Title(), m.ID)
	default:
		if err := store.RemoveMember(ctx, m.ID, u.ID, cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %s from %s\n", u.Email, m.Title())
	}
	return nil
}
