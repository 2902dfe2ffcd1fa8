package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// service is one emulator devstack starts and stops.
type service struct {
	name    string
	port    int
	marker  string // a word of its command line, to recognise our process behind a pid
	argv    []string
	healthy func(ctx context.Context) error // a real API call
	// Optional hooks: fresh runs before a start, ready once the started
	// (or already running, owned) emulator answers, drop after a stop.
	fresh func() error
	ready func(ctx context.Context) error
	drop  func() error
}

func (s *stack) pidFile(sv service) string { return filepath.Join(s.run, sv.name+".pid") }
func (s *stack) logFile(sv service) string { return filepath.Join(s.run, sv.name+".log") }

// startTimeout bounds the wait for a started emulator to answer. DynamoDB
// Local needs a few seconds of JVM start-up, moto about as much for Python.
const startTimeout = 90 * time.Second

// ownedPID returns the pid recorded for sv if that process is alive and is
// ours. A pid file pointing at a dead process, a zombie or an unrelated
// process (pids are reused) is stale: it is removed and 0 is returned.
func (s *stack) ownedPID(sv service) (int, error) {
	b, err := os.ReadFile(s.pidFile(sv))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err == nil && pid > 0 && alive(pid) && cmdlineHas(pid, sv.marker) {
		return pid, nil
	}
	if err := os.Remove(s.pidFile(sv)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("remove stale pid file: %w", err)
	}
	fmt.Printf("%-9s removed stale pid file\n", sv.name)
	return 0, nil
}

// alive reports whether pid runs and is not a zombie (a zombie still answers
// kill 0 until its parent reaps it).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name, which may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

func cmdlineHas(pid int, marker string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && bytes.Contains(b, []byte(marker))
}

// processGroup returns the process group of pid, or 0 if unknown.
func processGroup(pid int) int {
	pgid, err := syscall.Getpgid(pid)
	if err != nil {
		return 0
	}
	return pgid
}

// start launches sv detached from devstack (its own process group, so that
// neither a Ctrl-C in the shell nor devstack's exit stops it), with its
// output in .cache/run/<name>.log, and waits until it answers.
func (s *stack) start(ctx context.Context, sv service) error {
	if sv.fresh != nil {
		if err := sv.fresh(); err != nil {
			return fmt.Errorf("%s: %w", sv.name, err)
		}
	}
	logf, err := os.OpenFile(s.logFile(sv), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n--- devstack start %s: %s\n", time.Now().Format(time.RFC3339), strings.Join(sv.argv, " "))
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	// Not CommandContext: the emulator must outlive this command.
	cmd := exec.Command(sv.argv[0], sv.argv[1:]...)
	cmd.Dir = s.run
	cmd.Stdin = devnull
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", sv.argv[0], err)
	}
	pid := cmd.Process.Pid
	if err := os.WriteFile(s.pidFile(sv), []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	fmt.Printf("%-9s started (pid %d), waiting for port %d ...\n", sv.name, pid, sv.port)
	startedAt := time.Now()
	deadline := time.After(startTimeout)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			_ = os.Remove(s.pidFile(sv))
			return fmt.Errorf("%s exited during start-up (%v); end of %s:\n%s", sv.name, err, s.logFile(sv), s.logTail(sv))
		case <-deadline:
			return fmt.Errorf("%s did not answer on port %d within %s (still running as pid %d; `devstack down` stops it); end of %s:\n%s",
				sv.name, sv.port, startTimeout, pid, s.logFile(sv), s.logTail(sv))
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if sv.healthy(ctx) == nil {
				fmt.Printf("%-9s answering after %s\n", sv.name, time.Since(startedAt).Round(100*time.Millisecond))
				return nil
			}
		}
	}
}

func (s *stack) logTail(sv service) string {
	b, err := os.ReadFile(s.logFile(sv))
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return tail(string(b), 20)
}

// stop ends the process group devstack started for sv: SIGTERM, then
// SIGKILL if it is still there after a grace period.
func (s *stack) stop(sv service) error {
	pid, err := s.ownedPID(sv)
	if err != nil {
		return err
	}
	if pid == 0 {
		fmt.Printf("%-9s not started by this checkout\n", sv.name)
		return nil
	}
	// Signal the whole group (the JVM or moto's workers) only when the pid
	// leads its own group, as devstack started it; otherwise just the pid.
	target := pid
	if processGroup(pid) == pid {
		target = -pid
	}
	if err := syscall.Kill(target, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s (pid %d): %w", sv.name, pid, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if alive(pid) {
		if err := syscall.Kill(target, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("kill %s (pid %d): %w", sv.name, pid, err)
		}
	}
	if err := os.Remove(s.pidFile(sv)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove pid file: %w", err)
	}
	fmt.Printf("%-9s stopped (pid %d)\n", sv.name, pid)
	if sv.drop != nil {
		if err := sv.drop(); err != nil {
			return fmt.Errorf("%s: %w", sv.name, err)
		}
	}
	return nil
}

// lock takes an exclusive lock on .cache/run/devstack.lock, so that two
// `devstack up` at once (two shells, two test packages) do not both start
// an emulator on the same port. The lock goes with the process.
func (s *stack) lock(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(s.run, 0o755); err != nil {
		return nil, fmt.Errorf("create run folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(s.run, "devstack.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock: %w", err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
