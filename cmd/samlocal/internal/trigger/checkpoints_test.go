package trigger

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFileCheckpointsSurviveAReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cp", "streams.json")
	cp, err := OpenFileCheckpoints(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := cp.Load("arn:s", "shard-1"); got != "" {
		t.Errorf("empty set returned %q", got)
	}
	cp.Save("arn:s", "shard-1", "100")
	cp.Save("arn:s", "shard-1", "200")
	cp.Save("arn:t", "shard-9", "7")
	if err := cp.Err(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenFileCheckpoints(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.Load("arn:s", "shard-1") != "200" || again.Load("arn:t", "shard-9") != "7" {
		t.Errorf("reopened checkpoints: %v", again.m)
	}
	if err := os.WriteFile(path, []byte("{broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFileCheckpoints(path); err == nil {
		t.Error("a corrupt file was accepted")
	}
}

func TestRestartedPollerResumesFromItsCheckpoint(t *testing.T) {
	cp, err := OpenFileCheckpoints(filepath.Join(t.TempDir(), "streams.json"))
	if err != nil {
		t.Fatal(err)
	}
	var batches []string
	src := StreamSource{Function: "F", StreamARN: "arn:stream", StartingPosition: "TRIM_HORIZON", RetryBackoff: time.Millisecond}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	first := src.NewPoller(&fakeStream{records: streamRecords("a", "b")}, nil, crashOn(&batches), log).WithCheckpoints(cp)
	if _, err := first.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := cp.Load("arn:stream", "shard-1"); got != "002" {
		t.Fatalf("checkpoint after the first poller: %q", got)
	}
	// A new poller (a restarted samlocal) asks for an iterator after the
	// checkpoint instead of the starting position.
	fs := &recordingIterators{fakeStream: fakeStream{}}
	second := src.NewPoller(fs, nil, crashOn(&batches), log).WithCheckpoints(cp)
	if _, err := second.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fs.requests, ","); got != "AFTER_SEQUENCE_NUMBER@002" {
		t.Errorf("iterator requests %q", got)
	}
}
