package lambdart

import (
	"bytes"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// syncWriter serializes whole lines from many instances onto one writer so
// that the lines of concurrent functions never interleave mid-line.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) writeLine(line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.w.Write(line) // logs are best effort: a closed terminal must not stop the function
}

// tailBytes is how much of an invoke's log X-Amz-Log-Type: Tail returns.
const tailBytes = 4096

// logSink is where one instance's lines go: prefixed with the function name
// onto the shared writer, and into a capture buffer while an invoke asks
// for its log tail.
type logSink struct {
	out    *syncWriter
	prefix string

	mu      sync.Mutex
	capture *bytes.Buffer
}

func newLogSink(out *syncWriter, prefix string) *logSink {
	return &logSink{out: out, prefix: prefix}
}

// emit forwards one complete line (with its newline).
func (s *logSink) emit(line []byte) {
	s.mu.Lock()
	if s.capture != nil {
		s.capture.Write(line)
	}
	s.mu.Unlock()
	buf := make([]byte, 0, len(s.prefix)+len(line))
	buf = append(buf, s.prefix...)
	buf = append(buf, line...)
	s.out.writeLine(buf)
}

// Line writes one line of the runtime's own (START, END, REPORT).
func (s *logSink) Line(text string) { s.emit([]byte(text + "\n")) }

// startCapture begins collecting lines for an invoke's log tail.
func (s *logSink) startCapture() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.capture = new(bytes.Buffer)
}

// stopCapture returns the last tailBytes of the collected lines.
func (s *logSink) stopCapture() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.capture == nil {
		return nil
	}
	b := s.capture.Bytes()
	s.capture = nil
	if len(b) > tailBytes {
		b = b[len(b)-tailBytes:]
	}
	return b
}

// outputPipe carries one of the child's output streams (stdout or stderr)
// into a logSink, line by line.
//
// It reads the pipe itself rather than through exec's copier so that drain
// can tell when every byte the child wrote so far has been forwarded: the
// function's log lines must appear before the END and REPORT lines of the
// invoke that wrote them, as in CloudWatch.
type outputPipe struct {
	r, w    *os.File
	sink    *logSink
	busy    sync.Mutex // held while bytes taken from the pipe are not yet forwarded
	partial []byte
	done    chan struct{}
}

func newOutputPipe(sink *logSink) (*outputPipe, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	return &outputPipe{r: r, w: w, sink: sink, done: make(chan struct{})}, nil
}

// run forwards lines until every writer of the pipe has closed it.
func (o *outputPipe) run() {
	defer close(o.done)
	defer o.r.Close()
	rc, err := o.r.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 64*1024)
	for {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			o.busy.Lock()
			defer o.busy.Unlock()
			n, rerr = syscall.Read(int(fd), buf)
			if n > 0 {
				o.split(buf[:n])
			}
			return rerr != syscall.EAGAIN // false: wait until readable
		})
		if err != nil || rerr != nil || n == 0 { // n == 0 without error is EOF
			break
		}
	}
	o.busy.Lock()
	defer o.busy.Unlock()
	if len(o.partial) > 0 {
		o.sink.emit(append(o.partial, '\n'))
		o.partial = nil
	}
}

func (o *outputPipe) split(p []byte) {
	o.partial = append(o.partial, p...)
	for {
		i := bytes.IndexByte(o.partial, '\n')
		if i < 0 {
			return
		}
		o.sink.emit(o.partial[:i+1])
		o.partial = o.partial[i+1:]
	}
	// a trailing partial line waits for its newline or the end of the stream
}

// drain waits (briefly) until the pipe holds no unread bytes and none read
// are still being forwarded.
func (o *outputPipe) drain() {
	rc, err := o.r.SyscallConn()
	if err != nil {
		return
	}
	for i := 0; i < 100; i++ {
		o.busy.Lock()
		var pending int32
		ctlErr := rc.Control(func(fd uintptr) {
			_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&pending)))
			if errno != 0 {
				pending = 0
			}
		})
		o.busy.Unlock()
		if ctlErr != nil || pending == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
