// Package costmodel turns what the benchmarks measure per order (DynamoDB
// request units, Lambda invocations and their durations at each function's
// memory size, SQS requests, e-mails) into the AWS list-price cost of an
// order, term by term. cmd/costreport feeds it from `make bench`'s output;
// a new function adds its Stage there.
package costmodel

import (
	"fmt"
	"math"
	"sort"
)

// The list prices, in US dollars, of the Paris region (eu-west-3) for the
// resources an order uses, read on PricesDate from the AWS pricing pages.
// Free tiers are left out: the cost is that of one more order.
const (
	PricesRegion = "eu-west-3"
	PricesDate   = "2026-12-03"

	// DynamoDB on-demand, Standard table class.
	DynamoDBWriteRequestUnitUSD = 0.7338 / 1e6 // per write request unit
	DynamoDBReadRequestUnitUSD  = 0.1468 / 1e6 // per read request unit

	// Lambda on arm64 (Graviton), first duration tier.
	LambdaGBSecondUSD = 0.0000133334 // per GB-second
	LambdaRequestUSD  = 0.20 / 1e6   // per invocation

	// SQS standard queues, first tier; each 64 KiB of a request counts as one.
	SQSRequestUSD = 0.40 / 1e6

	// SES outbound e-mail.
	SESEmailUSD = 0.10 / 1000
)

// Stage is what one step of an order's path uses per order: a Lambda
// function's invocations and, across them, the other resources.
type Stage struct {
	Name        string  // "intake", "numbering", ...
	MemoryMB    int     // the function's MemorySize
	Invocations float64 // Lambda invocations per order
	DurationMs  float64 // duration of one invocation; Lambda bills it rounded up to the millisecond
	WriteUnits  float64 // DynamoDB write request units per order
	ReadUnits   float64 // DynamoDB read request units per order
	SQSRequests float64 // SQS requests per order, sent and received
	Emails      float64 // e-mails sent per order
}

// Term is one line of the cost of an order: a resource of a stage.
type Term struct {
	Stage    string
	Resource string  // "Lambda duration", "DynamoDB writes", ...
	USD      float64 // per order
}

// Breakdown is the cost of an order, term by term, the biggest first.
type Breakdown struct {
	Terms []Term
}

// Cost prices stages at the list prices above. It refuses a stage with a
// negative quantity or with invocations but no memory size.
func Cost(stages []Stage) (Breakdown, error) {
	var b Breakdown
	for _, s := range stages {
		for _, q := range []float64{s.Invocations, s.DurationMs, s.WriteUnits, s.ReadUnits, s.SQSRequests, s.Emails} {
			if q < 0 || math.IsNaN(q) || math.IsInf(q, 0) {
				return Breakdown{}, fmt.Errorf("cost of %s: a quantity is %v", s.Name, q)
			}
		}
		if s.Invocations > 0 && s.MemoryMB <= 0 {
			return Breakdown{}, fmt.Errorf("cost of %s: invocations without a memory size", s.Name)
		}
		gbSeconds := s.Invocations * float64(s.MemoryMB) / 1024 * math.Ceil(s.DurationMs) / 1000
		for _, t := range []Term{
			{s.Name, "Lambda duration", gbSeconds * LambdaGBSecondUSD},
			{s.Name, "Lambda requests", s.Invocations * LambdaRequestUSD},
			{s.Name, "DynamoDB writes", s.WriteUnits * DynamoDBWriteRequestUnitUSD},
			{s.Name, "DynamoDB reads", s.ReadUnits * DynamoDBReadRequestUnitUSD},
			{s.Name, "SQS requests", s.SQSRequests * SQSRequestUSD},
			{s.Name, "SES e-mails", s.Emails * SESEmailUSD},
		} {
			if t.USD > 0 {
				b.Terms = append(b.Terms, t)
			}
		}
	}
	sort.SliceStable(b.Terms, func(i, j int) bool { return b.Terms[i].USD > b.Terms[j].USD })
	return b, nil
}

// PerOrder is the cost of one order in US dollars.
func (b Breakdown) PerOrder() float64 {
	var sum float64
	for _, t := range b.Terms {
		sum += t.USD
	}
	return sum
}

// Per1000 is the cost of 1,000 orders in US dollars.
func (b Breakdown) Per1000() float64 { return 1000 * b.PerOrder() }

// Biggest is the costliest term; the zero Term when there is none.
func (b Breakdown) Biggest() Term {
	if len(b.Terms) == 0 {
		return Term{}
	}
	return b.Terms[0]
}
