package localawstest

import (
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// QueueCounts returns how many messages the queue at url holds: visible
// (a receive would return them now) and in flight (received, and neither
// deleted nor visible again yet). moto's counts are exact, not approximate.
func QueueCounts(t testing.TB, q *sqs.Client, url string) (visible, inFlight int) {
	t.Helper()
	out, err := q.GetQueueAttributes(t.Context(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatalf("attributes of queue %s: %v", url, err)
	}
	count := func(name sqstypes.QueueAttributeName) int {
		n, err := strconv.Atoi(out.Attributes[string(name)])
		if err != nil {
			t.Fatalf("queue %s: %s = %q: %v", url, name, out.Attributes[string(name)], err)
		}
		return n
	}
	return count(sqstypes.QueueAttributeNameApproximateNumberOfMessages), count(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)
}

// WaitQueueDrained polls the queue at url until it holds no message,
// visible or in flight: every message sent to it so far was received and
// then deleted by its consumer (or moved to a dead-letter queue). It fails
// the test after timeout, with what the queue still holds.
//
// A consumer deletes a message once its function returned, so a drained
// queue means the messages it held were handled to the end: a test counts
// their effects after this wait, never after a sleep.
func WaitQueueDrained(t testing.TB, q *sqs.Client, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		visible, inFlight := QueueCounts(t, q, url)
		if visible == 0 && inFlight == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue %s not drained after %s: %d messages visible, %d in flight", url, timeout, visible, inFlight)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
