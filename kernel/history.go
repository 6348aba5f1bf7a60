package kernel

import (
	"path"
	"sync"

	zmq "github.com/pebbe/zmq4"

	"github.com/golab/golab/kernel/wire"
)

// historySession is the session number history entries carry. History is
// kept for the life of the kernel process, which is one session.
const historySession = 1

// history is the kernel's record of executed cells, for history_request.
type history struct {
	mu      sync.Mutex
	entries []historyEntry
}

type historyEntry struct {
	line          int
	input, output string
}

func (h *history) add(line int, input, output string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, historyEntry{line, input, output})
}

// historyQuery is the content of a history_request.
type historyQuery struct {
	Output     bool   `json:"output"`
	Raw        bool   `json:"raw"`
	AccessType string `json:"hist_access_type"`
	Session    int    `json:"session"`
	Start      int    `json:"start"`
	Stop       int    `json:"stop"`
	N          int    `json:"n"`
	Pattern    string `json:"pattern"`
	Unique     bool   `json:"unique"`
}

// find returns the entries the query asks for, oldest first.
func (h *history) find(q historyQuery) []historyEntry {
	h.mu.Lock()
	all := append([]historyEntry(nil), h.entries...)
	h.mu.Unlock()
	var out []historyEntry
	switch q.AccessType {
	case "range":
		if q.Session < 0 { // earlier sessions: none are kept
			return nil
		}
		for _, e := range all {
			if e.line >= q.Start && (q.Stop <= 0 || e.line < q.Stop) {
				out = append(out, e)
			}
		}
	case "search":
		seen := map[string]bool{}
		for i := len(all) - 1; i >= 0; i-- {
			e := all[i]
			if ok, _ := path.Match(q.Pattern, e.input); !ok {
				continue
			}
			if q.Unique && seen[e.input] {
				continue
			}
			seen[e.input] = true
			out = append([]historyEntry{e}, out...)
			if q.N > 0 && len(out) == q.N {
				break
			}
		}
	default: // "tail"
		out = all
		if q.N > 0 && len(out) > q.N {
			out = out[len(out)-q.N:]
		}
	}
	return out
}

func (k *Kernel) historyRequest(sock *zmq.Socket, msg *wire.Message) {
	var q historyQuery
	_ = msg.ParseContent(&q)
	items := []any{}
	for _, e := range k.history.find(q) {
		var v any = e.input
		if q.Output {
			var out any
			if e.output != "" {
				out = e.output
			}
			v = []any{e.input, out}
		}
		items = append(items, []any{historySession, e.line, v})
	}
	k.reply(sock, msg, "history_reply", map[string]any{"status": "ok", "history": items})
}
