package order_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ordersmith/ordersmith/internal/order"
)

// TestLifecycleDocTables keeps the transition tables of docs/LIFECYCLE.md
// identical to the code's.
func TestLifecycleDocTables(t *testing.T) {
	b, err := os.ReadFile("../../docs/LIFECYCLE.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, tt := range []struct{ name, want string }{
		{"payment", order.PaymentTransitionsMarkdown()},
		{"fulfilment", order.FulfilmentTransitionsMarkdown()},
	} {
		begin := "<!-- BEGIN " + tt.name + " transitions (generated) -->\n"
		end := "<!-- END " + tt.name + " transitions -->"
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("docs/LIFECYCLE.md has no %s table markers", tt.name)
		}
		if got := doc[i+len(begin) : j]; got != tt.want {
			t.Errorf("docs/LIFECYCLE.md %s table:\n%s\nwant:\n%s", tt.name, got, tt.want)
		}
	}
}
