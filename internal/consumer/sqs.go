package consumer

import (
	"context"
	"strconv"
	"sync"

	"github.com/aws/aws-lambda-go/events"
)

// AttrMessageGroupID is the system attribute of an SQS message naming its
// FIFO message group.
const AttrMessageGroupID = "MessageGroupId"

// SQSFunc handles one SQS message.
type SQSFunc func(ctx context.Context, m events.SQSMessage) (Outcome, error)

// HandleSQS runs h on the messages of ev, Config.Concurrency at a time, and
// returns the partial batch response: the messages that failed, and those
// not started for lack of time, each on its own; the others are done.
//
// Messages of one FIFO message group (AttrMessageGroupID) are handled one
// after the other in batch order, and once one fails the rest of its group
// is reported without being handled: SQS then delivers them again after it,
// in order, as a FIFO queue's consumer must. Messages without a group are
// independent.
func HandleSQS(ctx context.Context, c Config, ev events.SQSEvent, h SQSFunc) events.SQSEventResponse {
	failed := make([]bool, len(ev.Records))
	sem := make(chan struct{}, max(c.Concurrency, 1))
	var wg sync.WaitGroup
	for _, group := range groups(ev.Records) {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			held := false // an earlier message of the group failed
			for _, i := range group {
				m := ev.Records[i]
				r := sqsRef(m.MessageId, m.EventSourceARN)
				switch {
				case held:
					c.logger().WarnContext(ctx, c.Name+" held back: an earlier message of its group failed", attrs(r.key, r.id, Outcome{})...)
					failed[i] = true
				case c.outOfTime(ctx):
					c.deferred(ctx, r, Outcome{})
					failed[i] = true
				default:
					o, err := h(ctx, m)
					failed[i] = c.done(ctx, r, o, err)
				}
				held = failed[i]
			}
		}()
	}
	wg.Wait()
	var resp events.SQSEventResponse
	for i, f := range failed {
		if f {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
		}
	}
	return resp
}

// groups splits the messages into the runs handled one after the other:
// one per FIFO message group, in order of first appearance, and one per
// message without a group.
func groups(msgs []events.SQSMessage) [][]int {
	var out [][]int
	index := map[string]int{}
	for i, m := range msgs {
		key, ok := m.Attributes[AttrMessageGroupID]
		if !ok || key == "" {
			key = "\x00" + strconv.Itoa(i) // a group of its own
		}
		g, seen := index[key]
		if !seen {
			g = len(out)
			index[key] = g
			out = append(out, nil)
		}
		out[g] = append(out[g], i)
	}
	return out
}
