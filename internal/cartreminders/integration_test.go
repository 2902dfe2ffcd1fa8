package cartreminders_test

import (
	"context"
	"encoding/json"
	"html"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/shopspring/decimal"

	"github.com/ordersmith/ordersmith/internal/cartreminders"
	"github.com/ordersmith/ordersmith/internal/dynamo"
	"github.com/ordersmith/ordersmith/internal/intake/ssmsecrets"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
	"github.com/ordersmith/ordersmith/internal/notify"
	"github.com/ordersmith/ordersmith/internal/order"
	"github.com/ordersmith/ordersmith/internal/platform"
	"github.com/ordersmith/ordersmith/internal/storetest"
)

const sender = "boutique@example.com"

// TestRemindersOnTheLocalStack runs the function on DynamoDB Local, moto's
// SES and moto's SSM (the link key), on a clock the test moves: a tracked
// cart gets reminder 1, then reminder 2; an order by the same address
// arrives and reminder 3 is never sent. A second customer unsubscribes with
// the e-mail's one-click link and gets nothing more; a third never
// consented and gets nothing, recorded with the reason.
//
// moto keeps only the subject and the HTML body of a Simple e-mail, not its
// custom headers: the List-Unsubscribe headers are checked on the SES
// request in internal/notify (TestSendHeaders) and on the sender's input in
// TestSequenceStopsWhenTheCustomerOrders; here the visible unsubscribe link
// of the body is the one that is followed.
func TestRemindersOnTheLocalStack(t *testing.T) {
	ctx := t.Context()
	cfg := localawstest.Config(t)
	table := localawstest.NewTable(t, cfg)
	if err := localaws.EnsureEmailIdentity(ctx, sesv2.NewFromConfig(cfg), sender); err != nil {
		t.Fatal(err)
	}
	clock := storetest.NewClock(lastActivity)
	at := func(d time.Duration) { clock.Advance(lastActivity.Add(d).Sub(clock.Now())) }
	st := dynamo.New(dynamodb.NewFromConfig(cfg, platform.DynamoDBOptions), table, dynamo.WithClock(clock.Now))

	// The link key, in SSM under a prefix of this test's own.
	ssm := ssmsecrets.NewClient(cfg)
	prefix := "/" + localawstest.UniqueName(t, 60)
	putParameter(t, ssm, prefix+"/"+cartreminders.TokenKeyParameter, "integration-test-key-0123456789abcdef")
	secrets := ssmsecrets.New(ssm, prefix)
	tokens, err := cartreminders.NewTokens(func(ctx context.Context) ([]byte, error) {
		v, err := secrets.Parameter(ctx, cartreminders.TokenKeyParameter)
		return []byte(v), err
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := cartreminders.New(cartreminders.Deps{
		Carts: st.Carts(), Recovery: st.Recovery(), Orders: st, Settings: st.Settings(),
		Sender: notify.NewSESSender(notify.NewSESClient(cfg)), Tokens: tokens, Metrics: noMetrics{}, Logger: slog.New(slog.DiscardHandler),
	}, cartreminders.Config{MailFrom: sender, MailFromName: "Boutique", PublicURL: "https://api.example.com/dev", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	entry := h.Lambda(h.Router())
	run := func() cartreminders.RunResult {
		t.Helper()
		out, err := entry(ctx, json.RawMessage(`{"source":"aws.scheduler","detail-type":"Scheduled Event","detail":{}}`))
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		return out.(cartreminders.RunResult)
	}

	// The carts come in through the intake, as a storefront's checkouts.
	in, err := order.NewIntake(order.IntakeDeps{Orders: st, Idempotency: st.Idempotency(), Settings: st.Settings(), Rates: st.Rates(), Carts: st.Carts()},
		order.IntakeConfig{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	base := localawstest.Recipient(t)
	buyer, leaver, silent := "buyer-"+base, "leaver-"+base, "silent-"+base
	consent := &order.Consent{Granted: true, Source: "shopify:accepts_marketing", At: lastActivity.Add(-time.Minute)}
	track := func(ext, email string, consent *order.Consent) string {
		t.Helper()
		res, err := in.Receive(ctx, order.Inbound{Source: order.SourceShopify, Kind: order.InboundCart, DeliveryID: "checkout-" + ext,
			Cart: &order.Cart{Source: order.SourceShopify, ExternalID: ext, Customer: order.Customer{Name: "Léa", Email: email, Locale: "fr-FR"},
				Lines:    []order.LineItem{{SKU: "MUG-001", Name: "Mug émaillé", Quantity: 2, UnitPrice: decimal.RequireFromString("12.50")}},
				Currency: order.EUR, Total: order.MustMoney("25.00", order.EUR), RecoveryURL: "https://boutique.example.com/cart/" + ext,
				UpdatedAt: lastActivity, MarketingConsent: consent}})
		if err != nil || res.Outcome != order.OutcomeCartTracked {
			t.Fatalf("track cart %s: %+v, %v", ext, res, err)
		}
		return res.CartID
	}
	bought, left, noConsent := track("chk-buyer", buyer, consent), track("chk-leaver", leaver, consent), track("chk-silent", silent, nil)

	at(time.Hour)
	if res := run(); res.Sent != 2 || res.Skipped != 1 {
		t.Fatalf("first run: %+v", res)
	}
	first := localawstest.WaitForEmails(t, buyer, 1, 10*time.Second)[0]
	if !strings.Contains(first.Subject, "Vous avez oublié quelque chose") || !strings.Contains(first.Body, "Mug émaillé") ||
		!strings.Contains(first.Body, "https://api.example.com/dev/carts/"+bought+"/recover?token=") ||
		!strings.Contains(first.Body, "Ne plus recevoir ces rappels") {
		t.Fatalf("first reminder: %q\n%s", first.Subject, first.Body)
	}

	// The leaver follows the e-mail's unsubscribe link (RFC 8058's POST).
	mail := localawstest.WaitForEmails(t, leaver, 1, 10*time.Second)[0]
	token := unsubscribeToken(t, mail.Body)
	ev := events.APIGatewayV2HTTPRequest{RouteKey: cartreminders.RouteUnsubscribeOneClick, RawPath: "/unsubscribe",
		QueryStringParameters: map[string]string{"token": token}, Body: "List-Unsubscribe=One-Click"}
	ev.RequestContext.HTTP.Method = "POST"
	raw, _ := json.Marshal(ev)
	out, err := entry(ctx, raw)
	if resp, ok := out.(events.APIGatewayV2HTTPResponse); err != nil || !ok || resp.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %+v, %v", out, err)
	}

	at(25 * time.Hour)
	if res := run(); res.Sent != 1 || res.Skipped != 1 {
		t.Fatalf("second run: %+v", res)
	}
	if got := localawstest.WaitForEmails(t, buyer, 2, 10*time.Second); len(got) != 2 {
		t.Fatalf("%d reminders to the buyer, want 2", len(got))
	}

	// The buyer orders (another channel, same address, any case).
	at(30 * time.Hour)
	o := &order.Order{Source: order.SourceManual, Customer: order.Customer{Name: "Léa", Email: strings.ToUpper(buyer)},
		Lines:            []order.LineItem{{SKU: "MUG-001", Name: "Mug émaillé", Quantity: 2, UnitPrice: decimal.RequireFromString("12.50"), VATRate: decimal.NewFromInt(20)}},
		PricesIncludeTax: true, Currency: order.EUR, Payment: order.AwaitingPayment, Fulfilment: order.AwaitingProcessing}
	if o.Totals, err = order.ComputeTotals(o); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(ctx, o, order.CreateOptions{}); err != nil {
		t.Fatalf("create order: %v", err)
	}
	at(72 * time.Hour)
	if res := run(); res.Sent != 0 || res.Skipped != 1 {
		t.Fatalf("third run: %+v", res)
	}
	at(96 * time.Hour)
	if res := run(); res.Sent+res.Skipped+res.Waiting != 0 {
		t.Fatalf("the index still holds carts: %+v", res)
	}
	for addr, want := range map[string]int{buyer: 2, leaver: 1, silent: 0} {
		got, err := localawstest.SentEmailsTo(ctx, addr)
		if err != nil || len(got) != want {
			t.Fatalf("%d e-mails to %s (%v), want %d", len(got), addr, err, want)
		}
	}
	wantRecords := map[string][]string{
		bought:    {"SENT/", "SENT/", "SKIPPED/ordered_since"},
		left:      {"SENT/", "SKIPPED/suppressed"},
		noConsent: {"SKIPPED/no_consent"},
	}
	for id, want := range wantRecords {
		recs, err := st.Recovery().Reminders(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range recs {
			got = append(got, string(r.Status)+"/"+string(r.Reason))
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("cart %s records %v, want %v", id, got, want)
		}
		if recs[0].Status == order.ReminderSent && (recs[0].Basis.Kind != order.BasisConsent || recs[0].Basis.ConsentSource != consent.Source) {
			t.Fatalf("legal basis %+v", recs[0].Basis)
		}
	}
}

var unsubscribeLink = regexp.MustCompile(`https://api\.example\.com/dev/unsubscribe\?token=[^"\s<]+`)

// unsubscribeToken is the token of the visible unsubscribe link of an HTML
// body.
func unsubscribeToken(t *testing.T, body string) string {
	t.Helper()
	link := unsubscribeLink.FindString(body)
	u, err := url.Parse(html.UnescapeString(link))
	if link == "" || err != nil {
		t.Fatalf("no unsubscribe link in\n%s", body)
	}
	return u.Query().Get("token")
}

// putParameter writes a SecureString to SSM and deletes it at the end.
func putParameter(t *testing.T, c *platform.JSONClient, name, value string) {
	t.Helper()
	req := func(op string, body any) platform.JSONRequest {
		return platform.JSONRequest{Path: "/", Target: "AmazonSSM." + op, ContentType: "application/x-amz-json-1.1", Body: body}
	}
	err := c.Do(t.Context(), req("PutParameter", map[string]any{"Name": name, "Value": value, "Type": "SecureString", "Overwrite": true}), nil)
	if err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Do(ctx, req("DeleteParameter", map[string]any{"Name": name}), nil); err != nil {
			t.Errorf("delete %s: %v", name, err)
		}
	})
}
