// Package invoices holds the invoice functions' handlers: the SQS consumer
// of order events that issues invoices when the settings say (Consumer),
// and the HTTP routes that issue one by hand and list an order's documents
// with short-lived links (API). Both decode, call one order.InvoiceService
// method and encode.
package invoices
