// Command initfail is a conformance fixture: it exits during init, before
// asking for its first event, as a function whose configuration is broken.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, `{"level":"ERROR","msg":"missing TABLE_NAME"}`)
	os.Exit(3)
}
