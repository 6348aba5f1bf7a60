package kernel

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"

	zmq "github.com/pebbe/zmq4"

	"github.com/golab/golab/kernel/display"
	"github.com/golab/golab/kernel/engine"
	"github.com/golab/golab/kernel/wire"
)

// handle serves one request: status busy, the handler's messages, status idle.
func (k *Kernel) handle(sock *zmq.Socket, channel string, msg *wire.Message) {
	k.publish(msg, "status", map[string]any{"execution_state": "busy"})
	defer k.publish(msg, "status", map[string]any{"execution_state": "idle"})

	switch t := msg.Header.MsgType; t {
	case "kernel_info_request":
		k.reply(sock, msg, "kernel_info_reply", k.kernelInfo())
	case "execute_request":
		k.execute(sock, msg)
	case "is_complete_request":
		k.isComplete(sock, msg)
	case "complete_request":
		k.complete(sock, msg)
	case "inspect_request":
		k.inspect(sock, msg)
	case "history_request":
		k.historyRequest(sock, msg)
	case "comm_info_request":
		k.reply(sock, msg, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
	case "comm_open":
		// No comm targets are registered: close it, as ipykernel does.
		var c struct {
			CommID     string `json:"comm_id"`
			TargetName string `json:"target_name"`
		}
		_ = msg.ParseContent(&c)
		k.log.Printf("comm_open for unknown target %q: closing it", c.TargetName)
		k.publish(msg, "comm_close", map[string]any{"comm_id": c.CommID, "data": map[string]any{}})
	case "comm_msg", "comm_close":
		// No comms are ever open.
	case "interrupt_request":
		// Raise SIGINT in our own process, as ipykernel does: the cell is
		// interrupted by the signal handler in Serve, and native code that
		// listens for SIGINT (lessons.Run) stops too, whichever way the
		// front end interrupts.
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			k.interrupt()
		}
		k.reply(sock, msg, "interrupt_reply", map[string]any{"status": "ok"})
	case "shutdown_request":
		var c struct {
			Restart bool `json:"restart"`
		}
		_ = msg.ParseContent(&c)
		content := map[string]any{"status": "ok", "restart": c.Restart}
		k.reply(sock, msg, "shutdown_reply", content)
		k.publish(msg, "shutdown_reply", content)
		k.shutdown()
	default:
		k.log.Printf("%s: unknown message type %q ignored", channel, t)
	}
}

func (k *Kernel) kernelInfo() map[string]any {
	return map[string]any{
		"status":                 "ok",
		"protocol_version":       wire.Version,
		"implementation":         "golab",
		"implementation_version": k.info.Version,
		"language_info": map[string]any{
			"name":            "go",
			"version":         k.info.LanguageVersion,
			"mimetype":        "text/x-go",
			"file_extension":  ".go",
			"pygments_lexer":  "go",
			"codemirror_mode": "go",
		},
		"banner":   k.info.Banner,
		"debugger": false,
		"help_links": []map[string]string{
			{"text": "Go documentation", "url": "https://go.dev/doc/"},
			{"text": "Go standard library", "url": "https://pkg.go.dev/std"},
		},
	}
}

type executeRequest struct {
	Code         string `json:"code"`
	Silent       bool   `json:"silent"`
	StoreHistory *bool  `json:"store_history"`
	AllowStdin   bool   `json:"allow_stdin"`
	StopOnError  *bool  `json:"stop_on_error"`
}

func (k *Kernel) execute(sock *zmq.Socket, msg *wire.Message) {
	var req executeRequest
	if err := msg.ParseContent(&req); err != nil {
		k.reply(sock, msg, "execute_reply", errorContent(k.count, &engine.Error{
			Name: "bad request", Value: err.Error(), Traceback: []string{err.Error()}}))
		return
	}
	store := !req.Silent && (req.StoreHistory == nil || *req.StoreHistory)
	k.mu.Lock()
	if store {
		k.count++
	}
	count := k.count
	ctx, cancel := context.WithCancel(context.Background())
	k.cancel = cancel
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		k.cancel = nil
		k.mu.Unlock()
		cancel()
	}()

	if !req.Silent {
		k.publish(msg, "execute_input", map[string]any{"code": req.Code, "execution_count": count})
	}
	r := engine.Request{Code: req.Code, Count: count, Silent: req.Silent}
	if req.AllowStdin {
		r.Input = k.input(msg)
	}
	res := k.interp.Execute(ctx, r, &output{k: k, parent: msg})

	var plain string
	if res.Value != nil && !req.Silent {
		data, metadata := bundle(*res.Value)
		k.publish(msg, "execute_result", map[string]any{
			"execution_count": count, "data": data, "metadata": metadata})
		plain, _ = data[display.TextPlain].(string)
	}
	if store {
		k.history.add(count, req.Code, plain)
	}
	if res.Err != nil {
		k.publish(msg, "error", map[string]any{
			"ename": res.Err.Name, "evalue": res.Err.Value, "traceback": traceback(res.Err)})
		k.reply(sock, msg, "execute_reply", errorContent(count, res.Err))
		if req.StopOnError == nil || *req.StopOnError {
			k.abortQueued(sock)
		}
		return
	}
	k.reply(sock, msg, "execute_reply", map[string]any{
		"status": "ok", "execution_count": count, "user_expressions": map[string]any{}, "payload": []any{}})
}

func traceback(e *engine.Error) []string {
	if e.Traceback != nil {
		return e.Traceback
	}
	return []string{e.Name + ": " + e.Value}
}

func errorContent(count int, e *engine.Error) map[string]any {
	return map[string]any{"status": "error", "execution_count": count,
		"ename": e.Name, "evalue": e.Value, "traceback": traceback(e)}
}

// abortWindow is how long after a failed cell the kernel keeps answering
// already-sent execute requests with "aborted" (stop_on_error).
const abortWindow = 50 * time.Millisecond

// abortQueued answers the execute requests queued behind a failed cell with
// status "aborted" instead of running them; other requests are served.
func (k *Kernel) abortQueued(sock *zmq.Socket) {
	poller := zmq.NewPoller()
	poller.Add(sock, zmq.POLLIN)
	deadline := time.Now().Add(abortWindow)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		polled, err := poller.Poll(left)
		if err != nil || len(polled) == 0 {
			return
		}
		frames, err := sock.RecvMessageBytes(0)
		if err != nil {
			return
		}
		msg, err := wire.Decode(frames, k.signer)
		if err != nil {
			k.log.Printf("shell: dropped a message: %v", err)
			continue
		}
		if msg.Header.MsgType != "execute_request" {
			k.handle(sock, "shell", msg)
			continue
		}
		k.publish(msg, "status", map[string]any{"execution_state": "busy"})
		k.mu.Lock()
		count := k.count
		k.mu.Unlock()
		k.reply(sock, msg, "execute_reply", map[string]any{"status": "aborted", "execution_count": count})
		k.publish(msg, "status", map[string]any{"execution_state": "idle"})
	}
}

// input returns the engine's way to ask the front end for a line of input:
// an input_request on stdin, answered by an input_reply.
func (k *Kernel) input(parent *wire.Message) func(ctx context.Context, prompt string, password bool) (string, error) {
	return func(ctx context.Context, prompt string, password bool) (string, error) {
		k.stdinMu.Lock()
		defer k.stdinMu.Unlock()
		k.reply(k.stdin, parent, "input_request", map[string]any{"prompt": prompt, "password": password})
		poller := zmq.NewPoller()
		poller.Add(k.stdin, zmq.POLLIN)
		for {
			if err := ctx.Err(); err != nil {
				return "", err
			}
			if k.stopping() {
				return "", errors.New("kernel shutting down")
			}
			polled, err := poller.Poll(pollInterval)
			if err != nil || len(polled) == 0 {
				continue
			}
			frames, err := k.stdin.RecvMessageBytes(0)
			if err != nil {
				continue
			}
			msg, err := wire.Decode(frames, k.signer)
			if err != nil {
				k.log.Printf("stdin: dropped a message: %v", err)
				continue
			}
			if msg.Header.MsgType != "input_reply" {
				k.log.Printf("stdin: unexpected %q ignored", msg.Header.MsgType)
				continue
			}
			var c struct {
				Value string `json:"value"`
			}
			if err := msg.ParseContent(&c); err != nil {
				return "", err
			}
			return c.Value, nil
		}
	}
}

func (k *Kernel) isComplete(sock *zmq.Socket, msg *wire.Message) {
	var c struct {
		Code string `json:"code"`
	}
	_ = msg.ParseContent(&c)
	r := k.interp.IsComplete(c.Code)
	content := map[string]any{"status": r.Status}
	if r.Status == "incomplete" {
		content["indent"] = r.Indent
	}
	k.reply(sock, msg, "is_complete_reply", content)
}

func (k *Kernel) complete(sock *zmq.Socket, msg *wire.Message) {
	var c struct {
		Code      string `json:"code"`
		CursorPos int    `json:"cursor_pos"`
	}
	_ = msg.ParseContent(&c)
	r := k.interp.Complete(c.Code, c.CursorPos)
	matches := r.Matches
	if matches == nil {
		matches = []string{}
	}
	k.reply(sock, msg, "complete_reply", map[string]any{"status": "ok", "matches": matches,
		"cursor_start": r.CursorStart, "cursor_end": r.CursorEnd, "metadata": map[string]any{}})
}

func (k *Kernel) inspect(sock *zmq.Socket, msg *wire.Message) {
	var c struct {
		Code        string `json:"code"`
		CursorPos   int    `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	_ = msg.ParseContent(&c)
	data, found := k.interp.Inspect(c.Code, c.CursorPos, c.DetailLevel)
	if data == nil {
		data = map[string]any{}
	}
	k.reply(sock, msg, "inspect_reply", map[string]any{"status": "ok", "found": found,
		"data": data, "metadata": map[string]any{}})
}

// output publishes what a cell emits, as messages parented to its request.
type output struct {
	k      *Kernel
	parent *wire.Message
}

func (o *output) Stream(name, text string) {
	o.k.publish(o.parent, "stream", map[string]any{"name": name, "text": text})
}

func (o *output) Clear(wait bool) {
	o.k.publish(o.parent, "clear_output", map[string]any{"wait": wait})
}

func (o *output) Display(d display.Data, update bool) {
	msgType := "display_data"
	if update {
		msgType = "update_display_data"
	}
	data, metadata := bundle(d)
	content := map[string]any{"data": data, "metadata": metadata}
	if d.ID != "" {
		content["transient"] = map[string]any{"display_id": d.ID}
	}
	o.k.publish(o.parent, msgType, content)
}
