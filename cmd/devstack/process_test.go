package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/localaws"
)

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// testStack is a stack whose run folder (pid files, logs, lock) is private
// to the test and whose ports are free ones, so that it never touches the
// shared stack on 8000 and 4566. Its installs are the repository's.
func testStack(t *testing.T) *stack {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	s := newStack(root)
	s.run = t.TempDir()
	s.ddbPort, s.motoPort = freePort(t), freePort(t)
	return s
}

// httpService is a stand-in emulator: a shell that starts a child in its
// process group (as the JVM and moto have threads and workers) and then
// becomes a Python HTTP server.
func httpService(t *testing.T, s *stack) service {
	port := freePort(t)
	script := fmt.Sprintf("sleep 600 & echo $! > %s; exec python3 -m http.server --bind 127.0.0.1 %d",
		filepath.Join(s.run, "child.pid"), port)
	return service{
		name:   "fake",
		port:   port,
		marker: "http.server",
		argv:   []string{"sh", "-c", script},
		healthy: func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/", port), nil)
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			return resp.Body.Close()
		},
	}
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func waitDead(pid int) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if !alive(pid) {
			return true
		}
	}
	return false
}

func TestStartAndStopProcessGroup(t *testing.T) {
	s := testStack(t)
	sv := httpService(t, s)
	if err := s.start(t.Context(), sv); err != nil {
		t.Fatal(err)
	}
	pid := readPID(t, s.pidFile(sv))
	child := readPID(t, filepath.Join(s.run, "child.pid"))
	t.Cleanup(func() {
		// Only if the test failed half-way: these are the test's own processes.
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	})
	if got := processGroup(pid); got != pid {
		t.Errorf("process group %d, want its own (%d): a Ctrl-C in the caller's shell would reach it", got, pid)
	}
	if got, err := s.ownedPID(sv); err != nil || got != pid {
		t.Errorf("ownedPID = %d, %v; want %d", got, err, pid)
	}
	if err := sv.healthy(t.Context()); err != nil {
		t.Errorf("not answering after start: %v", err)
	}
	if err := s.stop(sv); err != nil {
		t.Fatal(err)
	}
	for _, p := range []int{pid, child} {
		if !waitDead(p) {
			t.Errorf("pid %d still alive after stop", p)
		}
	}
	if _, err := os.Stat(s.pidFile(sv)); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
	// Stopping again is a no-op, not an error.
	if err := s.stop(sv); err != nil {
		t.Errorf("second stop: %v", err)
	}
}

func TestStalePIDFiles(t *testing.T) {
	s := testStack(t)
	sv := httpService(t, s)
	// A pid nothing runs as: beyond the kernel's pid_max default.
	deadPID := 4194304 + 1
	tests := []struct {
		name string
		pid  int
	}{
		{"dead process", deadPID},
		{"live process that is not ours (pid reused)", os.Getpid()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(s.pidFile(sv), []byte(strconv.Itoa(tt.pid)+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if got, err := s.ownedPID(sv); err != nil || got != 0 {
				t.Fatalf("ownedPID = %d, %v; want 0 (stale)", got, err)
			}
			if _, err := os.Stat(s.pidFile(sv)); !os.IsNotExist(err) {
				t.Errorf("stale pid file not removed: %v", err)
			}
			// stop must not signal a process it does not own: this test
			// process is the "not ours" one and must survive.
			if err := os.WriteFile(s.pidFile(sv), []byte(strconv.Itoa(tt.pid)), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := s.stop(sv); err != nil {
				t.Errorf("stop with a stale pid file: %v", err)
			}
		})
	}
}

func TestStartFailureShowsTheLog(t *testing.T) {
	s := testStack(t)
	tests := []struct {
		name    string
		argv    []string
		healthy func(context.Context) error
		want    string
	}{
		{
			name: "exits at once",
			argv: []string{"sh", "-c", "echo cannot bind port >&2; exit 3"},
			want: "exited during start-up",
		},
		{
			name: "missing binary",
			argv: []string{filepath.Join(s.run, "no-such-emulator")},
			want: "no such file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sv := service{name: "broken", port: 1, marker: "x", argv: tt.argv,
				healthy: func(context.Context) error { return fmt.Errorf("not up") }}
			err := s.start(t.Context(), sv)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if tt.name == "exits at once" && !strings.Contains(err.Error(), "cannot bind port") {
				t.Errorf("the error does not show the log tail: %v", err)
			}
			if _, err := os.Stat(s.pidFile(sv)); !os.IsNotExist(err) {
				t.Errorf("pid file of a failed start left behind: %v", err)
			}
		})
	}
}

// TestRealEmulators starts the installed DynamoDB Local and moto exactly as
// `devstack up` does, on free ports, checks that they answer real API calls,
// and stops them.
func TestRealEmulators(t *testing.T) {
	s := testStack(t)
	if !s.installed() {
		t.Fatalf("the emulators are not installed in %s: run `make tools`", s.cache)
	}
	for _, sv := range s.services() {
		t.Run(sv.name, func(t *testing.T) {
			if err := sv.healthy(t.Context()); err == nil {
				t.Fatalf("something already answers on free port %d", sv.port)
			}
			if err := s.start(t.Context(), sv); err != nil {
				t.Fatal(err)
			}
			pid := readPID(t, s.pidFile(sv))
			t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })
			if !cmdlineHas(pid, sv.marker) {
				t.Errorf("pid %d does not run %s", pid, sv.marker)
			}
			if err := s.stop(sv); err != nil {
				t.Fatal(err)
			}
			if !waitDead(pid) {
				t.Errorf("%s (pid %d) survived stop", sv.name, pid)
			}
		})
	}
}

func TestLockSerialisesDevstacks(t *testing.T) {
	s := testStack(t)
	unlock, err := s.lock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := s.lock(ctx); err == nil {
		t.Fatal("a second lock was granted while the first is held")
	}
	unlock()
	unlock2, err := s.lock(t.Context())
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()
}

func TestRepoRootAndEnv(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "template.yaml")); err != nil {
		t.Errorf("repoRoot() = %s, which has no template.yaml", root)
	}
	var b bytes.Buffer
	printEnv(&b)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != len(localaws.DefaultEnv) {
		t.Fatalf("env printed %d lines, want %d", len(lines), len(localaws.DefaultEnv))
	}
	for i, v := range localaws.DefaultEnv {
		if want := "export " + v.Name + "=" + v.Value; lines[i] != want {
			t.Errorf("line %d = %q, want %q", i, lines[i], want)
		}
	}
}
