package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DynamoDB Local keeps its tables in SQLite. With -inMemory nothing outside
// the JVM can reach that database, and one of its tables needs help: every
// stream record of every table goes into a table `us` keyed by sequence
// number alone, and each write to a table with a stream looks up that
// stream's records by StreamID, a full scan of `us`. Writes then slow down
// with every stream record ever written (records outlive their table):
// measured with DynamoDB Local 3.1.0, PutItem p50 went from 1.6 ms to 14 ms
// over four runs of 2,000 writes, and the test suite writes tens of
// thousands. devstack therefore runs it on a database file in RAM (/dev/shm,
// as fast as -inMemory and as disposable: removed at start and stop) and,
// once the database exists, adds the missing index. With it PutItem p50
// stays at 1.4 to 1.9 ms however many records were written.

// ddbFile is DynamoDB Local's database file under -dbPath with -sharedDb.
const ddbFile = "shared-local-instance.db"

// ddbIndexSQL is the index DynamoDB Local's stream-record table lacks.
const ddbIndexSQL = "CREATE INDEX IF NOT EXISTS ordersmith_us_stream ON us(StreamID, SequenceNumber)"

// ddbDataDir is where DynamoDB Local keeps its database: in RAM when the
// machine has a writable /dev/shm, else under .cache/.
func (s *stack) ddbDataDir() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", ".ordersmith-probe-*"); err == nil {
			f.Close()
			_ = os.Remove(f.Name())
			return filepath.Join("/dev/shm", fmt.Sprintf("ordersmith-dynamodb-%d", s.ddbPort))
		}
	}
	return s.path("dynamodb-local", fmt.Sprintf("data-%d", s.ddbPort))
}

// ddbFresh empties the data folder before DynamoDB Local starts: a started
// stack begins empty, as it did in memory.
func (s *stack) ddbFresh() error {
	dir := s.ddbDataDir()
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("empty %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return nil
}

// ddbDrop removes the data folder after DynamoDB Local stopped.
func (s *stack) ddbDrop() error {
	if err := os.RemoveAll(s.ddbDataDir()); err != nil {
		return fmt.Errorf("remove DynamoDB Local's data: %w", err)
	}
	return nil
}

// ddbIndex adds the stream-record index to the running DynamoDB Local's
// database (which exists from its first request: the health check), with
// the Python of moto's virtualenv (SQLite is in its standard library; the
// JVM holds the file open, SQLite's file locks make the change safe). It is
// idempotent.
func (s *stack) ddbIndex(ctx context.Context) error {
	db := filepath.Join(s.ddbDataDir(), ddbFile)
	if _, err := os.Stat(db); err != nil {
		return fmt.Errorf("DynamoDB Local's database: %w", err)
	}
	script := `import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
if c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='us'").fetchone() is None:
    sys.exit("no stream-record table 'us' in " + sys.argv[1])
c.execute(sys.argv[2])
c.commit()
`
	out, err := exec.CommandContext(ctx, s.path("venv-moto", "bin", "python"), "-c", script, db, ddbIndexSQL).CombinedOutput()
	if err != nil {
		return fmt.Errorf("index DynamoDB Local's stream records: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ddbIndexed reports whether the running DynamoDB Local's database has the
// stream-record index (for status).
func (s *stack) ddbIndexed(ctx context.Context) (bool, error) {
	db := filepath.Join(s.ddbDataDir(), ddbFile)
	if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	out, err := exec.CommandContext(ctx, s.path("venv-moto", "bin", "python"), "-c",
		`import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
print(c.execute("SELECT count(*) FROM sqlite_master WHERE type='index' AND name='ordersmith_us_stream'").fetchone()[0])`,
		db).CombinedOutput()
	if err != nil {
		return false, fmt.Errorf("read DynamoDB Local's schema: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)) == "1", nil
}
