// Package consumer is the loop every queue and stream consumer runs, so
// that each consumer only says what one record means and what to do with it.
//
// The loop stops starting records when less than Config.Margin is left
// before the invocation's deadline and reports the rest as failures: a
// record not started comes back, whereas a timed-out invocation would fail
// the whole batch, the records already done included. It answers with a
// partial batch response (FunctionResponseTypes: ReportBatchItemFailures),
// and logs one line per record, naming the record, its event and its order
// when they are known.
//
// SQS messages are independent: each failure is reported on its own and
// the other messages are handled (HandleSQS). The messages of one FIFO
// message group are the exception: they are handled in order, one at a
// time, and a failure holds back the rest of its group. Stream records are ordered:
// the first failure stops the batch, and the response names its sequence
// number, so Lambda retries from it and everything after it (HandleStream,
// HandleStreamRuns).
//
// An error of kind order.Transient (contention, throttling, a claim held
// elsewhere) is expected now and then and is retried; any other is
// permanent. Both are reported for a retry unless Config.SkipPermanent says
// that the consumer acknowledges permanent errors once logged, so that one
// poison record does not hold back the records after it; Config.Skipped
// then records each acknowledged record (nothing is dropped silently), and
// one that cannot be recorded is retried. Retried records that keep failing
// go to the source's dead-letter queue or on-failure destination.
package consumer
