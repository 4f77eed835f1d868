package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"precis/auth"
	"precis/storage"
)

// cliActor is the audit actor of changes made with `precis user`.
const cliActor = "cli"

const userUsage = `usage: precis user add --email E --role admin|staff [--name N]   (password on stdin)
       precis user list
       precis user disable --email E
       precis user passwd --email E                                (password on stdin)
       precis user token --email E --name N

add     creates a user; the password is the first line of standard input, for
        example: precis user add --email a@example.com --role admin < pwfile
        It must have at least 12 characters. Passwords are never read from a
        flag or the environment, where other users of the machine could see them.
list    prints every user: id, email, name, role, disabled, last login.
disable disables a user's sign-in and API tokens (the last enabled admin cannot be).
passwd  sets a user's password, read from standard input like add.
token   creates an API token for the user and prints it once; it is not stored
        and cannot be shown again.

All take --data-dir DIR (or PRECIS_DATA_DIR). Exit status 0 on success, 2 for
a usage error or invalid input, 1 for any other error.
`

// runUser is `precis user add|list|disable|passwd|token`.
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return 2
	}
	sub := args[0]
	switch sub {
	case "add", "list", "disable", "passwd", "token":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, userUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "precis user: unknown command %q\n\n%s", sub, userUsage)
		return 2
	}
	var email, role, name string
	cfg, fs, err := loadConfig("user "+sub, args[1:], os.Getenv, func(fs *flag.FlagSet) {
		if sub != "list" {
			fs.StringVar(&email, "email", "", "the user's email address")
		}
		switch sub {
		case "add":
			fs.StringVar(&role, "role", "", "admin or staff")
			fs.StringVar(&name, "name", "", "the user's name (optional)")
		case "token":
			fs.StringVar(&name, "name", "", "what the token is for")
		}
	})
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "precis:", err)
		return 2
	} else if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "precis user %s: unexpected argument %q\n\n%s", sub, fs.Arg(0), userUsage)
		return 2
	}
	if problem := userFlagProblem(sub, email, role, name); problem != "" {
		fmt.Fprintf(stderr, "precis user %s: %s\n", sub, problem)
		return 2
	}
	var hash string
	if sub == "add" || sub == "passwd" {
		pw, err := readPassword(stdin)
		if err == nil {
			err = auth.CheckPasswordPolicy(pw)
		}
		if err != nil {
			fmt.Fprintf(stderr, "precis user %s: password refused: %v\n", sub, err)
			return 2
		}
		if hash, err = auth.Hash(pw); err != nil {
			fmt.Fprintf(stderr, "precis user %s: %v\n", sub, err)
			return 1
		}
	}
	store, err := storage.Open(ctx, filepath.Join(cfg.DataDir, "precis.db"))
	if err != nil {
		fmt.Fprintf(stderr, "precis: cannot open the database: %s\n", errText(err))
		return 1
	}
	defer store.Close()
	switch sub {
	case "add":
		err = userAdd(ctx, store, &storage.User{Email: email, Name: name, Role: role}, hash, stdout)
	case "list":
		err = userList(ctx, store, stdout)
	default:
		err = userChange(ctx, store, sub, email, name, hash, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "precis user %s: %s\n", sub, errText(err))
		switch storage.ErrorCode(err) {
		case storage.EINVALID, storage.ECONFLICT, storage.ENOTFOUND:
			return 2
		}
		return 1
	}
	return 0
}

// userFlagProblem names a missing or bad flag, "" when the flags are complete.
func userFlagProblem(sub, email, role, name string) string {
	switch {
	case sub != "list" && strings.TrimSpace(email) == "":
		return "--email is required"
	case sub == "add" && role == "":
		return "--role is required (admin or staff)"
	case sub == "add" && role != storage.RoleAdmin && role != storage.RoleStaff:
		return fmt.Sprintf("--role %q must be admin or staff", role)
	case sub == "token" && strings.TrimSpace(name) == "":
		return `--name is required: say what the token is for, such as --name "nightly import"`
	}
	return ""
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("cannot read standard input: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password on standard input; pipe it in, for example: precis user add ... < pwfile")
	}
	return line, nil
}

func userAdd(ctx context.Context, store *storage.Store, u *storage.User, hash string, stdout io.Writer) error {
	if err := store.CreateUser(ctx, u, hash, cliActor); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added %s user %s (id %d)\n", u.Role, u.Email, u.ID)
	return nil
}

func userList(ctx context.Context, store *storage.Store, stdout io.Writer) error {
	users, err := store.ListUsers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tDISABLED\tLAST LOGIN")
	for _, u := range users {
		last := "never"
		if !u.LastLoginAt.IsZero() {
			last = u.LastLoginAt.Format("2006-01-02 15:04 MST")
		}
		disabled := "no"
		if u.Disabled {
			disabled = "yes"
		}
		name := u.Name
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, name, u.Role, disabled, last)
	}
	return tw.Flush()
}

// userChange runs disable, passwd and token on the user with that email.
func userChange(ctx context.Context, store *storage.Store, sub, email, name, hash string, stdout io.Writer) error {
	u, err := store.UserByEmail(ctx, email)
	if storage.ErrorCode(err) == storage.ENOTFOUND {
		return storage.Errorf(storage.ENOTFOUND, "no user has the email %s (see precis user list)", strings.TrimSpace(email))
	} else if err != nil {
		return err
	}
	switch sub {
	case "disable":
		if u.Disabled {
			fmt.Fprintf(stdout, "%s was already disabled\n", u.Email)
			return nil
		}
		if err := store.SetUserDisabled(ctx, u.ID, true, cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "disabled %s\n", u.Email)
	case "passwd":
		if err := store.SetPassword(ctx, u.ID, hash, cliActor); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed\n", u.Email)
	case "token":
		token, err := store.CreateAPIToken(ctx, u.ID, name, cliActor)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API token %q for %s (it will not be shown again; store it now):\n%s\n", strings.TrimSpace(name), u.Email, token)
	}
	return nil
}
