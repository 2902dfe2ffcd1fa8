// Package csvexport renders orders as CSV for finance: one row per order, per
// line or per VAT rate, with the columns, separators, date format, time zone
// and byte order mark of a profile ("default", "excel-fr") or of the caller's
// choice. It writes to an io.Writer with encoding/csv, row by row, so an
// export of any size runs in constant memory, and it sums what it wrote into
// a Manifest (row count, totals per currency and VAT rate, SHA-256).
//
// Amounts are written from order.Money at their currency's minor units,
// never through a float. Text cells that a spreadsheet would read as a
// formula are neutralised (see Neutralise); amount cells are numbers and stay
// numbers, negative ones included. docs/EXPORTS.md lists the columns.
package csvexport
