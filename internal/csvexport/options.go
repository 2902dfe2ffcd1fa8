package csvexport

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Granularity says what one row of the file is.
type Granularity string

// The granularities: one row per order, per order line, or per VAT rate of
// an order.
const (
	PerOrder Granularity = "order"
	PerLine  Granularity = "line"
	PerVAT   Granularity = "vat"
)

// The profiles.
const (
	// ProfileDefault is RFC 4180 (comma, CRLF), UTF-8 without BOM, decimal
	// point, ISO 8601 times with their offset, in UTC unless a zone is given.
	ProfileDefault = "default"
	// ProfileExcelFR is what a French spreadsheet opens cleanly: a BOM, ";",
	// decimal comma, dd/mm/yyyy in the store's time zone.
	ProfileExcelFR = "excel-fr"
)

// StoreTimeZone is the store's time zone, the excel-fr profile's default.
const StoreTimeZone = "Europe/Paris"

// The date formats, by the name a request gives them.
var dateLayouts = map[string]string{
	"iso8601":             time.RFC3339,
	"yyyy-mm-dd":          "2006-01-02",
	"dd/mm/yyyy":          "02/01/2006",
	"dd/mm/yyyy hh:mm:ss": "02/01/2006 15:04:05",
}

// DateFormats returns the names of the accepted date formats, sorted.
func DateFormats() []string {
	names := make([]string, 0, len(dateLayouts))
	for n := range dateLayouts {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Options are the checked rendering settings; build them with FromFormat.
type Options struct {
	Profile     string
	Granularity Granularity
	Columns     []Column
	Separator   rune
	Decimal     byte // '.' or ','
	DateFormat  string
	dateLayout  string
	BOM         bool
	Location    *time.Location
	// TimeZoneName is the IANA name of Location, as the manifest reports it.
	TimeZoneName string
}

// ColumnNames returns the names of the columns, in order.
func (o Options) ColumnNames() []string {
	out := make([]string, len(o.Columns))
	for i, c := range o.Columns {
		out[i] = c.Name
	}
	return out
}

// FromFormat checks a requested format and returns the options it means:
// the profile's settings, overridden by every field that is set. A bad value
// is an Invalid error whose Details name the field; nothing else fails.
func FromFormat(f order.ExportFormat) (Options, error) {
	const op = "csvexport.FromFormat"
	bad := func(field, code, format string, args ...any) error {
		e := order.E(op, order.Invalid, code, fmt.Sprintf(format, args...))
		e.Details = map[string]any{"field": field}
		return e
	}
	o := Options{Profile: ProfileDefault, Granularity: PerOrder, Separator: ',', Decimal: '.', DateFormat: "iso8601", TimeZoneName: "UTC"}
	switch f.Profile {
	case "", ProfileDefault:
	case ProfileExcelFR:
		o = Options{Profile: ProfileExcelFR, Granularity: PerOrder, Separator: ';', Decimal: ',', DateFormat: "dd/mm/yyyy", BOM: true, TimeZoneName: StoreTimeZone}
	default:
		return Options{}, bad("profile", "unknown_profile", "profile must be %q or %q, got %q", ProfileDefault, ProfileExcelFR, f.Profile)
	}
	switch g := Granularity(f.Granularity); g {
	case "":
	case PerOrder, PerLine, PerVAT:
		o.Granularity = g
	default:
		return Options{}, bad("granularity", "invalid_granularity", "granularity must be order, line or vat, got %q", f.Granularity)
	}
	switch f.Separator {
	case "":
	case ",", ";":
		o.Separator = rune(f.Separator[0])
	case "tab", "\t":
		o.Separator = '\t'
	default:
		return Options{}, bad("separator", "invalid_separator", "separator must be \",\", \";\" or \"tab\", got %q", f.Separator)
	}
	switch f.DecimalSeparator {
	case "":
	case ".", ",":
		o.Decimal = f.DecimalSeparator[0]
	default:
		return Options{}, bad("decimalSeparator", "invalid_decimal_separator", "decimal separator must be \".\" or \",\", got %q", f.DecimalSeparator)
	}
	if o.Decimal == ',' && o.Separator == ',' {
		return Options{}, bad("decimalSeparator", "invalid_decimal_separator", "a decimal comma needs \";\" or tab as the separator")
	}
	if f.DateFormat != "" {
		if _, ok := dateLayouts[f.DateFormat]; !ok {
			return Options{}, bad("dateFormat", "invalid_date_format", "date format must be one of %s, got %q", strings.Join(DateFormats(), ", "), f.DateFormat)
		}
		o.DateFormat = f.DateFormat
	}
	o.dateLayout = dateLayouts[o.DateFormat]
	if f.BOM != nil {
		o.BOM = *f.BOM
	}
	if f.TimeZone != "" {
		o.TimeZoneName = f.TimeZone
	}
	loc, err := time.LoadLocation(o.TimeZoneName)
	if err != nil || o.TimeZoneName == "Local" {
		return Options{}, bad("timeZone", "invalid_time_zone", "unknown time zone %q", o.TimeZoneName)
	}
	o.Location = loc
	cols, err := columnsFor(o.Granularity, f.Columns)
	if err != nil {
		return Options{}, err
	}
	o.Columns = cols
	return o, nil
}
