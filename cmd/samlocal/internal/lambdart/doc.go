// Package lambdart runs Lambda function bootstraps locally as Lambda does.
//
// Each execution environment ("instance") is one child process with its own
// Runtime API endpoint (/2018-06-01/runtime/...) served on a loopback port, so
// an unmodified lambda.Start reaches its first invoke exactly as in the cloud.
// A Pool keeps instances warm, starts more for concurrent invokes up to a cap,
// enforces the function timeout by killing the instance, replaces instances
// that exit (a panic, os.Exit), and writes START/END/REPORT lines as
// CloudWatch shows them.
package lambdart
