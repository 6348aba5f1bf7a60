// Package wire is the Jupyter messaging protocol's wire format (version 5.3):
// message headers, HMAC signing and the multipart frames that carry a message
// over a ZeroMQ socket.
//
// A message travels as
//
//	[identities..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers...]
//
// where the signature is the lowercase hex HMAC of the four JSON parts. This
// package only turns frames into messages and back; it knows nothing of
// sockets, so it is tested and fuzzed without them.
package wire

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"time"
)

// Version is the protocol version the kernel speaks and puts in every header.
const Version = "5.3"

// Delimiter separates the routing identities from the message proper.
const Delimiter = "<IDS|MSG>"

// dateLayout has six fractional digits: Go's RFC3339Nano has nine, which
// Python's datetime (and so jupyter_client) cannot parse.
const dateLayout = "2006-01-02T15:04:05.000000Z07:00"

// Header is a message header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one Jupyter message.
type Message struct {
	// Identities are the ROUTER routing frames; replies go back with the
	// request's identities. On IOPub the single frame is the topic.
	Identities [][]byte
	Header     Header
	// ParentHeader is kept as raw JSON so a reply echoes the request's
	// header exactly, fields unknown to us included. Empty means {}.
	ParentHeader json.RawMessage
	// Metadata is raw JSON; empty means {}.
	Metadata json.RawMessage
	// Content is raw JSON; empty means {}.
	Content json.RawMessage
	Buffers [][]byte

	rawHeader []byte // the header as received, for RawHeader
}

// RawHeader is the header as JSON: as received for a decoded message, so a
// reply's parent_header echoes every field the client sent.
func (m *Message) RawHeader() json.RawMessage {
	if m.rawHeader != nil {
		return m.rawHeader
	}
	b, _ := json.Marshal(m.Header) // a struct of strings always marshals
	return b
}

// Errors that Decode returns, wrapped with detail.
var (
	ErrNoDelimiter  = errors.New("no <IDS|MSG> delimiter")
	ErrShort        = errors.New("too few frames after the delimiter")
	ErrBadSignature = errors.New("bad signature")
	ErrBadHeader    = errors.New("bad header")
)

// A Signer signs and verifies messages with HMAC-SHA256. The zero value, or
// one made from an empty key, neither signs nor checks, as the protocol says
// for an empty key.
type Signer struct {
	key []byte
}

// NewSigner returns a signer for the connection file's key. Only the
// hmac-sha256 scheme is supported; an empty scheme means that one.
func NewSigner(scheme, key string) (*Signer, error) {
	if scheme != "" && scheme != "hmac-sha256" {
		return nil, fmt.Errorf("signature scheme %q not supported (only hmac-sha256)", scheme)
	}
	return &Signer{key: []byte(key)}, nil
}

func (s *Signer) mac() hash.Hash {
	if s == nil || len(s.key) == 0 {
		return nil
	}
	return hmac.New(sha256.New, s.key)
}

// Sign returns the hex signature of the four JSON parts, or "" without a key.
func (s *Signer) Sign(header, parent, metadata, content []byte) []byte {
	m := s.mac()
	if m == nil {
		return nil
	}
	for _, p := range [][]byte{header, parent, metadata, content} {
		m.Write(p)
	}
	sum := m.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// Verify reports whether sig is the signature of the parts, comparing in
// constant time. Without a key every message verifies.
func (s *Signer) Verify(sig, header, parent, metadata, content []byte) bool {
	want := s.Sign(header, parent, metadata, content)
	if want == nil {
		return true
	}
	return hmac.Equal(want, bytes.ToLower(sig))
}

// Decode parses and verifies the frames of one message. It never panics,
// whatever the input.
func Decode(frames [][]byte, s *Signer) (*Message, error) {
	d := -1
	for i, f := range frames {
		if string(f) == Delimiter {
			d = i
			break
		}
	}
	if d < 0 {
		return nil, ErrNoDelimiter
	}
	rest := frames[d+1:]
	if len(rest) < 5 {
		return nil, fmt.Errorf("%w: %d", ErrShort, len(rest))
	}
	sig, header, parent, metadata, content := rest[0], rest[1], rest[2], rest[3], rest[4]
	if !s.Verify(sig, header, parent, metadata, content) {
		return nil, ErrBadSignature
	}
	m := &Message{
		Identities:   frames[:d],
		ParentHeader: json.RawMessage(parent),
		Metadata:     json.RawMessage(metadata),
		Content:      json.RawMessage(content),
		Buffers:      rest[5:],
		rawHeader:    header,
	}
	if err := json.Unmarshal(header, &m.Header); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadHeader, err)
	}
	if m.Header.MsgType == "" {
		return nil, fmt.Errorf("%w: no msg_type", ErrBadHeader)
	}
	for _, part := range []struct {
		name string
		raw  json.RawMessage
	}{{"parent_header", m.ParentHeader}, {"metadata", m.Metadata}, {"content", m.Content}} {
		if len(part.raw) > 0 && !json.Valid(part.raw) {
			return nil, fmt.Errorf("%s is not JSON", part.name)
		}
	}
	return m, nil
}

// Encode returns the frames of m, signed with s.
func Encode(m *Message, s *Signer) ([][]byte, error) {
	header, err := json.Marshal(m.Header)
	if err != nil {
		return nil, fmt.Errorf("encode header: %w", err)
	}
	parent, metadata, content := orEmpty(m.ParentHeader), orEmpty(m.Metadata), orEmpty(m.Content)
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, []byte(Delimiter), s.Sign(header, parent, metadata, content),
		header, parent, metadata, content)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

func orEmpty(raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return []byte("{}")
	}
	return raw
}

// Now is the current time in the protocol's date format.
func Now() string { return time.Now().UTC().Format(dateLayout) }

// NewID returns a random message or session id.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ParseContent decodes a message's content into v.
func (m *Message) ParseContent(v any) error {
	if len(m.Content) == 0 {
		return nil
	}
	if err := json.Unmarshal(m.Content, v); err != nil {
		return fmt.Errorf("%s content: %w", m.Header.MsgType, err)
	}
	return nil
}
