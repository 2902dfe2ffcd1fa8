// Package invoicepdf renders an order.Document (an invoice) as a one-or-more
// page A4 PDF, in French or in English as the document says.
//
// The library is github.com/signintech/gopdf: maintained (releases through
// 2025), pure Go, and it embeds TrueType fonts as subsets with a ToUnicode
// map, so that é, €, – and ’ print and extract as text. The fonts are Go's
// own (golang.org/x/image/font/gofont), a module the binary embeds: no font
// file lives in the repository or on the Lambda's disk.
package invoicepdf
