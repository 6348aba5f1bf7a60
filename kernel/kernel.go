// Package kernel is the Jupyter side of golab: it binds the five ZeroMQ
// sockets named in a connection file, speaks the Jupyter messaging protocol
// 5.3 on them, and hands the work to an Interpreter.
//
// The kernel knows nothing of Go cells; the Interpreter (package engine)
// knows nothing of ZeroMQ. A request flows one way: socket -> handler ->
// Interpreter -> Output -> IOPub. Shell requests are served one at a time on
// one goroutine; control requests (interrupt, shutdown) on another, so they
// are answered while a cell runs; the heartbeat echoes on a third.
package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	zmq "github.com/pebbe/zmq4"

	"github.com/golab/golab/kernel/display"
	"github.com/golab/golab/kernel/engine"
	"github.com/golab/golab/kernel/wire"
)

// Interpreter runs cells and answers questions about code. engine.Session is
// the one golab uses.
type Interpreter interface {
	Execute(ctx context.Context, req engine.Request, out engine.Output) engine.Result
	IsComplete(code string) engine.Completeness
	Complete(code string, cursor int) engine.Completion
	Inspect(code string, cursor, detail int) (data map[string]any, found bool)
}

// Info describes the kernel in kernel_info_reply.
type Info struct {
	Version         string // golab's version
	LanguageVersion string // Go's version, e.g. "1.26.8"
	Banner          string
}

// Options configure Serve.
type Options struct {
	Info Info
	// Log receives the kernel's own diagnostics (bad signatures, unknown
	// messages); nil means standard error.
	Log io.Writer
}

// pollInterval bounds how long the stdin wait sleeps before it checks
// whether the cell was interrupted. It adds no latency to messages.
const pollInterval = 100 * time.Millisecond

// The socket loops block in libzmq without a timeout: a goroutine that wakes
// up only to call back into C costs the Go scheduler its P for up to a
// sysmon tick, which at GOMAXPROCS=1 stole a fifth of the CPU from the
// experiments a cell times. Shutdown wakes them through these inproc pairs.
var loops = []string{"shell", "control", "heartbeat"}

// Kernel is one running kernel process's protocol state.
type Kernel struct {
	conn    *Connection
	interp  Interpreter
	signer  *wire.Signer
	session string
	info    Info
	log     *log.Logger

	zctx                             *zmq.Context
	shell, control, stdin, iopub, hb *zmq.Socket
	iopubMu, stdinMu                 sync.Mutex

	// wake[loop] receives one message at shutdown; wakeSend[loop] sends it.
	wake, wakeSend map[string]*zmq.Socket
	wakeMu         sync.Mutex

	mu      sync.Mutex
	cancel  context.CancelFunc // interrupts the running cell; nil when idle
	count   int                // execution_count
	history history

	stop     chan struct{} // closed when shutdown is requested
	stopOnce sync.Once
}

// Serve runs a kernel on conn until a shutdown_request arrives or ctx is
// cancelled. It returns nil after a requested shutdown.
func Serve(ctx context.Context, conn *Connection, interp Interpreter, opts Options) (err error) {
	signer, err := wire.NewSigner(conn.SignatureScheme, conn.Key)
	if err != nil {
		return fmt.Errorf("connection: %w", err)
	}
	logw := opts.Log
	if logw == nil {
		logw = os.Stderr
	}
	k := &Kernel{
		conn:    conn,
		interp:  interp,
		signer:  signer,
		session: wire.NewID(),
		info:    opts.Info,
		log:     log.New(logw, "golab: ", log.LstdFlags),
		stop:    make(chan struct{}),
	}
	if err := k.bind(); err != nil {
		k.close()
		return err
	}
	defer k.close()

	// jupyter_client sends SIGINT to interrupt (and at the start of every
	// shutdown): it interrupts the running cell and never kills the kernel.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); k.serve(k.shell, "shell") }()
	go func() { defer wg.Done(); k.serve(k.control, "control") }()
	go func() { defer wg.Done(); k.heartbeat() }()

	k.publish(nil, "status", map[string]any{"execution_state": "starting"})
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGTERM {
				k.shutdown()
				continue
			}
			k.interrupt()
		case <-ctx.Done():
			k.shutdown()
		case <-k.stop:
			k.interrupt()
			// The shell goroutine may be inside a native call that cannot
			// be cancelled; don't wait for it forever.
			waitTimeout(&wg, 2*time.Second)
			return nil
		}
	}
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

func (k *Kernel) bind() error {
	zctx, err := zmq.NewContext()
	if err != nil {
		return fmt.Errorf("zmq context: %w", err)
	}
	k.zctx = zctx
	for _, s := range []struct {
		sock *(*zmq.Socket)
		typ  zmq.Type
		port int
		name string
	}{
		{&k.shell, zmq.ROUTER, k.conn.ShellPort, "shell"},
		{&k.control, zmq.ROUTER, k.conn.ControlPort, "control"},
		{&k.stdin, zmq.ROUTER, k.conn.StdinPort, "stdin"},
		{&k.iopub, zmq.PUB, k.conn.IOPubPort, "iopub"},
		{&k.hb, zmq.REP, k.conn.HBPort, "heartbeat"},
	} {
		sock, err := zctx.NewSocket(s.typ)
		if err != nil {
			return fmt.Errorf("%s socket: %w", s.name, err)
		}
		// Queued output is still delivered for a second after close, so a
		// shutdown does not lose what the last cell printed.
		_ = sock.SetLinger(time.Second)
		if err := sock.Bind(k.conn.endpoint(s.port)); err != nil {
			sock.Close()
			return fmt.Errorf("bind %s to %s: %w", s.name, k.conn.endpoint(s.port), err)
		}
		*s.sock = sock
	}
	k.wake, k.wakeSend = map[string]*zmq.Socket{}, map[string]*zmq.Socket{}
	for _, loop := range loops {
		addr := "inproc://golab-wake-" + loop
		r, err := zctx.NewSocket(zmq.PAIR)
		if err == nil {
			k.wake[loop] = r
			err = r.Bind(addr)
		}
		var w *zmq.Socket
		if err == nil {
			w, err = zctx.NewSocket(zmq.PAIR)
		}
		if err == nil {
			k.wakeSend[loop] = w
			err = w.Connect(addr)
		}
		if err != nil {
			return fmt.Errorf("wake socket for %s: %w", loop, err)
		}
	}
	return nil
}

func (k *Kernel) close() {
	socks := []*zmq.Socket{k.shell, k.control, k.stdin, k.iopub, k.hb}
	for _, loop := range loops {
		socks = append(socks, k.wake[loop], k.wakeSend[loop])
	}
	for _, s := range socks {
		if s != nil {
			s.Close()
		}
	}
	if k.zctx != nil {
		_ = k.zctx.Term()
	}
}

func (k *Kernel) stopping() bool {
	select {
	case <-k.stop:
		return true
	default:
		return false
	}
}

// shutdown ends Serve; the running cell, if any, is interrupted.
func (k *Kernel) shutdown() {
	k.stopOnce.Do(func() {
		close(k.stop)
		k.wakeMu.Lock()
		defer k.wakeMu.Unlock()
		for _, w := range k.wakeSend {
			_, _ = w.Send("stop", zmq.DONTWAIT)
		}
	})
}

// waitFor blocks until sock has a message to read; it reports false when
// the kernel is shutting down.
func (k *Kernel) waitFor(poller *zmq.Poller) bool {
	for !k.stopping() {
		polled, err := poller.Poll(-1)
		if err != nil {
			if errors.Is(err, zmq.ETERM) {
				return false
			}
			continue // EINTR from a signal
		}
		for _, p := range polled {
			if p.Events&zmq.POLLIN == 0 {
				continue
			}
			for _, w := range k.wake {
				if p.Socket == w {
					return false
				}
			}
			return true
		}
	}
	return false
}

// interrupt cancels the running cell, if any.
func (k *Kernel) interrupt() {
	k.mu.Lock()
	cancel := k.cancel
	k.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// serve reads requests from a ROUTER socket and handles them in turn.
func (k *Kernel) serve(sock *zmq.Socket, channel string) {
	poller := zmq.NewPoller()
	poller.Add(sock, zmq.POLLIN)
	poller.Add(k.wake[channel], zmq.POLLIN)
	for k.waitFor(poller) {
		frames, err := sock.RecvMessageBytes(zmq.DONTWAIT)
		if err != nil {
			continue
		}
		msg, err := wire.Decode(frames, k.signer)
		if err != nil {
			k.log.Printf("%s: dropped a message: %v", channel, err)
			continue
		}
		k.handle(sock, channel, msg)
	}
}

func (k *Kernel) heartbeat() {
	poller := zmq.NewPoller()
	poller.Add(k.hb, zmq.POLLIN)
	poller.Add(k.wake["heartbeat"], zmq.POLLIN)
	for k.waitFor(poller) {
		ping, err := k.hb.RecvMessageBytes(zmq.DONTWAIT)
		if err != nil {
			continue
		}
		_, _ = k.hb.SendMessage(ping)
	}
}

// message builds a message of msgType in reply to (or caused by) parent.
func (k *Kernel) message(parent *wire.Message, msgType string, content any) (*wire.Message, error) {
	body, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", msgType, err)
	}
	m := &wire.Message{
		Header: wire.Header{MsgID: wire.NewID(), Session: k.session, Date: wire.Now(),
			MsgType: msgType, Version: wire.Version, Username: "golab"},
		Content: body,
	}
	if parent != nil {
		m.ParentHeader = parent.RawHeader()
		if parent.Header.Username != "" {
			m.Header.Username = parent.Header.Username
		}
	}
	return m, nil
}

func (k *Kernel) sendOn(sock *zmq.Socket, m *wire.Message) {
	frames, err := wire.Encode(m, k.signer)
	if err == nil {
		_, err = sock.SendMessage(frames)
	}
	if err != nil {
		k.log.Printf("send %s: %v", m.Header.MsgType, err)
	}
}

// reply answers parent on the socket it came from.
func (k *Kernel) reply(sock *zmq.Socket, parent *wire.Message, msgType string, content any) {
	m, err := k.message(parent, msgType, content)
	if err != nil {
		k.log.Print(err)
		return
	}
	m.Identities = parent.Identities
	k.sendOn(sock, m)
}

// publish sends a message on IOPub. It is safe from any goroutine.
func (k *Kernel) publish(parent *wire.Message, msgType string, content any) {
	m, err := k.message(parent, msgType, content)
	if err != nil {
		k.log.Print(err)
		return
	}
	m.Identities = [][]byte{[]byte("kernel." + k.session + "." + msgType)}
	k.iopubMu.Lock()
	defer k.iopubMu.Unlock()
	k.sendOn(k.iopub, m)
}

// bundle is the data and metadata of a display message.
func bundle(d display.Data) (data, metadata map[string]any) {
	metadata = d.Metadata
	if metadata == nil {
		metadata = map[string]any{}
	}
	return d.Bundle, metadata
}
