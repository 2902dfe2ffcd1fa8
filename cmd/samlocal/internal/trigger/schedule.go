package trigger

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// Schedule is a Schedule (EventBridge rule) or ScheduleV2 (EventBridge
// Scheduler) event of a function.
type Schedule struct {
	Function   string // what the Invoker runs
	Name       string // the rule or schedule name, used in the event's resources
	Expression string // rate(...), cron(...) or at(...)
	Timezone   string // ScheduleV2 only; UTC when empty
	Input      string // JSON sent instead of the scheduled event, when set
	Enabled    bool   // a disabled schedule only fires on demand
	V2         bool   // ScheduleV2: EventBridge Scheduler
	Region     string
	AccountID  string
}

// ScheduledEvent is the event EventBridge sends on a schedule.
type ScheduledEvent struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// Event returns the payload of a firing at now: the Input when the template
// gives one, else the scheduled event.
func (s *Schedule) Event(now time.Time) ([]byte, error) {
	if s.Input != "" {
		if !json.Valid([]byte(s.Input)) {
			return nil, fmt.Errorf("schedule %s: Input is not JSON", s.Name)
		}
		return []byte(s.Input), nil
	}
	ev := ScheduledEvent{
		Version:    "0",
		ID:         uuid.NewString(),
		DetailType: "Scheduled Event",
		Source:     "aws.events",
		Account:    s.AccountID,
		Time:       now.UTC().Format(time.RFC3339),
		Region:     s.Region,
		Resources:  []string{fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", s.Region, s.AccountID, s.Name)},
		Detail:     json.RawMessage("{}"),
	}
	if s.V2 {
		ev.Source = "aws.scheduler"
		ev.Resources = []string{fmt.Sprintf("arn:aws:scheduler:%s:%s:schedule/default/%s", s.Region, s.AccountID, s.Name)}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode scheduled event: %w", err)
	}
	return b, nil
}

// Fire invokes the function once with the schedule's event.
func (s *Schedule) Fire(ctx context.Context, inv Invoker, now time.Time) (answer []byte, failed bool, err error) {
	ev, err := s.Event(now)
	if err != nil {
		return nil, false, err
	}
	answer, failed, err = inv.Invoke(ctx, s.Function, ev)
	if err != nil {
		return nil, false, fmt.Errorf("fire schedule %s: %w", s.Name, err)
	}
	return answer, failed, nil
}

// Run fires the schedule at each time its expression names until ctx ends
// (or the expression has no further time). Scheduled invokes are
// asynchronous in AWS; a failure is logged, not retried.
func (s *Schedule) Run(ctx context.Context, inv Invoker, log *slog.Logger) error {
	if !s.Enabled {
		return nil
	}
	if log == nil {
		log = slog.Default()
	}
	expr, err := ParseExpression(s.Expression, s.Timezone)
	if err != nil {
		return fmt.Errorf("schedule %s: %w", s.Name, err)
	}
	for {
		next, ok := expr.Next(time.Now())
		if !ok {
			return nil
		}
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		if _, failed, err := s.Fire(ctx, inv, next); err != nil {
			log.Error("schedule", "schedule", s.Name, "function", s.Function, "err", err)
		} else if failed {
			log.Warn("scheduled invoke failed", "schedule", s.Name, "function", s.Function)
		}
	}
}
