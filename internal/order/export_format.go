package order

// ExportFormat is how an export file is laid out, as the caller asked for it:
// a profile and the settings that override it. Empty fields take the
// profile's value. internal/csvexport turns it into rendering options and is
// where each value is checked; the export record keeps it as asked.
type ExportFormat struct {
	// Profile is "default" (RFC 4180, UTF-8, ISO 8601 with offset) or
	// "excel-fr" (BOM, ";", decimal comma, dd/mm/yyyy); empty is "default".
	Profile string `json:"profile,omitempty"`
	// Granularity is one row per "order", per "line" or per "vat" rate.
	Granularity string `json:"granularity,omitempty"`
	// Columns are the column names, in order; empty is every column of the
	// granularity (docs/EXPORTS.md lists them).
	Columns []string `json:"columns,omitempty"`
	// Separator is ",", ";" or "tab".
	Separator string `json:"separator,omitempty"`
	// DecimalSeparator is "." or ",".
	DecimalSeparator string `json:"decimalSeparator,omitempty"`
	// DateFormat is "iso8601", "yyyy-mm-dd", "dd/mm/yyyy" or
	// "dd/mm/yyyy hh:mm:ss".
	DateFormat string `json:"dateFormat,omitempty"`
	// BOM writes a UTF-8 byte order mark first when true; nil takes the
	// profile's choice.
	BOM *bool `json:"bom,omitempty"`
	// TimeZone is the IANA zone dates are written in (e.g. "Europe/Paris").
	TimeZone string `json:"timeZone,omitempty"`
}
