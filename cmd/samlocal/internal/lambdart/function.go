package lambdart

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// Function is one Lambda function as the local runtime runs it: its built
// bootstrap and the configuration Lambda would apply.
type Function struct {
	Name         string            // function name as Lambda knows it: AWS_LAMBDA_FUNCTION_NAME
	LogName      string            // the log prefix, e.g. the logical id; Name when empty
	Bootstrap    string            // path of the built bootstrap executable
	Handler      string            // _HANDLER; "bootstrap" for provided runtimes
	MemoryMB     int               // MemorySize; reported, not enforced
	Timeout      time.Duration     // the invoke is killed after this
	Region       string            // AWS_REGION
	AccountID    string            // used in the function ARN
	LogGroup     string            // AWS_LAMBDA_LOG_GROUP_NAME; defaults to /aws/lambda/<Name>
	LogFormat    string            // "JSON" or "Text" (LoggingConfig.LogFormat)
	LogLevel     string            // LoggingConfig.ApplicationLogLevel, set when LogFormat is JSON
	Env          map[string]string // the function's variables; Lambda's reserved variables win over them
	MaxInstances int               // cap on concurrent instances; 0 means 10
}

// DefaultMaxInstances is the per-function concurrency cap when Function
// leaves MaxInstances zero: enough for a developer's parallel calls without
// letting a runaway loop fork hundreds of processes on a laptop.
const DefaultMaxInstances = 10

// ARN returns the function's ARN, as sent in Lambda-Runtime-Invoked-Function-Arn.
func (f *Function) ARN() string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", f.Region, f.AccountID, f.Name)
}

func (f *Function) logPrefix() string {
	if f.LogName != "" {
		return "[" + f.LogName + "] "
	}
	return "[" + f.Name + "] "
}

func (f *Function) validate() error {
	var errs []error
	if f.Name == "" {
		errs = append(errs, errors.New("function name is empty"))
	}
	if f.Bootstrap == "" {
		errs = append(errs, errors.New("bootstrap path is empty"))
	}
	if f.Timeout <= 0 {
		errs = append(errs, errors.New("timeout must be positive"))
	}
	if f.MemoryMB <= 0 {
		errs = append(errs, errors.New("memory size must be positive"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("function %q: %w", f.Name, errors.Join(errs...))
	}
	return nil
}

func (f *Function) maxInstances() int {
	if f.MaxInstances > 0 {
		return f.MaxInstances
	}
	return DefaultMaxInstances
}

// environ returns the child's whole environment: nothing is inherited from
// the parent process, as in Lambda, so a function cannot accidentally depend
// on the developer's shell.
func (f *Function) environ(runtimeAPI string, now time.Time) []string {
	root, _ := filepath.Abs(filepath.Dir(f.Bootstrap))
	env := make(map[string]string, len(f.Env)+20)
	for k, v := range f.Env {
		env[k] = v
	}
	logGroup := f.LogGroup
	if logGroup == "" {
		logGroup = "/aws/lambda/" + f.Name
	}
	handler := f.Handler
	if handler == "" {
		handler = "bootstrap"
	}
	reserved := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        f.Name,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.MemoryMB),
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"AWS_LAMBDA_LOG_GROUP_NAME":       logGroup,
		"AWS_LAMBDA_LOG_STREAM_NAME":      now.UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(16),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      f.Region,
		"AWS_DEFAULT_REGION":              f.Region,
		"LAMBDA_TASK_ROOT":                root,
		"LAMBDA_RUNTIME_DIR":              root,
		"_HANDLER":                        handler,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LD_LIBRARY_PATH":                 "/lib64:/usr/lib64:" + root + ":" + root + "/lib:/opt/lib",
	}
	if f.LogFormat == "JSON" {
		reserved["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
		if f.LogLevel != "" {
			reserved["AWS_LAMBDA_LOG_LEVEL"] = f.LogLevel
		}
	}
	for k, v := range reserved {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out) // stable order keeps /proc/<pid>/environ diffable
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}
