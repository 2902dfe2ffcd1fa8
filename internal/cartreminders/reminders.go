package cartreminders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
)

// Defaults of a run.
const (
	// DeadlineMargin is the time before the invocation's deadline under
	// which no cart is claimed: a claim taken and then cut off by the
	// timeout would hold its reminder for ClaimLease.
	DeadlineMargin = 10 * time.Second
	// ClaimLease is how long a claimed reminder stays taken when its run
	// dies before recording it: longer than one send, far shorter than the
	// 15 minutes between runs.
	ClaimLease = 2 * time.Minute
	// PageSize is the number of due carts read at a time.
	PageSize = 50
	// MaxBackoffs is how many times in a row SES may throttle a run before
	// it stops; the reminders not sent stay due for the next run.
	MaxBackoffs = 3
)

// OrderLister finds the customer's orders by e-mail, newest first
// (order.OrderStore.List).
type OrderLister interface {
	List(ctx context.Context, q order.ListQuery) (order.Page[order.Order], error)
}

// Metrics counts the e-mails sent: *platform.Metrics.
type Metrics interface {
	Count(name string, dims map[string]string) error
}

// Deps are the ports of the reminder function; every one is required.
type Deps struct {
	Carts    order.CartStore
	Recovery order.RecoveryStore
	Orders   OrderLister
	Settings order.SettingsReader
	Sender   notify.Sender
	Tokens   *Tokens
	Metrics  Metrics
	Logger   *slog.Logger // nil is slog.Default()
}

// Config is what the function needs besides its ports.
type Config struct {
	// MailFrom is the verified SES sender; MailFromName its name while the
	// shop has none.
	MailFrom, MailFromName string
	// PublicURL is the API's public base URL: the links of the e-mails
	// point under it.
	PublicURL string
	// DefaultLanguage is the language of a customer without a locale.
	DefaultLanguage notify.Language
	// Now is the clock (the integration tests drive it).
	Now func() time.Time
	// Sleep waits between SES retries; nil waits on the clock of the
	// runtime.
	Sleep func(ctx context.Context, d time.Duration) error
	// Owner names this instance's claims; empty is a fresh ULID per run.
	Owner string
}

// Handler is CartRemindersFunction's handler: the scheduled run and the
// links' routes.
type Handler struct {
	d   Deps
	cfg Config
	log *slog.Logger
}

// New returns the handler.
func New(d Deps, cfg Config) (*Handler, error) {
	if err := order.RequireDeps("cartreminders.New", order.Need("Carts", d.Carts), order.Need("Recovery", d.Recovery),
		order.Need("Orders", d.Orders), order.Need("Settings", d.Settings), order.Need("Sender", d.Sender),
		order.Need("Tokens", d.Tokens), order.Need("Metrics", d.Metrics)); err != nil {
		return nil, err
	}
	if _, err := url.Parse(cfg.PublicURL); err != nil || !strings.HasPrefix(cfg.PublicURL, "http") {
		return nil, order.E("cartreminders.New", order.Invalid, "invalid_public_url", "the public URL must be an http(s) URL")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.DefaultLanguage == "" {
		cfg.DefaultLanguage = notify.French
	}
	if cfg.Now == nil {
		cfg.Now = platform.SystemClock
	}
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Handler{d: d, cfg: cfg, log: log}, nil
}

// RunResult counts what a run did.
type RunResult struct {
	Sent    int `json:"sent"`
	Skipped int `json:"skipped"` // stopped for good, recorded with the reason
	Waiting int `json:"waiting"` // rescheduled (quiet hours, address gap, not due)
	Taken   int `json:"taken"`   // claimed by an overlapping run
	Failed  int `json:"failed"`  // errors; the reminder stays due
	// Stopped says why the run ended before the index was read through:
	// "deadline" or "throttled"; empty when every due cart was seen.
	Stopped     string `json:"stopped,omitempty"`
	SwitchedOff bool   `json:"switchedOff,omitempty"`
}

// Run sends the reminders due now.
func (h *Handler) Run(ctx context.Context) (RunResult, error) {
	var res RunResult
	settings, _, err := order.ReadSettings(ctx, h.d.Settings, order.DefaultSettings("", h.cfg.MailFrom))
	if err != nil {
		return res, fmt.Errorf("read settings: %w", err)
	}
	if !settings.Notify(order.NotifyAbandonedCart) {
		res.SwitchedOff = true
		return res, nil
	}
	owner := h.cfg.Owner
	if owner == "" {
		owner = order.NewEventID(h.cfg.Now())
	}
	now := h.cfg.Now()
	backoffs := 0
	cursor := ""
	for {
		page, err := h.d.Carts.Due(ctx, now, order.PageRequest{Limit: PageSize, Cursor: cursor})
		if err != nil {
			return res, fmt.Errorf("list due carts: %w", err)
		}
		for i := range page.Items {
			if nearDeadline(ctx) {
				res.Stopped = "deadline"
				return res, nil
			}
			c := &page.Items[i]
			out, err := h.remind(ctx, c, settings, now, owner)
			switch {
			case err == nil:
				backoffs = 0
			case order.IsKind(err, order.Transient):
				res.Failed++
				h.log.Warn("reminder not sent, backing off", "cartId", c.ID, "error", err.Error())
				if backoffs++; backoffs >= MaxBackoffs {
					res.Stopped = "throttled"
					return res, nil
				}
				if err := h.backOff(ctx, time.Duration(1<<backoffs)*250*time.Millisecond); err != nil {
					res.Stopped = "deadline"
					return res, nil
				}
				continue
			default:
				res.Failed++
				h.log.Error("reminder failed", "cartId", c.ID, "error", err.Error())
				continue
			}
			switch out {
			case order.RecoverySend:
				res.Sent++
			case order.RecoveryStop:
				res.Skipped++
			case order.RecoveryWait:
				res.Waiting++
			case outcomeTaken:
				res.Taken++
			}
		}
		if page.Next == "" {
			return res, nil
		}
		cursor = page.Next
	}
}

// backOff waits d before the next send, unless the run must end first.
func (h *Handler) backOff(ctx context.Context, d time.Duration) error {
	if h.cfg.Sleep != nil {
		return h.cfg.Sleep(ctx, d)
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	return ctx.Err()
}

// outcomeTaken is a reminder an overlapping run claimed.
const outcomeTaken order.RecoveryAction = "taken"

func nearDeadline(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ctx.Err() != nil || (ok && time.Until(d) < DeadlineMargin)
}

// remind decides one cart at now and does what was decided.
func (h *Handler) remind(ctx context.Context, c *order.Cart, settings order.Settings, now time.Time, owner string) (order.RecoveryAction, error) {
	facts, err := h.facts(ctx, c, now)
	if err != nil {
		return "", err
	}
	d := order.DecideRecovery(c, settings.Recovery(), facts)
	switch d.Action {
	case order.RecoveryWait:
		h.log.Info("reminder delayed", "cartId", c.ID, "step", d.Step, "reason", string(d.Reason), "until", d.NextAt.UTC().Format(time.RFC3339))
		return d.Action, h.applyToCart(ctx, c.ID, d)
	case order.RecoveryStop:
		if d.Reason != order.ReasonSequenceDone {
			err := h.d.Recovery.Record(ctx, order.ReminderRecord{CartID: c.ID, Step: d.Step, Status: order.ReminderSkipped,
				Reason: d.Reason, Email: c.Customer.Email, At: now})
			if err != nil && order.CodeOf(err) != order.CodeReminderTaken {
				return "", err
			}
		}
		h.log.Info("reminders stopped", "cartId", c.ID, "step", d.Step, "reason", string(d.Reason))
		return d.Action, h.applyToCart(ctx, c.ID, d)
	}
	if err := h.d.Recovery.Claim(ctx, c.ID, d.Step, owner, now, ClaimLease); err != nil {
		if order.CodeOf(err) == order.CodeReminderTaken {
			return outcomeTaken, nil
		}
		return "", err
	}
	if err := h.send(ctx, c, d, settings, now); err != nil {
		// Nothing was sent: the reminder stays due for the next run.
		if rerr := h.d.Recovery.Release(ctx, c.ID, d.Step, owner); rerr != nil {
			h.log.Warn("release reminder claim", "cartId", c.ID, "step", d.Step, "error", rerr.Error())
		}
		return "", err
	}
	if err := h.d.Metrics.Count(platform.MetricEmailsSent, map[string]string{platform.DimensionKind: string(order.NotifyAbandonedCart)}); err != nil {
		h.log.Warn("metric not written", "metric", platform.MetricEmailsSent, "error", err.Error())
	}
	// The e-mail is gone: either write below keeps it from being sent
	// twice (the record ends the claim, the cart moves to the next step),
	// so a failure is logged, never a reason to send again.
	if err := h.d.Recovery.Record(ctx, order.ReminderRecord{CartID: c.ID, Step: d.Step, Status: order.ReminderSent,
		Basis: d.Basis, Email: c.Customer.Email, At: now}); err != nil {
		h.log.Error("record sent reminder", "cartId", c.ID, "step", d.Step, "error", err.Error())
	}
	if err := h.applyToCart(ctx, c.ID, d); err != nil {
		h.log.Error("schedule the next reminder", "cartId", c.ID, "step", d.Step, "error", err.Error())
	}
	h.log.Info("reminder sent", "cartId", c.ID, "step", d.Step, "basis", string(d.Basis.Kind))
	return d.Action, nil
}

// facts gathers what the decision reads at send time.
func (h *Handler) facts(ctx context.Context, c *order.Cart, now time.Time) (order.RecoveryFacts, error) {
	f := order.RecoveryFacts{Now: now}
	email := order.CustomerEmail(c.Customer.Email)
	if email == "" {
		return f, nil
	}
	page, err := h.d.Orders.List(ctx, order.ListQuery{Email: email, PageRequest: order.PageRequest{Limit: 1}})
	if err != nil {
		return f, fmt.Errorf("orders of the cart's customer: %w", err)
	}
	if len(page.Items) > 0 {
		o := page.Items[0]
		f.LastOrder = &order.OrderRef{ID: o.ID, CreatedAt: o.CreatedAt}
	}
	if f.Suppressed, err = h.d.Recovery.Suppressed(ctx, email); err != nil {
		return f, err
	}
	if f.LastReminderTo, err = h.d.Recovery.LastReminderTo(ctx, email); err != nil {
		return f, err
	}
	return f, nil
}

// applyToCart records d on the cart, unless the cart moved on meanwhile
// (another run sent the step, the customer came back): then the next run
// decides again.
func (h *Handler) applyToCart(ctx context.Context, id string, d order.RecoveryDecision) error {
	_, err := h.d.Carts.Update(ctx, id, func(c *order.Cart) ([]order.Event, error) {
		if c.RemindersSent != d.Step-1 {
			return nil, nil
		}
		c.ApplyRecovery(d)
		return nil, nil
	})
	return err
}

// send renders and sends step d.Step's e-mail about c.
func (h *Handler) send(ctx context.Context, c *order.Cart, d order.RecoveryDecision, settings order.Settings, now time.Time) error {
	email := order.CustomerEmail(c.Customer.Email)
	recoverToken, err := h.d.Tokens.Sign(ctx, Claims{Purpose: PurposeRecover, CartID: c.ID, Step: d.Step, Expires: now.Add(RecoverTokenTTL)})
	if err != nil {
		return err
	}
	unsubToken, err := h.d.Tokens.Sign(ctx, Claims{Purpose: PurposeUnsubscribe, CartID: c.ID, Step: d.Step, Email: email, Expires: now.Add(UnsubscribeTokenTTL)})
	if err != nil {
		return err
	}
	unsubscribe := h.cfg.PublicURL + "/unsubscribe?token=" + url.QueryEscape(unsubToken)
	msg := notify.Message{
		Kind: order.NotifyAbandonedCart, Lang: notify.LanguageFor(c.Customer.Locale, h.cfg.DefaultLanguage),
		ShopName: settings.ShopName, CustomerName: c.Customer.Name, Grand: c.Total,
		RecoveryURL:  h.cfg.PublicURL + "/carts/" + url.PathEscape(c.ID) + "/recover?token=" + url.QueryEscape(recoverToken),
		DiscountCode: d.DiscountCode, UnsubscribeURL: unsubscribe,
	}
	for _, l := range c.Lines {
		msg.Lines = append(msg.Lines, order.EventLine{SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitPrice,
			Amount: order.NewMoney(l.UnitPrice.Mul(decimal.NewFromInt(l.Quantity)), c.Currency)})
	}
	rendered, err := notify.Render(msg)
	if err != nil {
		return fmt.Errorf("render the reminder of cart %s: %w", c.ID, err)
	}
	fromName := settings.ShopName
	if fromName == "" {
		fromName = h.cfg.MailFromName
	}
	err = h.d.Sender.Send(ctx, notify.Email{FromName: fromName, From: h.cfg.MailFrom, To: email, Rendered: rendered,
		Headers: []notify.Header{{Name: "List-Unsubscribe", Value: "<" + unsubscribe + ">"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"}}})
	if err != nil {
		var oe *order.Error
		if !errors.As(err, &oe) {
			err = order.Wrap("cartreminders.send", order.Transient, "email_unavailable", "the e-mail could not be sent", err)
		}
		return fmt.Errorf("send reminder %d of cart %s: %w", d.Step, c.ID, err)
	}
	return nil
}
