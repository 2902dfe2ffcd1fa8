package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/ordersmith/ordersmith/internal/localaws"
)

// stack is the local stack of one checkout: everything lives under its
// .cache/ folder, so two checkouts never share pid files or installs.
type stack struct {
	root     string // the repository root (the folder holding go.mod)
	cache    string // root/.cache: the installs
	run      string // pid files, logs and the lock: root/.cache/run
	ddbPort  int
	motoPort int
}

func newStack(root string) *stack {
	cache := filepath.Join(root, ".cache")
	return &stack{root: root, cache: cache, run: filepath.Join(cache, "run"), ddbPort: 8000, motoPort: 4566}
}

// path returns a path under .cache/.
func (s *stack) path(elem ...string) string {
	return filepath.Join(append([]string{s.cache}, elem...)...)
}

// printEnv prints the local stack's environment as shell export lines.
func printEnv(w io.Writer) {
	for _, v := range localaws.DefaultEnv {
		fmt.Fprintf(w, "export %s=%s\n", v.Name, v.Value)
	}
}
