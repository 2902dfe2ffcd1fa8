// Package localawstest gives integration tests their own resources in the
// local emulators: a fresh DynamoDB table with the real OrdersTable schema
// (read from template.yaml), SQS queues with or without a dead-letter queue,
// S3 buckets, and the e-mails moto's SES captured.
//
// Each resource is named after the test plus a random suffix, so tests and
// packages run in parallel on the shared stack without seeing each other's
// data, and is deleted when the test ends. Every helper fails the test, with a
// message naming `make stack-up`, when the emulators do not answer: an
// integration test never skips.
//
// E-mails cannot be isolated by resource, since moto keeps one outbox: a
// test sends to an address of its own (Recipient) and reads back only the
// mails to that address (SentEmailsTo, WaitForEmails).
package localawstest
