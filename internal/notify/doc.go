// Package notify is the customer e-mail notifier: a Lambda handler on the
// NotificationsQueue that turns order events (confirmed, status changed,
// shipped with tracking, delivered, cancelled, payment reminder, and the
// abandoned-cart reminder) into e-mails sent through SES v2.
//
// An e-mail is rendered in French or English from the customer's locale,
// as HTML and plain text, with the order summary. The shop can switch each
// kind off in its settings, and the staff can cancel an order silently.
//
// Each event is sent at most once in normal operation, however often SQS
// delivers it: an idempotency record keyed on the event id is claimed
// (INPROGRESS) before sending and completed after. A message that fails is
// reported in the batch response (ReportBatchItemFailures), so only it is
// retried, and after the queue's maxReceiveCount it lands in the DLQ.
//
// The crash window: if the process dies after SES accepted the e-mail and
// before the record is completed, the record stays INPROGRESS until its lock
// expires (InProgressLock); a redelivery before then is retried later, one
// after then sends again. That is the one case of a second e-mail, and it
// needs a crash between two calls a few milliseconds apart.
//
// Each e-mail SES accepts counts one EmailsSent metric, by kind
// (platform.Metrics, in CloudWatch Embedded Metric Format on standard
// output); a redelivery counts nothing.
package notify
