package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
)

// builder turns a function's logical id into a bootstrap executable.
type builder interface {
	Build(ctx context.Context, spec *functionSpec) (bootstrap string, err error)
}

// makeBuilder builds with the deploy build's own rule, `make
// build-<LogicalId> ARTIFACTS_DIR=<dir>` (what `sam build` runs), for the
// host's architecture so the bootstrap runs here.
type makeBuilder struct {
	root string // the repository: the Makefile's folder
	out  string // .cache/samlocal/build
}

// ErrNoSource marks a function whose folder does not exist (yet).
var ErrNoSource = errors.New("no source folder")

// Build runs the function's make rule into its own folder.
func (b *makeBuilder) Build(ctx context.Context, spec *functionSpec) (string, error) {
	src := filepath.Join(b.root, "functions", spec.Folder)
	if _, err := os.Stat(src); err != nil {
		return "", fmt.Errorf("build %s: %w: functions/%s", spec.ID, ErrNoSource, spec.Folder)
	}
	dir := filepath.Join(b.out, spec.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("build %s: %w", spec.ID, err)
	}
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", b.root, "build-"+spec.ID, "ARTIFACTS_DIR="+dir, "GOARCH="+runtime.GOARCH)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: make build-%s: %w\n%s", spec.ID, spec.ID, err, out.Bytes())
	}
	bootstrap := filepath.Join(dir, "bootstrap")
	if _, err := os.Stat(bootstrap); err != nil {
		return "", fmt.Errorf("build %s: make build-%s wrote no bootstrap: %w", spec.ID, spec.ID, err)
	}
	return bootstrap, nil
}

// buildAll builds the given functions two at a time (the machines have two
// cores) and returns the bootstrap of each that built and the error of each
// that did not.
func buildAll(ctx context.Context, b builder, specs []*functionSpec) (map[string]string, map[string]error) {
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		built  = map[string]string{}
		failed = map[string]error{}
		sem    = make(chan struct{}, 2)
	)
	for _, s := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			path, err := b.Build(ctx, s)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[s.ID] = err
				return
			}
			built[s.ID] = path
		}()
	}
	wg.Wait()
	return built, failed
}
