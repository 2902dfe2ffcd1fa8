// Package onfailure is the on-failure queue of the stream consumers (the
// numbering and the outbox relay) and its replay.
//
// Two kinds of message reach such a queue, in one shape (Message): the
// record Lambda sends when a batch's retries are over or its records have
// expired (where the batch is in the stream: stream, shard, first and last
// sequence numbers), and the record a consumer sends for one stream record
// it acknowledged despite a permanent error (Queue, a
// consumer.SkipRecorder), the same with one sequence number, no shard, and
// why it was skipped. Neither holds the records themselves.
//
// Replayer re-drives a queue once the cause is fixed: it reads each
// message's records back from the stream (the shard found from the
// sequence number when the message names none), runs them through the
// consumer's own handler, and deletes the message when they all went
// through. A stream keeps its records 24 hours; older messages are kept
// and reported, and what they concern is caught by the sweeper (pending
// orders, unpublished outbox events).
package onfailure
