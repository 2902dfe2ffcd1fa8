package platform

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"testing"
)

// lines decodes the JSON lines a logger wrote.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(buf)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestNewLoggerLevels(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		wantLevels []string // levels of the lines written by the probe below
		wantWarn   bool     // the logger reported an unknown level first
	}{
		{name: "default INFO", env: nil, wantLevels: []string{"INFO", "WARN", "ERROR", "FATAL"}},
		{name: "Lambda setting", env: map[string]string{"AWS_LAMBDA_LOG_LEVEL": "WARN"}, wantLevels: []string{"WARN", "ERROR", "FATAL"}},
		{name: "Lambda setting wins", env: map[string]string{"AWS_LAMBDA_LOG_LEVEL": "ERROR", "LOG_LEVEL": "DEBUG"}, wantLevels: []string{"ERROR", "FATAL"}},
		{name: "LOG_LEVEL outside Lambda", env: map[string]string{"LOG_LEVEL": "debug"}, wantLevels: []string{"DEBUG", "INFO", "WARN", "ERROR", "FATAL"}},
		{name: "TRACE shows all", env: map[string]string{"LOG_LEVEL": "TRACE"}, wantLevels: []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}},
		{name: "blank Lambda setting ignored", env: map[string]string{"AWS_LAMBDA_LOG_LEVEL": " ", "LOG_LEVEL": "ERROR"}, wantLevels: []string{"ERROR", "FATAL"}},
		{name: "unknown level is INFO and says so", env: map[string]string{"LOG_LEVEL": "LOUD"}, wantLevels: []string{"INFO", "WARN", "ERROR", "FATAL"}, wantWarn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := NewLogger(&buf, mapEnv(tt.env))
			ctx := t.Context()
			for _, lvl := range []slog.Level{LevelTrace, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, LevelFatal} {
				l.Log(ctx, lvl, "probe")
			}
			got := lines(t, &buf)
			if tt.wantWarn {
				if len(got) == 0 || got[0]["msg"] != "unknown log level, using INFO" {
					t.Fatalf("first line = %v, want the unknown-level warning", got)
				}
				got = got[1:]
			}
			var levels []string
			for _, m := range got {
				levels = append(levels, m["level"].(string))
			}
			if len(levels) != len(tt.wantLevels) {
				t.Fatalf("levels = %q, want %q", levels, tt.wantLevels)
			}
			for i := range levels {
				if levels[i] != tt.wantLevels[i] {
					t.Errorf("levels = %q, want %q", levels, tt.wantLevels)
					break
				}
			}
		})
	}
}

func TestLoggerAttributes(t *testing.T) {
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want map[string]any
		none []string
	}{
		{
			name: "function name on every line",
			log:  func(l *slog.Logger) { l.Info("hello") },
			want: map[string]any{"function": "ordersmith-dev-intake", "msg": "hello"},
			none: []string{"request_id", "order_id"},
		},
		{
			name: "request and order ids",
			log:  func(l *slog.Logger) { WithOrderID(WithRequestID(l, "req-1"), "ord-9").Info("saved") },
			want: map[string]any{"function": "ordersmith-dev-intake", "request_id": "req-1", "order_id": "ord-9"},
		},
		{
			name: "carried by the context",
			log: func(l *slog.Logger) {
				ctx := ContextWithLogger(t.Context(), WithRequestID(l, "req-2"))
				LoggerFrom(ctx).Info("deep down")
			},
			want: map[string]any{"request_id": "req-2", "msg": "deep down"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(NewLogger(&buf, mapEnv(map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "ordersmith-dev-intake"})))
			got := lines(t, &buf)
			if len(got) != 1 {
				t.Fatalf("got %d lines, want 1", len(got))
			}
			for k, v := range tt.want {
				if got[0][k] != v {
					t.Errorf("%s = %v, want %v", k, got[0][k], v)
				}
			}
			for _, k := range tt.none {
				if _, ok := got[0][k]; ok {
					t.Errorf("unexpected %s in %v", k, got[0])
				}
			}
		})
	}
}

func TestLoggerFromEmptyContext(t *testing.T) {
	if LoggerFrom(t.Context()) != slog.Default() {
		t.Error("LoggerFrom(empty) is not slog.Default()")
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in      string
		want    slog.Level
		wantErr bool
	}{
		{"", slog.LevelInfo, false},
		{"trace", LevelTrace, false},
		{"Debug", slog.LevelDebug, false},
		{"INFO", slog.LevelInfo, false},
		{"WARNING", slog.LevelWarn, false},
		{" error ", slog.LevelError, false},
		{"FATAL", LevelFatal, false},
		{"verbose", slog.LevelInfo, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLevel(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseLevel(%q) = %v, %v; want %v, err=%v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestFailInit runs FailInit in a child process, since it exits.
func TestFailInit(t *testing.T) {
	if os.Getenv("PLATFORM_FAILINIT_CHILD") == "1" {
		FailInit(NewLogger(os.Stdout, mapEnv(map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "fn"})), "read settings", errors.New("missing environment variables: TABLE_NAME"))
		return
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestFailInit$")
	cmd.Env = append(os.Environ(), "PLATFORM_FAILINIT_CHILD=1")
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("child error = %v, want exit status 1; output %s", err, out)
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(out), &line); err != nil {
		t.Fatalf("child output %q is not one JSON line: %v", out, err)
	}
	want := map[string]any{"level": "ERROR", "msg": "init failed: read settings", "error": "missing environment variables: TABLE_NAME", "function": "fn"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %v", k, line[k], v)
		}
	}
}
