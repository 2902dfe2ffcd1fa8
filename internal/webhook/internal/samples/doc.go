// Package samples builds the signed API Gateway events in events/intake from
// the webhook payloads in internal/webhook/testdata, so that the events stay
// byte-for-byte consistent with the payloads and the local dev secrets.
//
// It signs with its own few lines of HMAC code rather than the webhook
// package's: the test that verifies the events then checks two independent
// implementations against each other.
package samples
