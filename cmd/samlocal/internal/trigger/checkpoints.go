package trigger

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// FileCheckpoints keeps stream checkpoints in a JSON file, so that a local
// stack restarted against the same table resumes its streams. Saving is
// best effort: a lost checkpoint only means records are delivered again,
// which every stream consumer must tolerate anyway.
type FileCheckpoints struct {
	path string
	mu   sync.Mutex
	m    map[string]map[string]string // stream ARN -> shard id -> sequence number
	err  error                        // the last save's failure, for Err
}

var _ Checkpoints = (*FileCheckpoints)(nil)

// OpenFileCheckpoints reads the file at path; a missing file is an empty set.
func OpenFileCheckpoints(path string) (*FileCheckpoints, error) {
	f := &FileCheckpoints{path: path, m: map[string]map[string]string{}}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return f, nil
	case err != nil:
		return nil, fmt.Errorf("read checkpoints: %w", err)
	}
	if err := json.Unmarshal(b, &f.m); err != nil {
		return nil, fmt.Errorf("read checkpoints %s: %w", path, err)
	}
	return f, nil
}

// Load returns the checkpoint of a shard, or "".
func (f *FileCheckpoints) Load(streamARN, shardID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m[streamARN][shardID]
}

// Save records a checkpoint and rewrites the file (through a temporary file
// and a rename, so a crash never leaves half a file).
func (f *FileCheckpoints) Save(streamARN, shardID, seq string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m[streamARN] == nil {
		f.m[streamARN] = map[string]string{}
	}
	f.m[streamARN][shardID] = seq
	f.err = f.write()
}

// Err returns the failure of the last save, if it failed.
func (f *FileCheckpoints) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (f *FileCheckpoints) write() error {
	b, err := json.MarshalIndent(f.m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode checkpoints: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
		return fmt.Errorf("save checkpoints: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".checkpoints-*")
	if err != nil {
		return fmt.Errorf("save checkpoints: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("save checkpoints: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save checkpoints: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("save checkpoints: %w", err)
	}
	return nil
}
