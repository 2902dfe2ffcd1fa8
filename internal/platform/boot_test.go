package platform

import (
	"log/slog"
	"strings"
	"testing"
)

func TestBoot(t *testing.T) {
	base := map[string]string{
		"STAGE": "dev", "TABLE_NAME": "ordersmith-dev", "SECRETS_PREFIX": "/ordersmith",
		"AWS_REGION": "eu-west-3", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s",
	}
	with := func(changes map[string]string) func(string) (string, bool) {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range changes {
			if v == "" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return mapEnv(m)
	}
	tests := []struct {
		name    string
		env     map[string]string
		own     func(env *Env)
		failure string // "" when the boot succeeds
	}{
		{"all set", nil, nil, ""},
		{"own variables read", map[string]string{"MAIL_FROM": "b@example.com"}, func(env *Env) { env.RequiredAddress(EnvMailFrom) }, ""},
		{"shared and own variables missing, reported together", map[string]string{"TABLE_NAME": ""},
			func(env *Env) { env.RequiredAddress(EnvMailFrom) }, "read configuration: TABLE_NAME MAIL_FROM"},
		{"malformed AWS setting", map[string]string{"AWS_MAX_ATTEMPTS": "many"}, nil, "load AWS configuration: AWS_MAX_ATTEMPTS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var failed string
			f := boot(with(tt.env), tt.own, func(_ *slog.Logger, op string, err error) { failed = op + ": " + err.Error() })
			if tt.failure == "" {
				if failed != "" || f.Config.TableName != "ordersmith-dev" || f.AWS.Region != "eu-west-3" || f.Log == nil {
					t.Fatalf("boot: failed %q, config %+v, region %q", failed, f.Config, f.AWS.Region)
				}
				return
			}
			op, names, _ := strings.Cut(tt.failure, ": ")
			if !strings.HasPrefix(failed, op) {
				t.Fatalf("failure %q, want %q", failed, tt.failure)
			}
			for _, name := range strings.Fields(names) {
				if !strings.Contains(failed, name) {
					t.Errorf("failure %q does not name %s", failed, name)
				}
			}
		})
	}
}
