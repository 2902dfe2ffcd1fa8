package platform

import (
	"fmt"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"
)

// Names of the environment variables the functions read. template.yaml sets
// the first three for every function (Globals); the others only where a
// function needs them.
const (
	EnvStage                 = "STAGE"
	EnvTableName             = "TABLE_NAME"
	EnvSecretsPrefix         = "SECRETS_PREFIX"
	EnvNotificationsQueueURL = "NOTIFICATIONS_QUEUE_URL"
	EnvExportsBucket         = "EXPORTS_BUCKET"
	EnvDocumentsBucket       = "DOCUMENTS_BUCKET"
	EnvMailFrom              = "MAIL_FROM"
	EnvFunctionName          = "AWS_LAMBDA_FUNCTION_NAME" // set by the Lambda runtime
)

// Config holds the settings every function shares.
type Config struct {
	Stage         string // deployment stage, e.g. "dev"; prefixes resource names
	TableName     string // the single DynamoDB table
	SecretsPrefix string // SSM path under which secrets live, e.g. "/ordersmith"
	FunctionName  string // the Lambda function's name; empty outside Lambda
}

// validStage keeps the stage usable inside resource names: a lower-case
// letter, then up to 31 lower-case letters, digits or dashes. A loop rather
// than a regexp, which every function would compile at each cold start.
func validStage(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s[1:]) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// ReadConfig reads the shared settings from env. Problems are recorded in env
// and reported by env.Err, together with those of the function's own settings.
func ReadConfig(env *Env) Config {
	cfg := Config{
		Stage:         env.Required(EnvStage),
		TableName:     env.Required(EnvTableName),
		SecretsPrefix: env.Required(EnvSecretsPrefix),
		FunctionName:  env.Optional(EnvFunctionName, ""),
	}
	if cfg.Stage != "" && !validStage(cfg.Stage) {
		env.invalid(EnvStage, cfg.Stage, "want lower-case letters, digits and dashes")
	}
	if cfg.SecretsPrefix != "" && !strings.HasPrefix(cfg.SecretsPrefix, "/") {
		env.invalid(EnvSecretsPrefix, cfg.SecretsPrefix, "want an SSM path starting with /")
	}
	return cfg
}

// LoadConfig reads the shared settings from the process environment, for the
// functions that need nothing else.
func LoadConfig() (Config, error) {
	env := NewEnv(os.LookupEnv)
	cfg := ReadConfig(env)
	return cfg, env.Err()
}

// Env reads typed settings from an environment and collects every problem,
// so that one start-up error lists all of them instead of the first only.
type Env struct {
	lookup   func(string) (string, bool)
	problems *ConfigError
}

// NewEnv returns an Env reading from lookup: os.LookupEnv in a function, a
// map in tests.
func NewEnv(lookup func(string) (string, bool)) *Env {
	return &Env{lookup: lookup, problems: &ConfigError{}}
}

// value returns the trimmed value of name; a blank value counts as unset
// because template parameters left empty arrive as "".
func (e *Env) value(name string) (string, bool) {
	v, ok := e.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (e *Env) invalid(name, value, why string) {
	e.problems.Invalid = append(e.problems.Invalid, fmt.Sprintf("%s=%q (%s)", name, value, why))
}

// Required returns the value of name and records it as missing when unset or
// blank.
func (e *Env) Required(name string) string {
	v, ok := e.value(name)
	if !ok {
		e.problems.Missing = append(e.problems.Missing, name)
	}
	return v
}

// List returns name as a comma-separated list (blanks and repeats dropped),
// recorded as missing when it lists nothing.
func (e *Env) List(name string) []string {
	l := SplitList(e.Optional(name, ""))
	if len(l) == 0 {
		e.problems.Missing = append(e.problems.Missing, name)
	}
	return l
}

// SplitList splits a comma-separated list: blanks and repeats dropped.
func SplitList(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Optional returns the value of name, or fallback when unset or blank.
func (e *Env) Optional(name, fallback string) string {
	if v, ok := e.value(name); ok {
		return v
	}
	return fallback
}

// Int returns name as an integer, or fallback when unset.
func (e *Env) Int(name string, fallback int) int {
	v, ok := e.value(name)
	if !ok {
		return fallback
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.invalid(name, v, "want an integer")
		return fallback
	}
	return n
}

// Bool returns name as a boolean (strconv.ParseBool), or fallback when unset.
func (e *Env) Bool(name string, fallback bool) bool {
	v, ok := e.value(name)
	if !ok {
		return fallback
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.invalid(name, v, "want true or false")
		return fallback
	}
	return b
}

// Duration returns name as a time.Duration ("30s", "15m"), or fallback when
// unset.
func (e *Env) Duration(name string, fallback time.Duration) time.Duration {
	v, ok := e.value(name)
	if !ok {
		return fallback
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		e.invalid(name, v, "want a duration such as 30s")
		return fallback
	}
	return d
}

// RequiredAddress returns the value of name, checked to be an e-mail
// address, and records it as missing or invalid. A display name is accepted
// and kept ("Boutique <b@example.com>") since SES takes the whole From header.
func (e *Env) RequiredAddress(name string) string {
	v := e.Required(name)
	if v == "" {
		return ""
	}
	if _, err := mail.ParseAddress(v); err != nil {
		e.invalid(name, v, "want an e-mail address")
		return ""
	}
	return v
}

// Err returns nil when every setting read so far was present and valid, and
// a *ConfigError naming all the others otherwise.
func (e *Env) Err() error {
	if len(e.problems.Missing) == 0 && len(e.problems.Invalid) == 0 {
		return nil
	}
	// A copy, so that later reads do not change an error already returned.
	return &ConfigError{
		Missing: append([]string(nil), e.problems.Missing...),
		Invalid: append([]string(nil), e.problems.Invalid...),
	}
}

// ConfigError lists the environment variables that were missing or invalid.
type ConfigError struct {
	Missing []string // names of unset or blank required variables
	Invalid []string // NAME="value" (why) for each unparseable variable
}

// Error implements error.
func (e *ConfigError) Error() string {
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing environment variables: "+strings.Join(e.Missing, ", "))
	}
	if len(e.Invalid) > 0 {
		parts = append(parts, "invalid environment variables: "+strings.Join(e.Invalid, ", "))
	}
	return strings.Join(parts, "; ")
}
