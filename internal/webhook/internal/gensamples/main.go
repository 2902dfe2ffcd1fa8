package main

import (
	"bytes"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/ordersmith/ordersmith/internal/webhook/internal/samples"
)

func main() {
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	if err := run(*root); err != nil {
		slog.Error("gensamples failed", "err", err)
		os.Exit(1)
	}
}

func run(root string) error {
	files, err := samples.Build(root)
	if err != nil {
		return err
	}
	dir := filepath.Join(root, samples.EventsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	// Drop events of samples that left the manifest; only our own
	// *-webhook-*.json files are candidates.
	old, err := filepath.Glob(filepath.Join(dir, samples.EventGlob))
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	for _, p := range old {
		if _, keep := files[filepath.Base(p)]; !keep {
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("remove stale sample %s: %w", p, err)
			}
		}
	}
	for _, name := range samples.Names(files) {
		p := filepath.Join(dir, name)
		if cur, err := os.ReadFile(p); err == nil && bytes.Equal(cur, files[name]) {
			continue
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		fmt.Println("wrote", filepath.ToSlash(filepath.Join(samples.EventsDir, name)))
	}
	return nil
}
