package notify_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestEventSamples hands every sample of events/notifier/ to the handler
// twice: each sends exactly the e-mails its events call for, once.
func TestEventSamples(t *testing.T) {
	want := map[string][]string{
		"sqs-order-shipped.json":             {"Votre commande n° CDA-1042 a été expédiée"},
		"sqs-cancelled-and-credit-note.json": {"Votre commande n° CDA-1042 a été annulée"},
		"sqs-payment-reminder.json":          {"Rappel : paiement en attente pour la commande n° CDA-1042"},
	}
	files, err := filepath.Glob("../../events/notifier/*.json")
	if err != nil || len(files) != len(want) {
		t.Fatalf("samples %v (%v), want %d", files, err, len(want))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var ev events.SQSEvent
			if err := json.Unmarshal(raw, &ev); err != nil {
				t.Fatal(err)
			}
			e := newEnv(t)
			for range 2 {
				resp, err := e.handler.Handle(context.Background(), ev)
				if err != nil || len(resp.BatchItemFailures) != 0 {
					t.Fatalf("%v %+v", err, resp)
				}
			}
			subjects, ok := want[filepath.Base(path)]
			if !ok {
				t.Fatalf("no expectation for %s", path)
			}
			if len(e.sender.sent) != len(subjects) {
				t.Fatalf("sent %d e-mails, want %d", len(e.sender.sent), len(subjects))
			}
			for i, s := range subjects {
				if m := e.sender.sent[i]; !strings.Contains(m.Subject, s) || m.To != "zoe.martin@example.com" || !strings.Contains(m.Text, "Mug « Montmartre »") {
					t.Fatalf("e-mail %d: to %s subject %q", i, m.To, m.Subject)
				}
			}
		})
	}
}
