package trigger

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func TestScheduledEventShape(t *testing.T) {
	now := utc("2026-11-21T12:00:00Z")
	tests := []struct {
		name         string
		s            Schedule
		wantSource   string
		wantResource string
		wantRaw      string // the payload verbatim, when Input is set
	}{
		{name: "rule", s: Schedule{Name: "Nightly", Region: "eu-west-3", AccountID: "123456789012"},
			wantSource: "aws.events", wantResource: "arn:aws:events:eu-west-3:123456789012:rule/Nightly"},
		{name: "scheduler", s: Schedule{Name: "Hourly", V2: true, Region: "eu-west-3", AccountID: "123456789012"},
			wantSource: "aws.scheduler", wantResource: "arn:aws:scheduler:eu-west-3:123456789012:schedule/default/Hourly"},
		{name: "input", s: Schedule{Name: "Purge", Input: `{"days":30}`}, wantRaw: `{"days":30}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.s.Event(now)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantRaw != "" {
				if string(b) != tt.wantRaw {
					t.Errorf("payload %s, want %s", b, tt.wantRaw)
				}
				return
			}
			var ev map[string]any
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"version": "0", "detail-type": "Scheduled Event", "source": tt.wantSource,
				"account": "123456789012", "region": "eu-west-3", "time": "2026-11-21T12:00:00Z"}
			for k, v := range want {
				if ev[k] != v {
					t.Errorf("%s = %v, want %v", k, ev[k], v)
				}
			}
			if res, _ := ev["resources"].([]any); len(res) != 1 || res[0] != tt.wantResource {
				t.Errorf("resources = %v", ev["resources"])
			}
			if d, ok := ev["detail"].(map[string]any); !ok || len(d) != 0 {
				t.Errorf("detail = %v, want {}", ev["detail"])
			}
			if id, _ := ev["id"].(string); len(id) != 36 {
				t.Errorf("id = %v", ev["id"])
			}
		})
	}
	if _, err := (&Schedule{Name: "Bad", Input: "{nope"}).Event(now); err == nil {
		t.Error("a non-JSON Input was accepted")
	}
}

func TestScheduleRunFiresOnItsExpression(t *testing.T) {
	fired := make(chan []byte, 4)
	inv := InvokerFunc(func(_ context.Context, fn string, ev []byte) ([]byte, bool, error) {
		if fn != "PurgeFunction" {
			t.Errorf("invoked %s", fn)
		}
		fired <- ev
		return []byte("null"), false, nil
	})
	// at() one second ahead, in UTC: the runner must fire exactly once.
	at := time.Now().UTC().Add(1500 * time.Millisecond).Truncate(time.Second)
	s := Schedule{Function: "PurgeFunction", Name: "Once", Enabled: true, Expression: "at(" + at.Format("2006-01-02T15:04:05") + ")", Input: `{"once":true}`}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Run(ctx, inv, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-fired:
		if string(ev) != `{"once":true}` {
			t.Errorf("event %s", ev)
		}
		if time.Now().Before(at) {
			t.Errorf("fired before %v", at)
		}
	default:
		t.Fatal("the schedule did not fire")
	}
	if len(fired) != 0 {
		t.Error("an at() schedule fired twice")
	}
	disabled := s
	disabled.Enabled = false
	if err := disabled.Run(ctx, inv, nil); err != nil || len(fired) != 0 {
		t.Errorf("a disabled schedule ran: %v", err)
	}
}
