package docfiles_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/docfiles"
	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/localaws/localawstest"
)

// TestPutAndLink stores a PDF in a bucket of moto and downloads it through
// its link; a link never lives longer than MaxLinkTTL.
func TestPutAndLink(t *testing.T) {
	cfg := localawstest.Config(t)
	name := localawstest.NewBucket(t, cfg)
	b, err := docfiles.New(localaws.NewClients(cfg).S3, name)
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.4 facture F2026-00001 – 12,00 €")
	if err := b.PutPDF(t.Context(), "documents/F/2026/F2026-00001-abc.pdf", pdf); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	url, exp, err := b.Link(t.Context(), "documents/F/2026/F2026-00001-abc.pdf", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(url, "X-Amz-Expires=900") || exp.After(before.Add(docfiles.MaxLinkTTL+time.Minute)) {
		t.Errorf("link expires at %v, more than %v away", exp, docfiles.MaxLinkTTL)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, pdf) {
		t.Errorf("GET link: %d %q, want the PDF", resp.StatusCode, got)
	}
	if _, err := docfiles.New(nil, name); err == nil {
		t.Error("New without a client: no error")
	}
}
