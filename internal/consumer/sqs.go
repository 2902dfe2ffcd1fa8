package consumer

import (
	"context"
	"sync"

	"github.com/aws/aws-lambda-go/events"
)

// SQSFunc handles one SQS message.
type SQSFunc func(ctx context.Context, m events.SQSMessage) (Outcome, error)

// HandleSQS runs h on the messages of ev, Config.Concurrency at a time, and
// returns the partial batch response: the messages that failed, and those
// not started for lack of time, each on its own; the others are done.
func HandleSQS(ctx context.Context, c Config, ev events.SQSEvent, h SQSFunc) events.SQSEventResponse {
	failed := make([]bool, len(ev.Records))
	sem := make(chan struct{}, max(c.Concurrency, 1))
	var wg sync.WaitGroup
	for i, m := range ev.Records {
		sem <- struct{}{}
		if c.outOfTime(ctx) {
			<-sem
			c.deferred(ctx, LogKeyMessageID, m.MessageId, Outcome{})
			failed[i] = true
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			o, err := h(ctx, m)
			failed[i] = c.done(ctx, LogKeyMessageID, m.MessageId, o, err)
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
