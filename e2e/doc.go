// Package e2e holds the end-to-end tests: the real bootstrap binaries of the
// functions, run by the local runtime (cmd/samlocal) behind its API Gateway
// emulation, against the local emulators. The tests speak HTTP to the API
// and read the emulators back (table, queues, mail sink) as a user would.
//
// The suite provisions and uses the "test" stage, so it never competes with
// a `make dev` session (stage "dev") for the same queues.
package e2e
