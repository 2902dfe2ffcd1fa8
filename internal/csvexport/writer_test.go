package csvexport_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/csvexport"
	"github.com/ordersmith/ordersmith/internal/csvexport/csvexporttest"
	"github.com/ordersmith/ordersmith/internal/order"
)

// sample is the shared sample order with a reduction booked as a
// negative fee, an external id and a phone that look like formulas, a
// formula as the customer's name and a SKU starting with "@".
func sample(t *testing.T, created time.Time) *order.Order {
	t.Helper()
	o := csvexporttest.Order(t, "-4501", created)
	o.ID, o.Number, o.Payment, o.Fulfilment = "01JEXPORT", "CMD-1042", order.PartiallyRefunded, order.Shipped
	o.Customer.Name, o.Customer.Phone = "=HYPERLINK(\"http://x\")", "+33 6 12 34 56 78"
	o.Lines[1].SKU, o.Lines[1].Name = "@TASSE", "Tasse"
	csvexporttest.Fee(t, o, "-12.50")
	return o
}

func render(t *testing.T, f order.ExportFormat, orders ...*order.Order) (string, csvexport.Manifest) {
	t.Helper()
	opts, err := csvexport.FromFormat(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := csvexport.NewWriter(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orders {
		if err := w.Write(o); err != nil {
			t.Fatal(err)
		}
	}
	m, err := w.Close(map[string]string{"from": "2026-03-01"}, time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return buf.String(), m
}

func parse(t *testing.T, file string, sep rune) []map[string]string {
	t.Helper()
	return csvexporttest.Rows(t, []byte(file), sep)
}

func TestProfiles(t *testing.T) {
	// 00:30 UTC on 29 March 2026 is 01:30 in Paris (+01:00); 01:30 UTC is
	// 03:30 (+02:00): the clocks went forward in between.
	beforeDST := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
	afterDST := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
	lateUTC := time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC) // 1 April in Paris
	yes := true
	tests := []struct {
		name    string
		format  order.ExportFormat
		created time.Time
		sep     rune
		bom     bool
		want    map[string]string
	}{
		{"default", order.ExportFormat{}, beforeDST, ',', false, map[string]string{
			"created_at": "2026-03-29T00:30:00Z", "grand": "42.40", "charges": "-12.50", "vat": "4.46",
			"customer_name": "'=HYPERLINK(\"http://x\")", "customer_phone": "'+33 6 12 34 56 78", "external_id": "'-4501",
			"shipping_name": "Zoé Lefèvre", "billing_address": "12 rue de l'Église", "discount_codes": "BIENVENUE"}},
		{"default in Paris before DST", order.ExportFormat{TimeZone: "Europe/Paris"}, beforeDST, ',', false, map[string]string{
			"created_at": "2026-03-29T01:30:00+01:00"}},
		{"default in Paris after DST", order.ExportFormat{TimeZone: "Europe/Paris"}, afterDST, ',', false, map[string]string{
			"created_at": "2026-03-29T03:30:00+02:00"}},
		{"excel-fr", order.ExportFormat{Profile: "excel-fr"}, lateUTC, ';', true, map[string]string{
			"created_at": "01/04/2026", "grand": "42,40", "charges": "-12,50", "subtotal": "55,00", "discount": "5,00",
			"customer_name": "'=HYPERLINK(\"http://x\")", "shipping_name": "Zoé Lefèvre"}},
		{"excel-fr with tab and time", order.ExportFormat{Profile: "excel-fr", Separator: "tab", DateFormat: "dd/mm/yyyy hh:mm:ss"}, afterDST, '\t', true, map[string]string{
			"created_at": "29/03/2026 03:30:00", "grand": "42,40"}},
		{"default with BOM and decimal comma", order.ExportFormat{Separator: ";", DecimalSeparator: ",", BOM: &yes, DateFormat: "yyyy-mm-dd"}, lateUTC, ';', true, map[string]string{
			"created_at": "2026-03-31", "net": "37,94"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, m := render(t, tt.format, sample(t, tt.created))
			if got := strings.HasPrefix(file, "\uFEFF"); got != tt.bom {
				t.Errorf("BOM = %v, want %v", got, tt.bom)
			}
			if !strings.HasSuffix(file, "\r\n") || strings.Count(file, "\r\n") != 2 {
				t.Errorf("want two CRLF-terminated records, got %q", file)
			}
			rows := parse(t, file, tt.sep)
			if len(rows) != 1 || m.Rows != 1 || m.Orders != 1 {
				t.Fatalf("rows = %d, manifest rows %d orders %d; want 1", len(rows), m.Rows, m.Orders)
			}
			for col, want := range tt.want {
				if got := rows[0][col]; got != want {
					t.Errorf("%s = %q, want %q", col, got, want)
				}
			}
			sum := sha256.Sum256([]byte(file))
			if m.SHA256 != hex.EncodeToString(sum[:]) || m.Bytes != int64(len(file)) {
				t.Errorf("manifest sha256 %s bytes %d do not match the file", m.SHA256, m.Bytes)
			}
		})
	}
}

// TestAmountsStayNumbers: a negative amount is never neutralised, in either
// decimal form, while negative-looking text is.
func TestAmountsStayNumbers(t *testing.T) {
	file, _ := render(t, order.ExportFormat{Profile: "excel-fr"}, sample(t, time.Now()))
	for _, line := range strings.Split(file, "\r\n")[1:2] {
		if !strings.Contains(line, ";-12,50;") {
			t.Errorf("the reduction is not a bare number in %q", line)
		}
		if strings.Contains(line, "'-12,50") {
			t.Errorf("the reduction was neutralised in %q", line)
		}
	}
}

func TestGranularities(t *testing.T) {
	o := sample(t, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	tests := []struct {
		granularity string
		rows        int
		check       func(t *testing.T, rows []map[string]string)
	}{
		{"order", 1, nil},
		{"line", 2, func(t *testing.T, rows []map[string]string) {
			if rows[0]["product_name"] != "Thé vert «Sencha»" || rows[0]["line_vat_rate"] != "5.5" || rows[0]["line_amount"] != "22.73" {
				t.Errorf("first line = %v", rows[0])
			}
			if rows[1]["sku"] != "'@TASSE" || rows[1]["line_number"] != "2" {
				t.Errorf("second line = %v", rows[1])
			}
		}},
		{"vat", 2, func(t *testing.T, rows []map[string]string) {
			if rows[0]["vat_rate"] != "20" || rows[1]["vat_rate"] != "5.5" {
				t.Errorf("rates = %s, %s", rows[0]["vat_rate"], rows[1]["vat_rate"])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.granularity, func(t *testing.T) {
			file, m := render(t, order.ExportFormat{Granularity: tt.granularity}, o, o)
			rows := parse(t, file, ',')
			if len(rows) != 2*tt.rows || m.Rows != int64(2*tt.rows) || m.Orders != 2 {
				t.Fatalf("rows %d, manifest %d/%d orders; want %d", len(rows), m.Rows, m.Orders, 2*tt.rows)
			}
			if tt.check != nil {
				tt.check(t, rows[:tt.rows])
			}
		})
	}
}

// TestManifestTotals: each order counts once, whatever the granularity, and
// the totals per rate add up to the totals per currency.
func TestManifestTotals(t *testing.T) {
	a := sample(t, time.Now())
	b := sample(t, time.Now())
	b.Currency = order.MustCurrency("CHF")
	tot, err := order.ComputeTotals(b)
	if err != nil {
		t.Fatal(err)
	}
	b.Totals = tot
	_, m := render(t, order.ExportFormat{Granularity: "line"}, a, a, b)
	if len(m.Totals) != 2 || m.Totals[0].Currency != "CHF" || m.Totals[1].Currency != "EUR" {
		t.Fatalf("totals = %+v", m.Totals)
	}
	eur := m.Totals[1]
	if eur.Orders != 2 || eur.Grand.String() != "84.80 EUR" || eur.VAT.String() != "8.92 EUR" {
		t.Errorf("EUR totals = %d orders, grand %s, vat %s", eur.Orders, eur.Grand, eur.VAT)
	}
	gross := order.Zero(order.EUR)
	for _, r := range eur.Rates {
		gross = gross.Add(r.Gross)
	}
	if !gross.Equal(eur.Grand) {
		t.Errorf("Σ gross per rate %s != grand %s", gross, eur.Grand)
	}
	if m.Filters == nil || m.Columns[0] != "order_id" || m.Profile != "default" || m.TimeZone != "UTC" {
		t.Errorf("manifest = %+v", m)
	}
}

func TestEmptyExportHasHeader(t *testing.T) {
	file, m := render(t, order.ExportFormat{Profile: "excel-fr", Columns: []string{"number", "grand"}})
	if file != "\uFEFFnumber;grand\r\n" || m.Rows != 0 || len(m.Totals) != 0 {
		t.Errorf("file %q, manifest %+v", file, m)
	}
}

func TestFromFormatRefuses(t *testing.T) {
	tests := []struct {
		name   string
		format order.ExportFormat
		field  string
	}{
		{"profile", order.ExportFormat{Profile: "journal"}, "profile"},
		{"granularity", order.ExportFormat{Granularity: "day"}, "granularity"},
		{"separator", order.ExportFormat{Separator: "|"}, "separator"},
		{"decimal", order.ExportFormat{DecimalSeparator: "'"}, "decimalSeparator"},
		{"decimal comma with comma", order.ExportFormat{Separator: ",", DecimalSeparator: ","}, "decimalSeparator"},
		{"excel-fr with comma", order.ExportFormat{Profile: "excel-fr", Separator: ","}, "decimalSeparator"},
		{"date format", order.ExportFormat{DateFormat: "mm/dd/yy"}, "dateFormat"},
		{"time zone", order.ExportFormat{TimeZone: "Mars/Olympus"}, "timeZone"},
		{"local time zone", order.ExportFormat{TimeZone: "Local"}, "timeZone"},
		{"unknown column", order.ExportFormat{Columns: []string{"margin"}}, "columns"},
		{"column of another granularity", order.ExportFormat{Columns: []string{"sku"}}, "columns"},
		{"repeated column", order.ExportFormat{Columns: []string{"grand", "grand"}}, "columns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := csvexport.FromFormat(tt.format)
			var e *order.Error
			if !order.IsKind(err, order.Invalid) {
				t.Fatalf("err = %v, want Invalid", err)
			}
			if errorsAs(err, &e); e.Details.(map[string]any)["field"] != tt.field {
				t.Errorf("field = %v, want %s", e.Details, tt.field)
			}
		})
	}
}

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"=1+2": "'=1+2", "+33": "'+33", "-3": "'-3", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"": "", "Zoé": "Zoé", "1-2": "1-2", "'=x": "'=x",
	} {
		if got := csvexport.Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestColumnsAreDocumented keeps docs/EXPORTS.md's column table in step with
// the code, both ways.
func TestColumnsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/EXPORTS.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		if f := strings.Split(line, "|"); len(f) == 5 && strings.HasPrefix(strings.TrimSpace(f[1]), "`") {
			documented[strings.Trim(strings.TrimSpace(f[1]), "`")] = true
		}
	}
	for _, c := range csvexport.Columns() {
		if !documented[c.Name] {
			t.Errorf("column %s is not in docs/EXPORTS.md", c.Name)
		}
		delete(documented, c.Name)
	}
	for name := range documented {
		t.Errorf("docs/EXPORTS.md lists %s, which is no column", name)
	}
}
