package trigger_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ordersmith/ordersmith/cmd/samlocal/internal/trigger"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
)

// TestSQSFIFOGroupsInOrder, on moto: a FIFO mapping runs one batch at a
// time, hands the function each message's group, and a group's messages
// held back after a failure (reported with it, as a FIFO consumer must)
// come back after it, in order.
func TestSQSFIFOGroupsInOrder(t *testing.T) {
	cfg := localawstest.Config(t)
	q := localaws.NewClients(cfg).SQS
	attrs, _, err := localaws.EnsureQueue(t.Context(), q, localawstest.UniqueName(t, 70)+".fifo", map[string]any{"FifoQueue": "true", "VisibilityTimeout": 1})
	if err != nil {
		t.Fatal(err)
	}
	url := attrs["QueueUrl"]
	t.Cleanup(func() { _, _ = q.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: aws.String(url)}) })
	var entries []sqstypes.SendMessageBatchRequestEntry
	for i, m := range []struct{ body, group string }{{"a1", "A"}, {"b1", "B"}, {"a2", "A"}, {"a3", "A"}} {
		entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), MessageBody: aws.String(m.body),
			MessageGroupId: aws.String(m.group), MessageDeduplicationId: aws.String(m.body)})
	}
	if out, err := q.SendMessageBatch(t.Context(), &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: entries}); err != nil || len(out.Failed) > 0 {
		t.Fatalf("send: %v %+v", err, out)
	}

	var (
		mu       sync.Mutex
		handled  = map[string][]string{} // group → bodies, in order of handling
		running  atomic.Int32
		failedA2 bool
	)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	inv := trigger.InvokerFunc(func(_ context.Context, _ string, payload []byte) ([]byte, bool, error) {
		if running.Add(1) > 1 {
			t.Error("two batches of the mapping ran at once")
		}
		defer running.Add(-1)
		var ev trigger.SQSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, false, err
		}
		mu.Lock()
		defer mu.Unlock()
		var failures []map[string]string
		held := false
		for _, r := range ev.Records {
			g := r.Attributes["MessageGroupId"]
			if held && g == "A" {
				failures = append(failures, map[string]string{"itemIdentifier": r.MessageID})
				continue
			}
			handled[g] = append(handled[g], r.Body)
			if r.Body == "a2" && !failedA2 {
				failedA2, held = true, true // fails once; a3 is held back behind it
				failures = append(failures, map[string]string{"itemIdentifier": r.MessageID})
			}
		}
		if len(handled["A"]) >= 4 && len(handled["B"]) >= 1 {
			cancel()
		}
		b, err := json.Marshal(map[string]any{"batchItemFailures": failures})
		return b, false, err
	})
	src := trigger.SQSSource{Function: "F", QueueURL: url, QueueARN: queueARN(t, q, url), Region: localaws.Region,
		BatchSize: 10, ReportBatchItemFailures: true, WaitTime: time.Second}
	done := make(chan struct{})
	go func() { src.Run(ctx, q, inv, quiet); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cancel()
		<-done
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"a1", "a2", "a2", "a3"}; !slices.Equal(handled["A"], want) || !slices.Equal(handled["B"], []string{"b1"}) {
		t.Errorf("group A handled %v (want %v), group B %v (want [b1])", handled["A"], want, handled["B"])
	}
}
