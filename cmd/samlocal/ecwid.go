package main

import (
	"net/http"
	"path/filepath"

	"github.com/ordersmith/ordersmith/internal/localaws"
	"github.com/ordersmith/ordersmith/internal/webhook/ecwidstub"
)

// ecwidPath is where `samlocal up` serves a stand-in of Ecwid's REST API.
// Ecwid webhooks only name an order: the intake fetches the order from
// Ecwid, so without this an Ecwid delivery could not be tried locally.
const ecwidPath = "/_local/ecwid"

// ecwidParam is the template parameter holding Ecwid's API base URL.
const ecwidParam = "EcwidApiBaseUrl"

// ecwidStandIn serves the sample Ecwid orders of internal/webhook/testdata
// to the bearer of the local Ecwid token (the one seeded into local SSM).
func ecwidStandIn(root string) (http.Handler, error) {
	s := ecwidstub.New(localaws.LocalEcwidToken)
	if err := s.LoadDir(filepath.Join(root, "internal", "webhook", "testdata", "ecwid", "orders")); err != nil {
		return nil, err
	}
	return s, nil
}
