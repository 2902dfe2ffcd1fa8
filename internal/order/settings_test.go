package order_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/memstore"
	"github.com/ordersmith/ordersmith/internal/order"
)

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		prefix string
		n      int64
		suffix string
		want   string
	}{
		{"MaBoutique", 1006, "2019", "MaBoutique-1006-2019"}, // the help centre's example
		{"", 42, "", "42"},
		{"CMD", 1042, "", "CMD-1042"},
		{"", 1000, "FR", "1000-FR"},
	}
	for _, tt := range tests {
		if got := order.FormatNumber(tt.prefix, tt.n, tt.suffix); got != tt.want {
			t.Errorf("FormatNumber(%q, %d, %q) = %q, want %q", tt.prefix, tt.n, tt.suffix, got, tt.want)
		}
	}
	if got := (order.Numbering{Prefix: "MaBoutique", Suffix: "2019"}).Format(1006); got != "MaBoutique-1006-2019" {
		t.Fatalf("Format = %q", got)
	}
}

func ExampleFormatNumber() {
	fmt.Println(order.FormatNumber("MaBoutique", 1006, "2019"))
	// Output: MaBoutique-1006-2019
}

func TestNumberingRaise(t *testing.T) {
	tests := []struct {
		name string
		from int64
		to   int64
		code string
	}{
		{"raise to 1000", 1, 1000, ""},
		{"raise to itself", 1000, 1000, ""}, // a retried request
		{"lower", 1000, 999, "next_number_too_low"},
		{"too high", 1, order.MaxOrderNumber + 1, "next_number_too_high"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := order.Numbering{Next: tt.from}
			err := n.Raise(tt.to)
			if tt.code != "" {
				e := wantErr(t, err, order.Invalid, tt.code)
				if n.Next != tt.from {
					t.Fatal("a refused raise changed Next")
				}
				if tt.code == "next_number_too_low" && e.Details.(map[string]any)["minimum"] != tt.from {
					t.Fatalf("details = %v", e.Details)
				}
				return
			}
			if err != nil || n.Next != tt.to {
				t.Fatalf("Next = %d, %v", n.Next, err)
			}
		})
	}
}

func TestSettingsValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(s *order.Settings)
		code   string
		field  string
	}{
		{"defaults", func(s *order.Settings) {}, "", ""},
		{"full", func(s *order.Settings) {
			s.Numbering = order.Numbering{Prefix: "MaBoutique", Suffix: "2019", Next: 1006}
			s.ZeroTotalPayment = order.AwaitingPayment
			s.Notifications = map[order.NotificationKind]bool{order.NotifyShipped: false}
			s.CustomStatuses = []string{"Retrait effectué", "En attente de comptabilité"}
			s.LowStockDefault = 0
		}, "", ""},
		{"no shop name", func(s *order.Settings) { s.ShopName = " " }, "invalid_shop_name", "shopName"},
		{"header injection in the shop name", func(s *order.Settings) { s.ShopName = "Shop\r\nBcc: x@example.com" }, "invalid_shop_name", "shopName"},
		{"shop name too long", func(s *order.Settings) { s.ShopName = strings.Repeat("a", 101) }, "invalid_shop_name", "shopName"},
		{"bad sender", func(s *order.Settings) { s.MailFrom = "Boutique <boutique@example.fr>" }, "invalid_email", "mailFrom"},
		{"no company currency", func(s *order.Settings) { s.CompanyCurrency = order.Currency{} }, "unknown_currency", "companyCurrency"},
		{"prefix with a space", func(s *order.Settings) { s.Numbering.Prefix = "Ma Boutique" }, "invalid_numbering", "numbering.prefix"},
		{"prefix ending in a dash", func(s *order.Settings) { s.Numbering.Prefix = "CMD-" }, "invalid_numbering", "numbering.prefix"},
		{"suffix with a slash", func(s *order.Settings) { s.Numbering.Suffix = "2019/20" }, "invalid_numbering", "numbering.suffix"},
		{"suffix too long", func(s *order.Settings) { s.Numbering.Suffix = strings.Repeat("X", 21) }, "invalid_numbering", "numbering.suffix"},
		{"next zero", func(s *order.Settings) { s.Numbering.Next = 0 }, "invalid_numbering", "numbering.next"},
		{"zero total refunded", func(s *order.Settings) { s.ZeroTotalPayment = order.Refunded }, "invalid_zero_total_payment", "zeroTotalPayment"},
		{"zero total unset", func(s *order.Settings) { s.ZeroTotalPayment = order.PaymentStatus{} }, "invalid_zero_total_payment", "zeroTotalPayment"},
		{"unknown notification", func(s *order.Settings) {
			s.Notifications = map[order.NotificationKind]bool{"newsletter": true}
		}, "unknown_notification", "notifications"},
		{"empty custom status", func(s *order.Settings) { s.CustomStatuses = []string{""} }, "invalid_custom_status", "customStatuses[0]"},
		{"padded custom status", func(s *order.Settings) { s.CustomStatuses = []string{"Ok", " Prêt "} }, "invalid_custom_status", "customStatuses[1]"},
		{"duplicate custom status", func(s *order.Settings) {
			s.CustomStatuses = []string{"Retrait effectué", "RETRAIT EFFECTUÉ"}
		}, "duplicate_custom_status", "customStatuses[1]"},
		{"too many custom statuses", func(s *order.Settings) {
			for i := 0; i <= order.MaxCustomStatuses; i++ {
				s.CustomStatuses = append(s.CustomStatuses, fmt.Sprint("S", i))
			}
		}, "too_many_custom_statuses", "customStatuses"},
		{"negative low stock", func(s *order.Settings) { s.LowStockDefault = -1 }, "invalid_threshold", "lowStockDefault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
			tt.mutate(&s)
			err := s.Validate()
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e := wantErr(t, err, order.Invalid, tt.code)
			if e.Details.(map[string]any)["field"] != tt.field {
				t.Fatalf("details = %v, want field %s", e.Details, tt.field)
			}
		})
	}
}

func TestSettingsUpdateAndNotify(t *testing.T) {
	prev := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
	prev.Numbering.Next = 1000
	next := prev
	next.Numbering.Next = 999
	wantErr(t, next.ValidateUpdate(prev), order.Invalid, "next_number_too_low")
	next.Numbering.Next = 1000
	if err := next.ValidateUpdate(prev); err != nil {
		t.Fatal(err)
	}
	next.MailFrom = "nope"
	wantErr(t, next.ValidateUpdate(prev), order.Invalid, "invalid_email")

	// Every e-mail is on by default; switching one off leaves the others on.
	s := prev
	for _, k := range order.AllNotificationKinds {
		if !s.Notify(k) {
			t.Fatalf("%s off by default", k)
		}
	}
	s.Notifications = map[order.NotificationKind]bool{order.NotifyStatusChanged: false, order.NotifyShipped: true}
	for _, k := range order.AllNotificationKinds {
		if want := k != order.NotifyStatusChanged; s.Notify(k) != want {
			t.Fatalf("Notify(%s) = %v, want %v", k, s.Notify(k), want)
		}
	}
}

func TestSettingsJSONRoundTrip(t *testing.T) {
	s := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
	s.Numbering = order.Numbering{Prefix: "MB", Next: 1000}
	s.Notifications = map[order.NotificationKind]bool{order.NotifyAbandonedCart: false}
	s.CustomStatuses = []string{"Retrait effectué"}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back order.Settings
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("round trip gave %+v, want %+v", back, s)
	}
}

func TestEffectiveSettings(t *testing.T) {
	fallback := order.DefaultSettings("Ma Boutique", "boutique@example.fr")
	saved := order.DefaultSettings("Café des Arts", "cafe@example.fr")
	saved.Numbering = order.Numbering{Prefix: "CA", Next: 42}
	tests := []struct {
		name    string
		saved   order.Settings
		version int64
		want    order.Settings
	}{
		{"saved settings are what the shop runs on", saved, 3, saved},
		{"none saved: the fallback, at the counter's next number", order.Settings{Numbering: order.Numbering{Next: 7}}, 0,
			func() order.Settings { s := fallback; s.Numbering.Next = 7; return s }()},
		{"none saved and no counter: numbers from 1", order.Settings{}, 0, fallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := order.EffectiveSettings(tt.saved, tt.version, fallback); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("EffectiveSettings = %+v, want %+v", got, tt.want)
			}
		})
	}
	st := memstore.New()
	got, version, err := order.ReadSettings(context.Background(), st.Settings(), fallback)
	if err != nil || version != 0 || !reflect.DeepEqual(got, fallback) {
		t.Errorf("ReadSettings of a new shop = %+v, %d, %v; want the fallback", got, version, err)
	}
}
