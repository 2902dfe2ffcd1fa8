package platform

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// mapEnv is a lookup over a fixed map, so tests never touch the process
// environment.
func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestReadConfig(t *testing.T) {
	full := map[string]string{
		"STAGE": "dev", "TABLE_NAME": "ordersmith-dev", "SECRETS_PREFIX": "/ordersmith",
		"AWS_LAMBDA_FUNCTION_NAME": "ordersmith-dev-intake",
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		if v == "<unset>" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name        string
		env         map[string]string
		want        Config
		wantMissing []string
		wantInvalid []string
	}{
		{
			name: "all set",
			env:  full,
			want: Config{Stage: "dev", TableName: "ordersmith-dev", SecretsPrefix: "/ordersmith", FunctionName: "ordersmith-dev-intake"},
		},
		{
			name: "outside Lambda",
			env:  with("AWS_LAMBDA_FUNCTION_NAME", "<unset>"),
			want: Config{Stage: "dev", TableName: "ordersmith-dev", SecretsPrefix: "/ordersmith"},
		},
		{
			name: "values are trimmed",
			env:  with("TABLE_NAME", "  ordersmith-dev\n"),
			want: Config{Stage: "dev", TableName: "ordersmith-dev", SecretsPrefix: "/ordersmith", FunctionName: "ordersmith-dev-intake"},
		},
		{
			name:        "nothing set names every variable",
			env:         map[string]string{},
			wantMissing: []string{"STAGE", "TABLE_NAME", "SECRETS_PREFIX"},
		},
		{
			name:        "blank is missing",
			env:         with("TABLE_NAME", "   "),
			wantMissing: []string{"TABLE_NAME"},
		},
		{
			name:        "stage unusable in resource names",
			env:         with("STAGE", "Prod_1"),
			wantInvalid: []string{`STAGE="Prod_1"`},
		},
		{
			name:        "secrets prefix not a path",
			env:         with("SECRETS_PREFIX", "ordersmith"),
			wantInvalid: []string{`SECRETS_PREFIX="ordersmith"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := NewEnv(mapEnv(tt.env))
			got := ReadConfig(env)
			err := env.Err()
			if len(tt.wantMissing) == 0 && len(tt.wantInvalid) == 0 {
				if err != nil {
					t.Fatalf("Err() = %v, want nil", err)
				}
				if got != tt.want {
					t.Errorf("ReadConfig = %+v, want %+v", got, tt.want)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Err() = %v, want *ConfigError", err)
			}
			if !reflect.DeepEqual(ce.Missing, tt.wantMissing) {
				t.Errorf("Missing = %q, want %q", ce.Missing, tt.wantMissing)
			}
			if len(ce.Invalid) != len(tt.wantInvalid) {
				t.Fatalf("Invalid = %q, want %d entries", ce.Invalid, len(tt.wantInvalid))
			}
			for i, prefix := range tt.wantInvalid {
				if !strings.HasPrefix(ce.Invalid[i], prefix) {
					t.Errorf("Invalid[%d] = %q, want prefix %q", i, ce.Invalid[i], prefix)
				}
			}
			for _, name := range append(tt.wantMissing, tt.wantInvalid...) {
				if !strings.Contains(err.Error(), strings.SplitN(name, "=", 2)[0]) {
					t.Errorf("message %q does not name %s", err.Error(), name)
				}
			}
		})
	}
}

func TestLoadConfigFromProcess(t *testing.T) {
	t.Setenv("STAGE", "staging")
	t.Setenv("TABLE_NAME", "ordersmith-staging")
	t.Setenv("SECRETS_PREFIX", "/ordersmith")
	cfg, err := LoadConfig()
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if cfg.Stage != "staging" || cfg.TableName != "ordersmith-staging" {
		t.Errorf("LoadConfig = %+v", cfg)
	}
}

func TestEnvTypedReads(t *testing.T) {
	env := NewEnv(mapEnv(map[string]string{
		"N": "42", "BAD_N": "forty", "ON": "true", "BAD_ON": "yes please",
		"WAIT": "1m30s", "BAD_WAIT": "soon", "NEG_WAIT": "-1s",
		"FROM": "Boutique <boutique@example.com>", "BAD_FROM": "boutique at example",
		"Q": "https://sqs.eu-west-3.amazonaws.com/1/q",
	}))
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"int set", env.Int("N", 7), 42},
		{"int unset falls back", env.Int("NONE", 7), 7},
		{"int invalid falls back", env.Int("BAD_N", 7), 7},
		{"bool set", env.Bool("ON", false), true},
		{"bool unset falls back", env.Bool("NONE", true), true},
		{"bool invalid falls back", env.Bool("BAD_ON", false), false},
		{"duration set", env.Duration("WAIT", time.Second), 90 * time.Second},
		{"duration unset falls back", env.Duration("NONE", time.Second), time.Second},
		{"duration invalid falls back", env.Duration("BAD_WAIT", time.Second), time.Second},
		{"duration negative falls back", env.Duration("NEG_WAIT", time.Second), time.Second},
		{"address with display name kept", env.RequiredAddress("FROM"), "Boutique <boutique@example.com>"},
		{"address invalid is empty", env.RequiredAddress("BAD_FROM"), ""},
		{"address missing is empty", env.RequiredAddress("NO_FROM"), ""},
		{"optional set", env.Optional("Q", "x"), "https://sqs.eu-west-3.amazonaws.com/1/q"},
		{"optional unset falls back", env.Optional("NONE", "x"), "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}

	var ce *ConfigError
	if !errors.As(env.Err(), &ce) {
		t.Fatalf("Err() = %v, want *ConfigError", env.Err())
	}
	if want := []string{"NO_FROM"}; !reflect.DeepEqual(ce.Missing, want) {
		t.Errorf("Missing = %q, want %q", ce.Missing, want)
	}
	var names []string
	for _, s := range ce.Invalid {
		names = append(names, strings.SplitN(s, "=", 2)[0])
	}
	if want := []string{"BAD_N", "BAD_ON", "BAD_WAIT", "NEG_WAIT", "BAD_FROM"}; !reflect.DeepEqual(names, want) {
		t.Errorf("Invalid names = %q, want %q", names, want)
	}
}

func TestEnvErrIsASnapshot(t *testing.T) {
	env := NewEnv(mapEnv(nil))
	env.Required("A")
	first := env.Err()
	env.Required("B")
	if got := first.Error(); got != "missing environment variables: A" {
		t.Errorf("first error changed to %q", got)
	}
	if got := env.Err().Error(); got != "missing environment variables: A, B" {
		t.Errorf("second error = %q", got)
	}
}

func TestFixedClock(t *testing.T) {
	at := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	clocks := []struct {
		name  string
		clock Clock
		check func(time.Time) bool
	}{
		{"fixed", FixedClock(at), func(got time.Time) bool { return got.Equal(at) }},
		{"system is UTC", SystemClock, func(got time.Time) bool { return got.Location() == time.UTC && time.Since(got) < time.Minute }},
	}
	for _, c := range clocks {
		t.Run(c.name, func(t *testing.T) {
			if got := c.clock(); !c.check(got) {
				t.Errorf("clock told %v", got)
			}
		})
	}
}
