package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

const usage = `usage: devstack <command>

commands:
  install    install the pinned emulators and tools into .cache/ (skips what is there)
  up         install if needed, start the emulators, provision template.yaml
  down       stop the emulators this checkout started
  status     show whether each emulator runs and answers
  env        print export lines for the local AWS endpoints (eval "$(devstack env)")
  provision  create the template's tables, queues, buckets and SES identity
`

func main() {
	if len(os.Args) != 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string) error {
	if cmd == "env" {
		// env needs no repository: it only prints the conventions.
		printEnv(os.Stdout)
		return nil
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	s := newStack(root)
	switch cmd {
	case "install":
		return s.install(ctx)
	case "up":
		return s.up(ctx)
	case "down":
		return s.down(ctx)
	case "status":
		return s.status(ctx)
	case "provision":
		return s.provision(ctx)
	case "-h", "--help", "help":
		fmt.Print(usage)
		return nil
	default:
		return fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
}

// repoRoot walks up from the working directory to the folder holding go.mod,
// so that devstack works from any sub-folder (go test runs in the package's).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("find repository root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find repository root: no go.mod in any parent folder")
		}
		dir = parent
	}
}
