package invoicepdf

import (
	"fmt"
	"io"
	"strings"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/ordersmith/ordersmith/internal/order"
)

// Page geometry, in points (A4).
const (
	pageW, pageH = 595.0, 842.0
	margin       = 42.0
	contentW     = pageW - 2*margin
	footerTop    = pageH - 48 // the seller's legal line
	bottom       = footerTop - 12
	rowH         = 16.0
)

// Colours: ink, muted text, rules and the header fill.
var (
	ink    = [3]uint8{33, 37, 41}
	muted  = [3]uint8{108, 117, 125}
	rule   = [3]uint8{206, 212, 218}
	fill   = [3]uint8{241, 243, 245}
	accent = [3]uint8{31, 58, 96}
)

// The lines table's columns: description, quantity, unit price, VAT rate,
// total; widths add up to contentW.
var cols = [5]float64{contentW - 40 - 85 - 52 - 88, 40, 85, 52, 88}

// Renderer renders documents as PDFs. It is safe for concurrent use: each
// Render builds its own PDF.
type Renderer struct{}

var _ order.DocumentRenderer = Renderer{}

// Render implements order.DocumentRenderer: it writes d as a PDF to w. The
// output depends only on d, so a document renders to the same bytes (and
// the same SHA-256) every time.
func (Renderer) Render(w io.Writer, d order.Document) error {
	p, err := newPage(d)
	if err != nil {
		return err
	}
	p.header()
	p.parties()
	p.lines()
	p.summary()
	p.mentions()
	if p.err != nil {
		return fmt.Errorf("render %s: %w", d.Number, p.err)
	}
	if _, err := p.pdf.WriteTo(w); err != nil {
		return fmt.Errorf("write %s: %w", d.Number, err)
	}
	return nil
}

// page is a document being drawn: the PDF, the cursor and the first error.
type page struct {
	pdf   *gopdf.GoPdf
	d     order.Document
	l     labels
	lang  string
	y     float64
	pages int
	err   error
}

func newPage(d order.Document) (*page, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	title := labelsFor(d.Language).invoice
	if d.Kind == order.CreditNoteDocument {
		title = labelsFor(d.Language).creditNote
	}
	pdf.SetInfo(gopdf.PdfInfo{Title: title + " " + d.Number, Author: d.Seller.Name, Producer: "ordersmith", CreationDate: d.IssuedAt})
	if err := pdf.AddTTFFontData("regular", goregular.TTF); err != nil {
		return nil, fmt.Errorf("load the regular font: %w", err)
	}
	if err := pdf.AddTTFFontData("bold", gobold.TTF); err != nil {
		return nil, fmt.Errorf("load the bold font: %w", err)
	}
	p := &page{pdf: pdf, d: d, l: labelsFor(d.Language), lang: d.Language}
	p.addPage()
	return p, nil
}

func (p *page) addPage() {
	p.pdf.AddPage()
	p.pages++
	p.y = margin
	if p.pages > 1 {
		// A continuation page names its document.
		title := p.l.invoice
		if p.d.Kind == order.CreditNoteDocument {
			title = p.l.creditNote
		}
		p.font("regular", 8, muted)
		p.cell(margin, p.y, contentW, 10, fmt.Sprintf("%s %s – %s %d", title, p.d.Number, p.l.pageWord, p.pages), gopdf.Right)
		p.y += 18
	}
	// The seller's legal line closes every page.
	s := p.d.Seller
	parts := append([]string{s.Name}, p.registration(s)...)
	if s.SIRET != "" {
		parts = append(parts, p.l.siret+" "+s.SIRET)
	}
	p.color(rule)
	p.pdf.SetLineWidth(0.5)
	p.pdf.Line(margin, footerTop-6, pageW-margin, footerTop-6)
	p.font("regular", 7.5, muted)
	p.cell(margin, footerTop, contentW, 10, strings.Join(parts, " · "), gopdf.Center)
}

func (p *page) color(c [3]uint8) { p.pdf.SetStrokeColor(c[0], c[1], c[2]) }

func (p *page) font(family string, size float64, c [3]uint8) {
	if err := p.pdf.SetFont(family, "", size); err != nil && p.err == nil {
		p.err = err
	}
	p.pdf.SetTextColor(c[0], c[1], c[2])
}

// cell writes s in the box at (x, y) of width w and height h, aligned.
func (p *page) cell(x, y, w, h float64, s string, align int) {
	p.pdf.SetXY(x, y)
	if err := p.pdf.CellWithOption(&gopdf.Rect{W: w, H: h}, s, gopdf.CellOption{Align: align | gopdf.Middle}); err != nil && p.err == nil {
		p.err = err
	}
}

// wrap splits s into the lines that fit width w in the current font.
func (p *page) wrap(s string, w float64) []string {
	if strings.TrimSpace(s) == "" {
		return []string{""}
	}
	lines, err := p.pdf.SplitText(s, w)
	if err != nil {
		return []string{s}
	}
	return lines
}

// need starts a new page when h points do not fit below the cursor.
func (p *page) need(h float64) bool {
	if p.y+h <= bottom {
		return false
	}
	p.addPage()
	return true
}

func (p *page) header() {
	d, l := p.d, p.l
	s := d.Seller
	p.font("bold", 15, accent)
	p.cell(margin, p.y, 280, 18, s.Name, gopdf.Left)
	y := p.y + 22
	p.font("regular", 8.5, ink)
	for _, line := range addressLines(s.Address) {
		p.cell(margin, y, 280, 11, line, gopdf.Left)
		y += 11
	}
	y += 3
	p.font("regular", 8, muted)
	for _, line := range p.legal(s) {
		p.cell(margin, y, 280, 10, line, gopdf.Left)
		y += 10
	}

	title := l.invoice
	if d.Kind == order.CreditNoteDocument {
		title = l.creditNote
	}
	right := pageW - margin - 200.0
	p.font("bold", 22, accent)
	p.cell(right, p.y-2, 200, 26, title, gopdf.Right)
	p.font("bold", 11, ink)
	p.cell(right, p.y+26, 200, 14, d.Number, gopdf.Right)
	meta := [][2]string{{l.issued, p.date(d.IssueDate)}, {l.saleDate, p.date(d.SaleDate)}, {l.orderNo, d.OrderNumber}}
	if !d.DueDate.IsZero() {
		meta = append(meta, [2]string{l.dueDate, p.date(d.DueDate)})
	}
	my := p.y + 46
	for _, m := range meta {
		p.font("regular", 8.5, muted)
		p.cell(right, my, 110, 12, m[0], gopdf.Left)
		p.font("regular", 8.5, ink)
		p.cell(right+110, my, 90, 12, m[1], gopdf.Right)
		my += 12
	}
	p.font("regular", 8, muted)
	p.cell(right-60, my+2, 260, 11, l.nature+p.colon()+l.natureOf(d.Nature), gopdf.Right)
	p.y = max(y, my+14) + 16
}

// legal lists a party's identifiers, one per line.
func (p *page) legal(s order.Party) []string {
	out := p.registration(s)
	var ids []string
	if s.SIREN != "" {
		ids = append(ids, p.l.siren+" "+s.SIREN)
	}
	if s.SIRET != "" {
		ids = append(ids, p.l.siret+" "+s.SIRET)
	}
	if len(ids) > 0 {
		out = append(out, strings.Join(ids, " – "))
	}
	if s.VATNumber != "" {
		out = append(out, p.l.vatNumber+p.colon()+s.VATNumber)
	}
	return out
}

// registration is a party's legal form with its share capital, and its
// trade register entry, when it has them.
func (p *page) registration(s order.Party) []string {
	var out []string
	if s.LegalForm != "" {
		form := s.LegalForm
		if s.ShareCapital != "" {
			form += " " + p.l.capital + " " + s.ShareCapital
		}
		out = append(out, form)
	}
	if s.RCS != "" {
		out = append(out, s.RCS)
	}
	return out
}

func (p *page) date(d order.Date) string {
	if d.IsZero() {
		return ""
	}
	if p.lang == "en" {
		return d.String()
	}
	t := d.String() // YYYY-MM-DD
	return t[8:10] + "/" + t[5:7] + "/" + t[0:4]
}

func addressLines(a order.Address) []string {
	var out []string
	for _, s := range []string{a.Company, a.Name, a.Line1, a.Line2, strings.TrimSpace(a.PostalCode + " " + a.City), a.Region, a.Country} {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// parties draws the buyer's block and, when it differs, the delivery
// address beside it.
func (p *page) parties() {
	d, l := p.d, p.l
	w := (contentW - 20) / 2
	buyer := []string{d.Buyer.Name}
	addr := d.Buyer.Address
	if addr.Company == d.Buyer.Name {
		addr.Company = ""
	} else if addr.Name == d.Buyer.Name {
		addr.Name = ""
	}
	buyer = append(buyer, addressLines(addr)...)
	if d.Buyer.SIREN != "" {
		buyer = append(buyer, l.siren+" "+d.Buyer.SIREN)
	}
	if d.Buyer.VATNumber != "" {
		buyer = append(buyer, l.vatNumber+p.colon()+d.Buyer.VATNumber)
	}
	h := p.block(margin, w, l.buyer, buyer)
	if d.Delivery != nil {
		h = max(h, p.block(margin+w+20, w, l.delivery, addressLines(*d.Delivery)))
	}
	p.y += h + 18
}

// block draws a titled box of lines and returns its height.
func (p *page) block(x, w float64, title string, lines []string) float64 {
	h := 20 + float64(len(lines))*11 + 6
	p.pdf.SetFillColor(fill[0], fill[1], fill[2])
	p.pdf.RectFromUpperLeftWithStyle(x, p.y, w, h, "F")
	p.font("bold", 7.5, muted)
	p.cell(x+8, p.y+5, w-16, 10, strings.ToUpper(title), gopdf.Left)
	y := p.y + 18
	for i, s := range lines {
		if i == 0 {
			p.font("bold", 9, ink)
		} else {
			p.font("regular", 8.5, ink)
		}
		p.cell(x+8, y, w-16, 11, s, gopdf.Left)
		y += 11
	}
	return h
}

func (p *page) tableHeader() {
	l := p.l
	p.pdf.SetFillColor(accent[0], accent[1], accent[2])
	p.pdf.RectFromUpperLeftWithStyle(margin, p.y, contentW, rowH+2, "F")
	p.font("bold", 8, [3]uint8{255, 255, 255})
	x := margin
	for i, h := range []string{l.description, l.qty, l.unitPrice, l.vat, l.lineTotal} {
		align := gopdf.Right
		if i == 0 {
			align = gopdf.Left
		}
		p.cell(x+6, p.y+1, cols[i]-12, rowH, h, align)
		x += cols[i]
	}
	p.y += rowH + 2
}

// row draws one table row: the description wraps, the figures do not.
func (p *page) row(desc string, figures [4]string) {
	p.font("regular", 8.5, ink)
	lines := p.wrap(desc, cols[0]-12)
	h := float64(len(lines))*11 + 6
	if p.need(h) {
		p.tableHeader()
		p.font("regular", 8.5, ink)
	}
	y := p.y + 3
	for _, s := range lines {
		p.cell(margin+6, y, cols[0]-12, 11, s, gopdf.Left)
		y += 11
	}
	x := margin + cols[0]
	for i, f := range figures {
		p.cell(x+6, p.y+3, cols[i+1]-12, 11, f, gopdf.Right)
		x += cols[i+1]
	}
	p.y += h
	p.color(rule)
	p.pdf.SetLineWidth(0.4)
	p.pdf.Line(margin, p.y, pageW-margin, p.y)
}

func (p *page) lines() {
	d := p.d
	p.need(rowH * 3)
	p.tableHeader()
	for _, ln := range d.Lines {
		desc := ln.Description
		if ln.SKU != "" && ln.SKU != ln.Description {
			desc += " (" + ln.SKU + ")"
		}
		p.row(desc, [4]string{fmt.Sprint(ln.Quantity), FormatMoney(p.lang, ln.UnitPrice), FormatRate(p.lang, ln.VATRate), FormatMoney(p.lang, ln.Net)})
	}
	for _, a := range d.Adjustments {
		net, rate := a.Net, FormatRate(p.lang, a.VATRate)
		if a.Kind == order.AdjustDiscount {
			net = net.Neg()
		}
		if a.OutsideVAT {
			rate = "–"
		}
		p.row(p.l.adjustment(p.lang, a), [4]string{"", "", rate, FormatMoney(p.lang, net)})
	}
	p.y += 14
}

// summary draws the VAT breakdown on the left and the totals on the right.
func (p *page) summary() {
	d, l := p.d, p.l
	rows := len(d.VATBreakdown)
	totals := [][2]string{{l.totalNet, FormatMoney(p.lang, d.Net)}, {l.totalVAT, FormatMoney(p.lang, d.VAT)}}
	if !d.OutsideVAT.IsZero() {
		totals = append(totals, [2]string{l.tip + " (" + l.outsideVAT + ")", FormatMoney(p.lang, d.OutsideVAT)})
	}
	p.need(float64(max(rows+2, len(totals)+1))*rowH + 30)
	top := p.y

	// VAT breakdown.
	w := [3]float64{60, 90, 90}
	p.font("bold", 8, muted)
	p.cell(margin, p.y, 240, 12, strings.ToUpper(l.vatBreakdown), gopdf.Left)
	p.y += 14
	x := margin
	for i, h := range []string{l.vatRate, l.base, l.vatAmount} {
		p.cell(x, p.y, w[i], 12, h, gopdf.Right)
		x += w[i]
	}
	p.y += 13
	p.color(rule)
	p.pdf.Line(margin, p.y, margin+w[0]+w[1]+w[2], p.y)
	p.font("regular", 8.5, ink)
	for _, tl := range d.VATBreakdown {
		x := margin
		for i, s := range []string{FormatRate(p.lang, tl.Rate), FormatMoney(p.lang, tl.Base), FormatMoney(p.lang, tl.VAT)} {
			p.cell(x, p.y+2, w[i], 12, s, gopdf.Right)
			x += w[i]
		}
		p.y += 14
	}
	left := p.y

	// Totals.
	tx, tw := pageW-margin-220, 220.0
	y := top
	for _, t := range totals {
		p.font("regular", 9, ink)
		p.cell(tx+8, y, 130, rowH, t[0], gopdf.Left)
		p.cell(tx+130, y, tw-138, rowH, t[1], gopdf.Right)
		y += rowH
	}
	p.pdf.SetFillColor(accent[0], accent[1], accent[2])
	p.pdf.RectFromUpperLeftWithStyle(tx, y+2, tw, rowH+6, "F")
	p.font("bold", 10.5, [3]uint8{255, 255, 255})
	p.cell(tx+8, y+5, 120, rowH, l.totalGrand, gopdf.Left)
	p.cell(tx+120, y+5, tw-128, rowH, FormatMoney(p.lang, d.Grand), gopdf.Right)
	y += rowH + 12
	p.font("regular", 8, muted)
	p.cell(tx, y, tw, 11, l.currency+" "+d.Currency.Code(), gopdf.Right)
	p.y = max(left, y+11) + 14
}

// mentions draws the payment and the legal mentions.
func (p *page) mentions() {
	d, l := p.d, p.l
	var out []string
	pay := l.status + " : " + l.paymentStatus(d.PaymentStatus)
	if d.PaymentMethod != "" {
		pay = l.payment + " : " + d.PaymentMethod + " – " + pay
	}
	out = append(out, pay)
	switch d.Regime {
	case order.VATFranchise:
		out = append(out, l.franchise)
	case order.VATReverseCharge:
		out = append(out, l.reverseCharge)
	}
	if d.VATOnDebits {
		out = append(out, l.onDebits)
	}
	if d.B2B {
		if d.LatePenaltyRate.IsZero() {
			out = append(out, l.penaltiesDefault+".")
		} else {
			out = append(out, fmt.Sprintf(l.penalties, strings.ReplaceAll(d.LatePenaltyRate.String(), ".", decimalSep(p.lang)))+".")
		}
		out = append(out, fmt.Sprintf(l.indemnity, FormatMoney(p.lang, d.RecoveryIndemnity))+". "+l.noDiscountEarly)
	}
	p.font("regular", 8.5, ink)
	var lines []string
	for _, m := range out {
		lines = append(lines, p.wrap(m, contentW)...)
	}
	p.need(float64(len(lines))*12 + 10)
	p.color(rule)
	p.pdf.Line(margin, p.y, pageW-margin, p.y)
	p.y += 6
	for i, s := range lines {
		if i == 0 {
			p.font("bold", 8.5, ink)
		} else {
			p.font("regular", 8.5, ink)
		}
		p.cell(margin, p.y, contentW, 12, s, gopdf.Left)
		p.y += 12
	}
}

func decimalSep(lang string) string {
	if lang == "en" {
		return "."
	}
	return ","
}

// colon is the label separator: French typography puts a space before it.
func (p *page) colon() string {
	if p.lang == "en" {
		return ": "
	}
	return " : "
}
