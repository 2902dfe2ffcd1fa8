package notify

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ordersmith/ordersmith/internal/consumer"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// IdempotencyScope is the scope of the notifier's idempotency records; the
// key is the event id.
const IdempotencyScope = "notify"

// InProgressLock is how long a claimed event stays INPROGRESS before
// another delivery may take it over (the crash window, see the package
// documentation). It is longer than one send and shorter than the time SQS
// takes to give up on a message (visibility 60 s × maxReceiveCount 5), so a
// message whose sender crashed is still sent before it would go to the DLQ.
const InProgressLock = 2 * time.Minute

// SentRetention is how long a sent event is remembered: far longer than
// any redelivery of it.
const SentRetention = 30 * 24 * time.Hour

// OrderReader reads an order, for events that do not carry its lines.
type OrderReader interface {
	Get(ctx context.Context, id string) (*order.Order, error)
}

// Config is what the handler needs besides its ports.
type Config struct {
	// MailFrom is the verified SES sender address (the template's
	// MailFrom); the e-mails show the shop's name beside it.
	MailFrom string
	// MailFromName is the sender's name while the shop has none in its
	// settings.
	MailFromName string
	// DefaultLanguage is used when the customer has no locale.
	DefaultLanguage Language
}

// Metrics records the e-mails sent: *platform.Metrics.
type Metrics interface {
	Count(name string, dims map[string]string) error
}

var _ Metrics = (*platform.Metrics)(nil)

// Handler is the notifier Lambda's handler.
type Handler struct {
	idem     order.IdempotencyStore
	settings order.SettingsReader
	orders   OrderReader
	sender   Sender
	metrics  Metrics
	cfg      Config
	log      *slog.Logger
}

// Deps are the ports a Handler consumes.
type Deps struct {
	Idempotency order.IdempotencyStore
	Settings    order.SettingsReader
	Orders      OrderReader
	Sender      Sender
	// Metrics counts the e-mails SES accepted (platform.MetricEmailsSent,
	// by kind).
	Metrics Metrics
	Logger  *slog.Logger // nil is slog.Default()
}

// NewHandler returns the handler. Every port is required.
func NewHandler(d Deps, cfg Config) (*Handler, error) {
	if err := order.RequireDeps("notify.NewHandler", order.Need("Idempotency", d.Idempotency), order.Need("Settings", d.Settings),
		order.Need("Orders", d.Orders), order.Need("Sender", d.Sender), order.Need("Metrics", d.Metrics)); err != nil {
		return nil, err
	}
	if cfg.DefaultLanguage == "" {
		cfg.DefaultLanguage = French
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Handler{idem: d.Idempotency, settings: d.Settings, orders: d.Orders, sender: d.Sender, metrics: d.Metrics, cfg: cfg, log: log}, nil
}

// Outcome says what became of one event.
type Outcome string

// The outcomes of an event.
const (
	Sent        Outcome = "sent"
	Duplicate   Outcome = "duplicate"    // sent before: a redelivery
	NoEmail     Outcome = "no_email"     // the event type mails nobody
	SwitchedOff Outcome = "switched_off" // the shop turned this e-mail off
	Silent      Outcome = "silent"       // the staff chose not to notify
	NoRecipient Outcome = "no_recipient" // the customer left no address
)

// Concurrency is how many messages of a batch are handled at once: each
// waits mostly on SES and DynamoDB, and they are independent of each other.
const Concurrency = 4

// DeadlineMargin is the time left before the invocation's deadline under
// which no new message is started: a message not started is reported
// failed and comes back, whereas a timed-out invocation would fail the whole
// batch, the e-mails already sent included.
const DeadlineMargin = 5 * time.Second

// Handle is the Lambda handler for SQS batches: each message is one outbox
// event. Only the messages that failed are reported, so SQS retries them
// alone (FunctionResponseTypes: ReportBatchItemFailures).
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	c := consumer.Config{Name: "notification", Margin: DeadlineMargin, Concurrency: Concurrency, Log: h.log}
	return consumer.HandleSQS(ctx, c, ev, func(ctx context.Context, m events.SQSMessage) (consumer.Outcome, error) {
		e, out, err := h.handle(ctx, m.Body)
		o := consumer.EventOutcome(e)
		o.Done, o.Attrs = "notification handled", []any{"outcome", string(out)}
		return o, err
	}), nil
}

// HandleMessage handles one message body (an order.Event as JSON).
func (h *Handler) HandleMessage(ctx context.Context, body string) (Outcome, error) {
	_, out, err := h.handle(ctx, body)
	return out, err
}

// handle is HandleMessage, with the event as far as it was read.
func (h *Handler) handle(ctx context.Context, body string) (order.Event, Outcome, error) {
	const op = "notify.HandleMessage"
	e, err := consumer.DecodeEvent(op, body)
	if err != nil {
		return e, "", err
	}
	out, err := h.send(ctx, e)
	return e, out, err
}

// send sends the e-mail of event e, once.
func (h *Handler) send(ctx context.Context, e order.Event) (Outcome, error) {
	const op = "notify.HandleMessage"
	kind, ok := e.Type.Notification()
	if !ok {
		return NoEmail, nil
	}
	msg, to, silent, err := h.message(ctx, e, kind)
	if err != nil {
		return "", err
	}
	if silent {
		return Silent, nil
	}
	settings, _, err := order.ReadSettings(ctx, h.settings, order.DefaultSettings("", h.cfg.MailFrom))
	if err != nil {
		return "", fmt.Errorf("read settings for event %s: %w", e.ID, err)
	}
	if !settings.Notify(kind) {
		return SwitchedOff, nil
	}
	if strings.TrimSpace(to) == "" {
		return NoRecipient, nil
	}
	msg.ShopName = settings.ShopName
	rendered, err := Render(msg)
	if err != nil {
		return "", fmt.Errorf("render event %s: %w", e.ID, err)
	}

	// Claim the event before sending: a concurrent or later delivery of the
	// same event finds the claim and sends nothing.
	rec, err := h.idem.Begin(ctx, IdempotencyScope, e.ID, string(kind), InProgressLock)
	if err != nil {
		return "", fmt.Errorf("claim event %s: %w", e.ID, err)
	}
	if rec != nil {
		if rec.Status == order.IdempotencyCompleted {
			return Duplicate, nil
		}
		// Another delivery is sending it right now, or crashed doing so:
		// retry later, after the lock expires if need be.
		return "", order.E(op, order.Transient, "notification_in_progress", fmt.Sprintf("event %s is being sent by another delivery", e.ID))
	}
	fromName := settings.ShopName
	if fromName == "" {
		fromName = h.cfg.MailFromName
	}
	err = h.sender.Send(ctx, Email{FromName: fromName, From: h.cfg.MailFrom, To: to, Rendered: rendered})
	if err != nil {
		// Nothing was sent: let the next delivery try again at once.
		if rerr := h.idem.Release(ctx, IdempotencyScope, e.ID); rerr != nil {
			h.log.Warn("release notification claim", "eventId", e.ID, "error", rerr.Error())
		}
		return "", fmt.Errorf("send %s for event %s: %w", kind, e.ID, err)
	}
	// A metric that cannot be written is logged, never a reason to send
	// the e-mail again.
	if err := h.metrics.Count(platform.MetricEmailsSent, map[string]string{platform.DimensionKind: string(kind)}); err != nil {
		h.log.Warn("metric not written", "metric", platform.MetricEmailsSent, "eventId", e.ID, "error", err.Error())
	}
	if err := h.idem.Complete(ctx, order.IdempotencyResult{Scope: IdempotencyScope, Key: e.ID, Fingerprint: string(kind), TTL: SentRetention}); err != nil {
		// The e-mail is gone: reporting a failure would only make a
		// redelivery send it again once the lock expires. Log and move on.
		h.log.Error("complete notification claim", "eventId", e.ID, "error", err.Error())
	}
	return Sent, nil
}

// message builds the e-mail's content from the event, reading the order
// only when the event does not carry its lines (events from intake, and
// events too large to carry them, which refer to the order instead).
func (h *Handler) message(ctx context.Context, e order.Event, kind order.NotificationKind) (Message, string, bool, error) {
	if kind == order.NotifyAbandonedCart {
		var c order.CartEventData
		if err := e.DecodeData(&c); err != nil {
			return Message{}, "", false, err
		}
		return Message{Kind: kind, Lang: LanguageFor(c.Locale, h.cfg.DefaultLanguage), Grand: c.Total, RecoveryURL: c.RecoveryURL}, c.CustomerEmail, false, nil
	}
	p, err := order.DecodeLifecyclePayload(e)
	if err != nil {
		return Message{}, "", false, err
	}
	if !p.HasLines() {
		o, err := h.orders.Get(ctx, e.OrderID)
		if err != nil {
			return Message{}, "", false, fmt.Errorf("read order %s of event %s: %w", e.OrderID, e.ID, err)
		}
		if err := e.CheckRef(o); err != nil {
			return Message{}, "", false, err
		}
		p = p.Reread(o)
	}
	totals := p.Totals
	m := Message{
		Kind: kind, Lang: LanguageFor(p.Locale, h.cfg.DefaultLanguage), CustomerName: p.CustomerName,
		Number: p.Number, Payment: p.PaymentStatus, Fulfilment: p.FulfilmentStatus,
		Lines: p.Lines, Totals: &totals, Charges: p.Charges, Grand: p.Grand, CreditNote: p.CreditNote,
	}
	if kind == order.NotifyShipped {
		m.Tracking = p.Tracking
	}
	return m, p.CustomerEmail, p.Silent, nil
}
