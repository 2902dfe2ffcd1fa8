package costmodel

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12+1e-9*math.Abs(b) }

func TestCost(t *testing.T) {
	tests := []struct {
		name        string
		stages      []Stage
		wantPer1000 float64
		wantBiggest Term
		wantErr     bool
	}{
		{name: "nothing", stages: nil, wantPer1000: 0},
		{
			// 256 MB for 10 ms: 0.0025 GB-s; 0.9 ms bills as 1 ms.
			name:        "one function",
			stages:      []Stage{{Name: "intake", MemoryMB: 256, Invocations: 1, DurationMs: 9.2, WriteUnits: 2, ReadUnits: 1}},
			wantPer1000: 1000 * (0.0025*LambdaGBSecondUSD + LambdaRequestUSD + 2*DynamoDBWriteRequestUnitUSD + DynamoDBReadRequestUnitUSD),
			wantBiggest: Term{"intake", "DynamoDB writes", 2 * DynamoDBWriteRequestUnitUSD},
		},
		{
			name: "e-mails dominate",
			stages: []Stage{
				{Name: "relay", MemoryMB: 128, Invocations: 1, DurationMs: 0.9, SQSRequests: 2},
				{Name: "notifier", MemoryMB: 512, Invocations: 1, DurationMs: 20, WriteUnits: 2, ReadUnits: 0.5, SQSRequests: 2, Emails: 1},
			},
			wantPer1000: 1000 * (0.125*0.001*LambdaGBSecondUSD + LambdaRequestUSD + 2*SQSRequestUSD +
				0.5*0.02*LambdaGBSecondUSD + LambdaRequestUSD + 2*DynamoDBWriteRequestUnitUSD + 0.5*DynamoDBReadRequestUnitUSD + 2*SQSRequestUSD + SESEmailUSD),
			wantBiggest: Term{"notifier", "SES e-mails", SESEmailUSD},
		},
		{name: "negative quantity", stages: []Stage{{Name: "x", MemoryMB: 128, Invocations: 1, WriteUnits: -1}}, wantErr: true},
		{name: "not a number", stages: []Stage{{Name: "x", MemoryMB: 128, Invocations: 1, DurationMs: math.NaN()}}, wantErr: true},
		{name: "no memory size", stages: []Stage{{Name: "x", Invocations: 1, DurationMs: 3}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Cost(tt.stages)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Cost = %+v, want an error", b)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !near(b.Per1000(), tt.wantPer1000) || !near(b.PerOrder()*1000, tt.wantPer1000) {
				t.Errorf("per 1,000 = %.9f, want %.9f", b.Per1000(), tt.wantPer1000)
			}
			if got := b.Biggest(); got.Stage != tt.wantBiggest.Stage || got.Resource != tt.wantBiggest.Resource || !near(got.USD, tt.wantBiggest.USD) {
				t.Errorf("biggest = %+v, want %+v", got, tt.wantBiggest)
			}
			for i := 1; i < len(b.Terms); i++ {
				if b.Terms[i].USD > b.Terms[i-1].USD {
					t.Errorf("terms out of order: %+v", b.Terms)
				}
			}
		})
	}
}

// A known input worked by hand: 1,000 orders through five stages.
func TestCostKnownPipeline(t *testing.T) {
	stages := []Stage{
		{Name: "intake", MemoryMB: 256, Invocations: 1, DurationMs: 12, WriteUnits: 2},
		{Name: "numbering", MemoryMB: 256, Invocations: 1, DurationMs: 8, WriteUnits: 14, ReadUnits: 1},
		{Name: "relay", MemoryMB: 256, Invocations: 1, DurationMs: 6, SQSRequests: 2},
		{Name: "notifier", MemoryMB: 256, Invocations: 1, DurationMs: 30, WriteUnits: 2, ReadUnits: 1, SQSRequests: 2, Emails: 1},
		{Name: "stock", MemoryMB: 256, Invocations: 1, DurationMs: 10, WriteUnits: 6, ReadUnits: 1, SQSRequests: 2},
	}
	b, err := Cost(stages)
	if err != nil {
		t.Fatal(err)
	}
	// 66 ms at 0.25 GB: 0.0165 GB-s; 5 invocations; 24 WRU; 3 RRU; 6 SQS
	// requests; 1 e-mail.
	want := 0.0165*0.0000133334 + 5*0.20/1e6 + 24*0.7338/1e6 + 3*0.1468/1e6 + 6*0.40/1e6 + 0.10/1000
	if !near(b.PerOrder(), want) {
		t.Errorf("per order = %.12f, want %.12f", b.PerOrder(), want)
	}
	if got := b.Biggest(); got.Resource != "SES e-mails" {
		t.Errorf("biggest = %+v, want the e-mail", got)
	}
}
