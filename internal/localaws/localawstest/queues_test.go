package localawstest

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ordersmith/ordersmith/internal/localaws"
)

// TestQueueCountsAndDrain follows two messages through a queue: sent
// (visible), one received (in flight), both deleted (drained); the wait
// fails, naming what is left, while one is in flight.
func TestQueueCountsAndDrain(t *testing.T) {
	cfg := Config(t)
	q := localaws.NewClients(cfg).SQS
	url, _ := NewQueue(t, cfg, 0)
	for _, b := range []string{"a", "b"} {
		if _, err := q.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if v, f := QueueCounts(t, q, url); v != 2 || f != 0 {
		t.Fatalf("after sending: %d visible, %d in flight, want 2 and 0", v, f)
	}
	var handles []*string
	out, err := q.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %v %v", out, err)
	}
	handles = append(handles, out.Messages[0].ReceiptHandle)
	if v, f := QueueCounts(t, q, url); v != 1 || f != 1 {
		t.Fatalf("after one receive: %d visible, %d in flight, want 1 and 1", v, f)
	}

	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); WaitQueueDrained(rec, q, url, 300*time.Millisecond) }()
	<-done
	if !strings.Contains(rec.fatal, "1 messages visible, 1 in flight") {
		t.Fatalf("wait on a busy queue: failure %q, want one naming what is left", rec.fatal)
	}

	out, err = q.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 1})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %v %v", out, err)
	}
	handles = append(handles, out.Messages[0].ReceiptHandle)
	for _, h := range handles {
		if _, err := q.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: h}); err != nil {
			t.Fatal(err)
		}
	}
	WaitQueueDrained(t, q, url, 5*time.Second)
}
