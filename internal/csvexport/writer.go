package csvexport

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"hash"
	"io"
	"sort"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// bom is the UTF-8 byte order mark, which tells Excel the file is UTF-8.
const bom = "\uFEFF"

// Writer renders orders as CSV rows, one Write per order, and keeps what the
// manifest needs. It holds one order at a time: memory does not grow with the
// export.
type Writer struct {
	opts    Options
	csv     *csv.Writer
	sum     hash.Hash
	count   *countingWriter
	started bool
	record  []string
	rows    int64
	orders  int64
	totals  map[string]*currencyTotals
}

// NewWriter returns a Writer of opts to w. opts must come from FromFormat.
func NewWriter(w io.Writer, opts Options) (*Writer, error) {
	if len(opts.Columns) == 0 || opts.Location == nil || opts.dateLayout == "" {
		return nil, order.E("csvexport.NewWriter", order.Internal, "invalid_options", "options must come from FromFormat")
	}
	sum := sha256.New()
	count := &countingWriter{}
	cw := csv.NewWriter(io.MultiWriter(w, sum, count))
	cw.Comma = opts.Separator
	cw.UseCRLF = true // RFC 4180
	return &Writer{opts: opts, csv: cw, sum: sum, count: count, record: make([]string, len(opts.Columns)), totals: map[string]*currencyTotals{}}, nil
}

// start writes the BOM and the header once.
func (w *Writer) start() error {
	if w.started {
		return nil
	}
	w.started = true
	header := w.opts.ColumnNames()
	if w.opts.BOM {
		// The BOM goes through the csv writer's buffer so that bytes reach
		// the destination in order.
		header[0] = bom + header[0]
	}
	return w.csv.Write(header)
}

// Write renders o's rows: one, one per line, or one per VAT rate.
func (w *Writer) Write(o *order.Order) error {
	if err := w.start(); err != nil {
		return w.fail(err)
	}
	emit := func(r row) error {
		for i, c := range w.opts.Columns {
			w.record[i] = w.opts.format(c.value(r), o.Currency)
		}
		w.rows++
		return w.csv.Write(w.record)
	}
	var err error
	switch w.opts.Granularity {
	case PerLine:
		for i := range o.Lines {
			if err = emit(row{o: o, line: i}); err != nil {
				break
			}
		}
	case PerVAT:
		for _, tl := range o.Totals.TaxLines {
			if err = emit(row{o: o, tax: tl}); err != nil {
				break
			}
		}
	default:
		err = emit(row{o: o})
	}
	if err != nil {
		return w.fail(err)
	}
	w.add(o)
	return nil
}

func (w *Writer) fail(err error) error {
	return order.Wrap("csvexport.Write", order.Transient, "write_failed", "writing the export failed", err)
}

// Rows returns the number of data rows written so far (the header is not a
// row).
func (w *Writer) Rows() int64 { return w.rows }

// Close flushes the file and returns its manifest: filters is what selected
// the orders, kept as given, and now the generation time.
func (w *Writer) Close(filters any, now time.Time) (Manifest, error) {
	if err := w.start(); err != nil {
		return Manifest{}, w.fail(err)
	}
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return Manifest{}, w.fail(err)
	}
	m := Manifest{
		GeneratedAt: now.UTC(), Filters: filters, Profile: w.opts.Profile, Granularity: w.opts.Granularity,
		Columns: w.opts.ColumnNames(), Separator: string(w.opts.Separator), DecimalSeparator: string(w.opts.Decimal),
		DateFormat: w.opts.DateFormat, BOM: w.opts.BOM, TimeZone: w.opts.TimeZoneName,
		Rows: w.rows, Orders: w.orders, Bytes: w.count.n, SHA256: hex.EncodeToString(w.sum.Sum(nil)),
		Totals: make([]CurrencyTotals, 0, len(w.totals)),
	}
	for _, t := range w.totals {
		m.Totals = append(m.Totals, t.out())
	}
	sort.Slice(m.Totals, func(i, j int) bool { return m.Totals[i].Currency < m.Totals[j].Currency })
	return m, nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
