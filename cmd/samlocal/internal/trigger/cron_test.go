package trigger

import (
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestExpressionNext(t *testing.T) {
	tests := []struct {
		expr, tz, after string
		want            string // "" when there is no next time
	}{
		{"rate(5 minutes)", "", "2026-11-21T10:00:00Z", "2026-11-21T10:05:00Z"},
		{"rate(1 hour)", "", "2026-11-21T10:00:00Z", "2026-11-21T11:00:00Z"},
		{"rate(2 days)", "", "2026-11-21T10:00:00Z", "2026-11-23T10:00:00Z"},
		{"cron(0 12 * * ? *)", "", "2026-11-21T23:46:00Z", "2026-11-22T12:00:00Z"},
		{"cron(0/15 * * * ? *)", "", "2026-11-21T10:07:30Z", "2026-11-21T10:15:00Z"},
		{"cron(0/15 * * * ? *)", "", "2026-11-21T10:15:00Z", "2026-11-21T10:30:00Z"},
		{"cron(0 8 ? * MON-FRI *)", "", "2026-11-21T10:00:00Z", "2026-11-23T08:00:00Z"},
		{"cron(0 0 L * ? *)", "", "2026-02-10T00:00:00Z", "2026-02-28T00:00:00Z"},
		{"cron(0 9 ? * 6L *)", "", "2026-11-01T00:00:00Z", "2026-11-27T09:00:00Z"},
		{"cron(0 9 ? * 2#1 *)", "", "2026-12-01T00:00:00Z", "2026-12-07T09:00:00Z"},
		{"cron(0 9 15W * ? *)", "", "2026-11-01T00:00:00Z", "2026-11-16T09:00:00Z"},
		{"cron(0 9 15W * ? *)", "", "2026-08-01T00:00:00Z", "2026-08-14T09:00:00Z"},
		{"cron(30 1 1 JAN ? 2027)", "", "2026-11-21T00:00:00Z", "2027-01-01T01:30:00Z"},
		{"cron(0 0 1 1 ? 2020)", "", "2026-11-21T00:00:00Z", ""},
		{"cron(0 9 * * ? *)", "Europe/Paris", "2026-07-01T00:00:00Z", "2026-07-01T07:00:00Z"},
		{"cron(0 9 * * ? *)", "Europe/Paris", "2026-12-01T00:00:00Z", "2026-12-01T08:00:00Z"},
		{"at(2030-01-01T10:00:00)", "", "2026-11-21T00:00:00Z", "2030-01-01T10:00:00Z"},
		{"at(2020-01-01T10:00:00)", "", "2026-11-21T00:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr+" "+tt.tz+" "+tt.after, func(t *testing.T) {
			e, err := ParseExpression(tt.expr, tt.tz)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := e.Next(utc(tt.after))
			if tt.want == "" {
				if ok {
					t.Errorf("next = %v, want none", got)
				}
				return
			}
			if !ok || !got.Equal(utc(tt.want)) {
				t.Errorf("next = %v (%v), want %s", got.UTC(), ok, tt.want)
			}
		})
	}
}

func TestExpressionErrors(t *testing.T) {
	for _, expr := range []string{
		"every 5 minutes", "rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(5 weeks)",
		"cron(0 12 * * *)", "cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(61 12 * * ? *)",
		"cron(0 12 ? * FOO *)", "cron(0 12 10-5 * ? *)", "at(tomorrow)", "daily(1)",
	} {
		t.Run(expr, func(t *testing.T) {
			if _, err := ParseExpression(expr, ""); err == nil {
				t.Errorf("%s was accepted", expr)
			}
		})
	}
	if _, err := ParseExpression("rate(1 day)", "Mars/Olympus"); err == nil {
		t.Error("an unknown time zone was accepted")
	}
}
