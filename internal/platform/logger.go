package platform

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// Attribute keys the logs share, so that one query finds a request or an
// order across every function.
const (
	LogKeyFunction  = "function"
	LogKeyRequestID = "request_id"
	LogKeyOrderID   = "order_id"
)

// Levels beyond slog's four, named as Lambda's log-level settings name them.
const (
	LevelTrace = slog.LevelDebug - 4
	LevelFatal = slog.LevelError + 4
)

// Logger returns the JSON logger for a function: it writes to stdout (which
// Lambda sends to CloudWatch), at the level set by AWS_LAMBDA_LOG_LEVEL (the
// template's ApplicationLogLevel) or else LOG_LEVEL, and names the function
// on every line.
func Logger() *slog.Logger {
	return NewLogger(os.Stdout, os.LookupEnv)
}

// NewLogger is Logger writing to w and reading its settings through lookup.
// An unknown level falls back to INFO, and the logger says so once: a typo in
// a template must not silence a function.
func NewLogger(w io.Writer, lookup func(string) (string, bool)) *slog.Logger {
	raw := ""
	for _, name := range []string{"AWS_LAMBDA_LOG_LEVEL", "LOG_LEVEL"} {
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			raw = v
			break
		}
	}
	level, levelErr := ParseLevel(raw)
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: lambdaLevelNames})
	l := slog.New(h)
	if fn, ok := lookup(EnvFunctionName); ok && fn != "" {
		l = l.With(LogKeyFunction, fn)
	}
	if levelErr != nil {
		l.Warn("unknown log level, using INFO", "error", levelErr.Error())
	}
	return l
}

// ParseLevel parses a Lambda log level (TRACE, DEBUG, INFO, WARN, ERROR,
// FATAL; any case). The empty string is INFO.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "":
		return slog.LevelInfo, nil
	case "TRACE":
		return LevelTrace, nil
	case "DEBUG":
		return slog.LevelDebug, nil
	case "INFO":
		return slog.LevelInfo, nil
	case "WARN", "WARNING":
		return slog.LevelWarn, nil
	case "ERROR":
		return slog.LevelError, nil
	case "FATAL":
		return LevelFatal, nil
	}
	return slog.LevelInfo, fmt.Errorf("parse log level %q: want TRACE, DEBUG, INFO, WARN, ERROR or FATAL", s)
}

// lambdaLevelNames writes TRACE and FATAL instead of slog's "DEBUG-4" and
// "ERROR+4", so that Lambda's level filter, which reads the "level" field,
// recognises them.
func lambdaLevelNames(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 || a.Key != slog.LevelKey {
		return a
	}
	switch lvl, _ := a.Value.Any().(slog.Level); {
	case lvl <= LevelTrace:
		a.Value = slog.StringValue("TRACE")
	case lvl >= LevelFatal:
		a.Value = slog.StringValue("FATAL")
	}
	return a
}

// WithRequestID returns l with the request id on every line.
func WithRequestID(l *slog.Logger, id string) *slog.Logger {
	return l.With(LogKeyRequestID, id)
}

// WithOrderID returns l with the order id on every line.
func WithOrderID(l *slog.Logger, id string) *slog.Logger {
	return l.With(LogKeyOrderID, id)
}

type loggerKey struct{}

// ContextWithLogger returns ctx carrying l, so that code below a handler logs
// with the request's attributes without having the logger passed down.
func ContextWithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// LoggerFrom returns the logger carried by ctx, or slog.Default().
func LoggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	return slog.Default()
}

// FailInit logs why a function cannot start and exits. It is for main's init
// only: Lambda then reports the init failure with this message in the logs.
func FailInit(l *slog.Logger, op string, err error) {
	l.Error("init failed: "+op, "error", err.Error())
	os.Exit(1)
}
