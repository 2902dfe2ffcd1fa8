package invoices

import (
	"context"
	"net/http"
	"time"

	"github.com/ordersmith/ordersmith/internal/apihttp"
	"github.com/ordersmith/ordersmith/internal/order"
)

// LinkTTL is how long a document link lives (at most 15 minutes).
const LinkTTL = 15 * time.Minute

// Service is the service calls the routes make.
type Service interface {
	IssueByHand(ctx context.Context, orderID string) (order.Document, bool, error)
	Documents(ctx context.Context, orderID string) ([]order.Document, error)
}

// Linker hands out short-lived download links to stored PDFs.
type Linker interface {
	Link(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error)
}

// API serves the documents routes.
type API struct {
	svc   Service
	links Linker
}

// NewAPI returns the API; both ports are required.
func NewAPI(svc Service, links Linker) (*API, error) {
	if err := order.RequireDeps("invoices.NewAPI", order.Need("Service", svc), order.Need("Links", links)); err != nil {
		return nil, err
	}
	return &API{svc: svc, links: links}, nil
}

// Router registers the routes with their scopes.
func (a *API) Router(opts ...apihttp.Option) *apihttp.Router {
	r := apihttp.NewRouter(opts...)
	r.Handle("POST /orders/{id}/invoices", a.Issue, apihttp.Scope(apihttp.ScopeOrdersWrite))
	r.Handle("GET /orders/{id}/documents", a.List, apihttp.Scope(apihttp.ScopeOrdersRead))
	return r
}

// DocumentView is a document as the API shows it: what identifies it, its
// amounts and a link to its PDF.
type DocumentView struct {
	Kind         order.DocumentKind `json:"kind"`
	Number       string             `json:"number"`
	IssueDate    order.Date         `json:"issueDate"`
	OrderID      string             `json:"orderId"`
	Net          order.Money        `json:"net"`
	VAT          order.Money        `json:"vat"`
	Grand        order.Money        `json:"grand"`
	PDFSHA256    string             `json:"pdfSha256"`
	PrevHash     string             `json:"prevHash,omitempty"`
	ChainHash    string             `json:"chainHash"`
	URL          string             `json:"url"`
	URLExpiresAt time.Time          `json:"urlExpiresAt"`
}

func (a *API) view(ctx context.Context, d order.Document) (DocumentView, error) {
	url, exp, err := a.links.Link(ctx, d.PDFKey, LinkTTL)
	if err != nil {
		return DocumentView{}, err
	}
	return DocumentView{Kind: d.Kind, Number: d.Number, IssueDate: d.IssueDate, OrderID: d.OrderID, Net: d.Net, VAT: d.VAT,
		Grand: d.Grand, PDFSHA256: d.PDFSHA256, PrevHash: d.PrevHash, ChainHash: d.ChainHash, URL: url, URLExpiresAt: exp}, nil
}

// Issue is POST /orders/{id}/invoices: 201 with the new invoice, or 200
// with the one the order already has.
func (a *API) Issue(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	d, created, err := a.svc.IssueByHand(ctx, req.PathParam("id"))
	if err != nil {
		return nil, err
	}
	v, err := a.view(ctx, d)
	if err != nil {
		return nil, err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return apihttp.JSON(status, v)
}

// List is GET /orders/{id}/documents.
func (a *API) List(ctx context.Context, req *apihttp.Request) (*apihttp.Response, error) {
	docs, err := a.svc.Documents(ctx, req.PathParam("id"))
	if err != nil {
		return nil, err
	}
	views := make([]DocumentView, 0, len(docs))
	for _, d := range docs {
		v, err := a.view(ctx, d)
		if err != nil {
			return nil, err
		}
		views = append(views, v)
	}
	return apihttp.JSON(http.StatusOK, map[string]any{"documents": views})
}
