package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ordersmith/ordersmith/internal/order"
)

// ExportFactory builds a fresh, empty export store for one test.
type ExportFactory func(t *testing.T) order.ExportStore

// RunExportStore runs the ExportStore contract.
func RunExportStore(t *testing.T, f ExportFactory) {
	t.Run("CreateGetListNewestFirst", func(t *testing.T) { testExportList(t, f(t)) })
	t.Run("ClaimOnceThenFinish", func(t *testing.T) { testExportClaim(t, f(t)) })
	t.Run("ExpiredLeaseIsTakenOver", func(t *testing.T) { testExportTakeover(t, f(t)) })
	t.Run("ConcurrentClaimsOneWins", func(t *testing.T) { testExportConcurrentClaims(t, f(t)) })
}

// newExport is a QUEUED export created at.
func newExport(id string, at time.Time) *order.Export {
	bom := true
	return &order.Export{
		ID: id, Status: order.ExportQueued, CreatedAt: at, RequestedBy: "finance@example.fr",
		Filter: order.ExportFilter{From: at.Add(-24 * time.Hour), To: at, TimeZone: "Europe/Paris", Sources: []string{"shopify"}, OrderIDs: []string{"a", "b"}},
		Format: order.ExportFormat{Profile: "excel-fr", Columns: []string{"number", "grand"}, BOM: &bom},
	}
}

func testExportList(t *testing.T, s order.ExportStore) {
	ctx := context.Background()
	for i := range 5 {
		if err := s.Create(ctx, newExport(fmt.Sprintf("exp-%d", i), Epoch.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatalf("create: %v", err)
		}
	}
	wantKind(t, s.Create(ctx, newExport("exp-1", Epoch)), order.Conflict, order.CodeAlreadyExists)
	got, err := s.Get(ctx, "exp-2")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	want := newExport("exp-2", Epoch.Add(2*time.Minute))
	if got.Status != order.ExportQueued || !got.CreatedAt.Equal(want.CreatedAt) || got.Filter.TimeZone != "Europe/Paris" ||
		len(got.Filter.OrderIDs) != 2 || got.Format.Profile != "excel-fr" || got.Format.BOM == nil || !*got.Format.BOM || len(got.Format.Columns) != 2 {
		t.Errorf("get = %+v, want %+v", got, want)
	}
	_, err = s.Get(ctx, "exp-9")
	wantKind(t, err, order.NotFound, order.CodeNotFound)

	var ids []string
	page := order.PageRequest{Limit: 2}
	for range 4 {
		p, err := s.List(ctx, page)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		for _, e := range p.Items {
			ids = append(ids, e.ID)
		}
		if p.Next == "" {
			break
		}
		page.Cursor = p.Next
	}
	if fmt.Sprint(ids) != "[exp-4 exp-3 exp-2 exp-1 exp-0]" {
		t.Errorf("listed %v, want newest first", ids)
	}
}

func testExportClaim(t *testing.T, s order.ExportStore) {
	ctx := context.Background()
	if err := s.Create(ctx, newExport("exp-1", Epoch)); err != nil {
		t.Fatalf("create: %v", err)
	}
	_, err := s.Claim(ctx, "exp-9", Epoch, time.Minute)
	wantKind(t, err, order.NotFound, order.CodeNotFound)
	e, err := s.Claim(ctx, "exp-1", Epoch.Add(time.Second), 15*time.Minute)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	if e.Status != order.ExportRunning || e.Attempt != 1 || !e.LeaseUntil.Equal(Epoch.Add(time.Second+15*time.Minute)) {
		t.Fatalf("claimed = %+v", e)
	}
	// A redelivery while it runs.
	_, err = s.Claim(ctx, "exp-1", Epoch.Add(time.Minute), 15*time.Minute)
	wantKind(t, err, order.Conflict, order.CodeExportRunning)
	if err := s.Progress(ctx, "exp-1", 1, 1000); err != nil {
		t.Fatalf("progress: %v", err)
	}
	if got, _ := s.Get(ctx, "exp-1"); got.Rows != 1000 {
		t.Errorf("rows so far = %d, want 1000", got.Rows)
	}
	wantKind(t, s.Progress(ctx, "exp-1", 2, 5), order.Conflict, order.CodeExportRunning)
	r := order.ExportResult{Rows: 1234, File: "exports/exp-1/orders.csv", Manifest: "exports/exp-1/manifest.json", SHA256: "ab", Bytes: 99}
	if err := s.Finish(ctx, "exp-1", 1, r, Epoch.Add(2*time.Minute)); err != nil {
		t.Fatalf("finish: %v", err)
	}
	got, err := s.Get(ctx, "exp-1")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Status != order.ExportDone || got.Rows != 1234 || got.File != r.File || got.Manifest != r.Manifest || got.SHA256 != "ab" ||
		got.Bytes != 99 || !got.FinishedAt.Equal(Epoch.Add(2*time.Minute)) || !got.LeaseUntil.IsZero() {
		t.Errorf("finished = %+v", got)
	}
	// A redelivery after it finished, even long after: no second run.
	_, err = s.Claim(ctx, "exp-1", Epoch.Add(time.Hour), time.Minute)
	wantKind(t, err, order.Conflict, order.CodeExportFinished)
	wantKind(t, s.Fail(ctx, "exp-1", 1, "late", Epoch.Add(time.Hour)), order.Conflict, order.CodeExportRunning)
}

func testExportTakeover(t *testing.T, s order.ExportStore) {
	ctx := context.Background()
	if err := s.Create(ctx, newExport("exp-1", Epoch)); err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := s.Claim(ctx, "exp-1", Epoch, time.Minute); err != nil {
		t.Fatalf("claim: %v", err)
	}
	// The first worker died: once its lease is over, a redelivery takes over.
	e, err := s.Claim(ctx, "exp-1", Epoch.Add(time.Minute), time.Minute)
	if err != nil {
		t.Fatalf("take over: %v", err)
	}
	if e.Attempt != 2 {
		t.Errorf("attempt = %d, want 2", e.Attempt)
	}
	wantKind(t, s.Finish(ctx, "exp-1", 1, order.ExportResult{Rows: 1}, Epoch.Add(time.Minute)), order.Conflict, order.CodeExportRunning)
	if err := s.Fail(ctx, "exp-1", 2, "the upload failed", Epoch.Add(2*time.Minute)); err != nil {
		t.Fatalf("fail: %v", err)
	}
	got, err := s.Get(ctx, "exp-1")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Status != order.ExportFailed || got.Reason != "the upload failed" || got.File != "" {
		t.Errorf("failed = %+v", got)
	}
	_, err = s.Claim(ctx, "exp-1", Epoch.Add(time.Hour), time.Minute)
	wantKind(t, err, order.Conflict, order.CodeExportFinished)
}

func testExportConcurrentClaims(t *testing.T, s order.ExportStore) {
	ctx := context.Background()
	if err := s.Create(ctx, newExport("exp-1", Epoch)); err != nil {
		t.Fatalf("create: %v", err)
	}
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Claim(ctx, "exp-1", Epoch, time.Minute)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case order.CodeOf(err) != order.CodeExportRunning && order.CodeOf(err) != order.CodeVersionConflict:
			t.Errorf("a losing claim failed with %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d claims won, want exactly 1", won)
	}
}
