// Command hello is the hello-world Lambda the benchmarks compare every
// function with: the smallest program lambda.Start can run.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "Hello, world!", nil })
}
