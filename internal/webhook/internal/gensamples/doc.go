// Command gensamples writes the signed webhook sample events into
// events/intake from internal/webhook/testdata/samples.json and the local
// dev secrets. Run it with `go generate ./internal/webhook`.
package main
