package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func testMessage() *Message {
	return &Message{
		Identities: [][]byte{[]byte("client-1")},
		Header: Header{MsgID: "m1", Session: "s1", Username: "u", Date: Now(),
			MsgType: "execute_request", Version: Version},
		ParentHeader: json.RawMessage(`{}`),
		Metadata:     json.RawMessage(`{}`),
		Content:      json.RawMessage(`{"code":"1+1"}`),
		Buffers:      [][]byte{[]byte("buf")},
	}
}

func TestRoundTrip(t *testing.T) {
	s, err := NewSigner("hmac-sha256", "secret")
	if err != nil {
		t.Fatal(err)
	}
	frames, err := Encode(testMessage(), s)
	if err != nil {
		t.Fatal(err)
	}
	if string(frames[0]) != "client-1" || string(frames[1]) != Delimiter {
		t.Fatalf("frames start %q %q", frames[0], frames[1])
	}
	m, err := Decode(frames, s)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.MsgType != "execute_request" || string(m.Content) != `{"code":"1+1"}` ||
		len(m.Buffers) != 1 || string(m.Identities[0]) != "client-1" {
		t.Fatalf("decoded %+v", m)
	}
}

// The signature is the HMAC-SHA256 of the four parts, as Python's
// hmac.new(key, digestmod=sha256) computes it over them in order.
func TestSignKnownVector(t *testing.T) {
	s, _ := NewSigner("hmac-sha256", "key")
	got := string(s.Sign([]byte("a"), []byte("b"), []byte("c"), []byte("d")))
	// python3 -c 'import hmac,hashlib;print(hmac.new(b"key",b"abcd",hashlib.sha256).hexdigest())'
	const want = "2a31ec0ee8d878c9eece9fb0df79b3b90b2256240163aa5ee50d176d3d1121f8"
	if got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if !s.Verify([]byte(strings.ToUpper(want)), []byte("a"), []byte("b"), []byte("c"), []byte("d")) {
		t.Fatal("upper-case hex signature rejected")
	}
}

func TestBadSignature(t *testing.T) {
	s, _ := NewSigner("hmac-sha256", "secret")
	frames, _ := Encode(testMessage(), s)
	frames[2] = bytes.Repeat([]byte("0"), 64)
	if _, err := Decode(frames, s); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("got %v, want bad signature", err)
	}
	other, _ := NewSigner("", "other")
	frames, _ = Encode(testMessage(), other)
	if _, err := Decode(frames, s); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("wrong key: got %v", err)
	}
}

func TestEmptyKeyDoesNotSign(t *testing.T) {
	s, _ := NewSigner("hmac-sha256", "")
	frames, _ := Encode(testMessage(), s)
	if len(frames[2]) != 0 {
		t.Fatalf("signature %q with empty key", frames[2])
	}
	if _, err := Decode(frames, s); err != nil {
		t.Fatal(err)
	}
}

func TestUnsupportedScheme(t *testing.T) {
	if _, err := NewSigner("hmac-md5", "k"); err == nil {
		t.Fatal("hmac-md5 accepted")
	}
}

func TestMalformed(t *testing.T) {
	s, _ := NewSigner("", "")
	cases := map[string][][]byte{
		"no delimiter": {[]byte("a"), []byte("b")},
		"short":        {[]byte(Delimiter), []byte(""), []byte("{}")},
		"bad header":   {[]byte(Delimiter), nil, []byte("{"), []byte("{}"), []byte("{}"), []byte("{}")},
		"no type":      {[]byte(Delimiter), nil, []byte(`{"msg_id":"x"}`), []byte("{}"), []byte("{}"), []byte("{}")},
		"bad content":  {[]byte(Delimiter), nil, []byte(`{"msg_type":"x"}`), []byte("{}"), []byte("{}"), []byte("{")},
	}
	for name, frames := range cases {
		if _, err := Decode(frames, s); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestDateHasSixFractionalDigits(t *testing.T) {
	d := Now()
	dot := strings.IndexByte(d, '.')
	if dot < 0 || !strings.HasSuffix(d, "Z") || len(d)-dot-2 != 6 {
		t.Fatalf("date %q", d)
	}
	if _, err := time.Parse(time.RFC3339Nano, d); err != nil {
		t.Fatal(err)
	}
}

func FuzzDecode(f *testing.F) {
	s, _ := NewSigner("hmac-sha256", "k")
	frames, _ := Encode(testMessage(), s)
	f.Add(bytes.Join(frames, []byte{0}), true)
	f.Add([]byte("<IDS|MSG>\x00\x00{}\x00{}\x00{}\x00{}"), false)
	f.Fuzz(func(t *testing.T, data []byte, signed bool) {
		signer := s
		if !signed {
			signer = nil
		}
		m, err := Decode(bytes.Split(data, []byte{0}), signer)
		if err == nil {
			if m.Header.MsgType == "" {
				t.Fatal("decoded a message without a type")
			}
			if _, err := Encode(m, signer); err != nil {
				t.Fatal(err)
			}
		}
	})
}
