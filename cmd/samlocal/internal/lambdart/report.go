package lambdart

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// Report is what Lambda prints after each invoke: the REPORT line of
// CloudWatch Logs.
type Report struct {
	RequestID    string
	Duration     time.Duration // from the hand-over of the event to the response
	MemorySizeMB int           // the configured memory
	MaxMemoryMB  int           // the instance's peak resident set so far (VmHWM)
	InitDuration time.Duration // zero on a warm invoke
	Status       string        // "" on a normal end, "timeout" or "error" when the instance died
}

// BilledDuration is the duration rounded up to the next millisecond, as
// Lambda bills it.
func (r Report) BilledDuration() time.Duration {
	ms := math.Ceil(float64(r.Duration) / float64(time.Millisecond))
	if ms < 1 {
		ms = 1
	}
	return time.Duration(ms) * time.Millisecond
}

// Cold reports whether the invoke started a new instance.
func (r Report) Cold() bool { return r.InitDuration > 0 }

// String formats the report as the REPORT line CloudWatch shows, fields
// separated by tabs.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		r.RequestID, ms(r.Duration), r.BilledDuration().Milliseconds(), r.MemorySizeMB, r.MaxMemoryMB)
	if r.InitDuration > 0 {
		fmt.Fprintf(&b, "\tInit Duration: %.2f ms", ms(r.InitDuration))
	}
	if r.Status != "" {
		fmt.Fprintf(&b, "\tStatus: %s", r.Status)
	}
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// peakMemoryMB reads the peak resident set size (VmHWM) of a live process
// from /proc, in MB rounded up, as Lambda's "Max Memory Used" shows it.
func peakMemoryMB(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	return parseVmHWM(string(b))
}

// parseVmHWM extracts the VmHWM line ("VmHWM:	   12345 kB") of a
// /proc/<pid>/status text, in MB rounded up.
func parseVmHWM(status string) (int, bool) {
	for _, line := range strings.Split(status, "\n") {
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0, false
		}
		kb, err := strconv.Atoi(f[0])
		if err != nil {
			return 0, false
		}
		return kbToMB(int64(kb)), true
	}
	return 0, false
}

func kbToMB(kb int64) int { return int((kb + 1023) / 1024) }
