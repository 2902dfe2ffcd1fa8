package platform_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/ordersmith/ordersmith/internal/platform"
)

func TestRedactEmail(t *testing.T) {
	cases := []struct{ in, want string }{
		{"lea.martin@example.com", "l***@example.com"},
		{"  Lea@Example.COM ", "L***@Example.COM"},
		{"élodie@exemple.fr", "é***@exemple.fr"},
		{"a@b.c", "a***@b.c"},
		{"", "***"},
		{"not an address", "***"},
		{"@example.com", "***"},
		{"lea@", "***"},
	}
	for _, c := range cases {
		if got := platform.RedactEmail(c.in); got != c.want {
			t.Errorf("RedactEmail(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRedactEmails(t *testing.T) {
	cases := []struct{ in, want string }{
		{"send e-mail to lea@example.com: MessageRejected: Email address is not verified. The following identities failed the check in region EU-WEST-3: lea@example.com, shop@cafe.fr",
			"send e-mail to l***@example.com: MessageRejected: Email address is not verified. The following identities failed the check in region EU-WEST-3: l***@example.com, s***@cafe.fr"},
		{"<Lea Martin <lea+orders@mail.example.co.uk>>", "<Lea Martin <l***@mail.example.co.uk>>"},
		{"nothing to hide", "nothing to hide"},
		{"an @ sign alone", "an @ sign alone"},
	}
	for _, c := range cases {
		if got := platform.RedactEmails(c.in); got != c.want {
			t.Errorf("RedactEmails(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestRedactedErrorKeepsTheChain(t *testing.T) {
	err := platform.RedactedError{Err: fmt.Errorf("send e-mail to lea@example.com: %w", fs.ErrNotExist)}
	if got, want := err.Error(), "send e-mail to l***@example.com: file does not exist"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("the cause is lost")
	}
}
