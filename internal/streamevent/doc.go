// Package streamevent holds the shapes Lambda gives DynamoDB stream records:
// the event a stream mapping sends a function (built here from records
// read with the DynamoDB Streams API, as the local runtime's poller and the
// on-failure replay read them) and the record a mapping sends to its
// on-failure destination.
package streamevent
