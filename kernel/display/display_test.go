package display

import (
	"strings"
	"testing"
)

type table struct{}

func (table) HTML() string   { return "<table></table>" }
func (table) JSON() any      { return []int{1} }
func (table) String() string { return "table" }

type data struct{}

func (data) JSON() any { return map[string]int{"a": 1} }

type bad struct{}

func (bad) SVG() string { panic("no picture") }

func TestRenderJSONPlacement(t *testing.T) {
	d := Render(table{})
	if _, ok := d.Bundle[JSONType]; ok {
		t.Errorf("JSON beside HTML sent as %s: %v", JSONType, d.Bundle)
	}
	if d.Bundle[JSONData] == nil || d.Bundle[TextHTML] != "<table></table>" || d.Bundle[TextPlain] != "table" {
		t.Errorf("bundle %v", d.Bundle)
	}
	d = Render(data{})
	if d.Bundle[JSONType] == nil || d.Bundle[JSONData] != nil {
		t.Errorf("JSON alone: %v", d.Bundle)
	}
}

func TestRenderPlainAndPanics(t *testing.T) {
	if got := Render("hi").Bundle[TextPlain]; got != `"hi"` {
		t.Errorf("string: %v", got)
	}
	if got := Render(3).Bundle[TextPlain]; got != "3" {
		t.Errorf("int: %v", got)
	}
	got, _ := Render(bad{}).Bundle[TextPlain].(string)
	if !strings.Contains(got, "panicked: no picture") {
		t.Errorf("panicking method: %q", got)
	}
	in := Data{Bundle: map[string]any{TextPlain: "x"}, ID: "id"}
	if out := Render(in); out.ID != "" || out.Bundle[TextPlain] != "x" {
		t.Errorf("Data passes through without its ID: %+v", out)
	}
}

type sinkRecorder struct {
	got []Data
	upd []bool
}

func (s *sinkRecorder) Display(d Data, update bool) {
	s.got = append(s.got, d)
	s.upd = append(s.upd, update)
}

func TestShowAndUpdate(t *testing.T) {
	Show("no sink: nothing happens")
	rec := &sinkRecorder{}
	old := SetSink(rec)
	defer SetSink(old)
	Show(HTML("<b>x</b>"))
	h := New(Markdown("0%"))
	h.Update(Markdown("100%"))
	if len(rec.got) != 3 || rec.got[0].ID != "" || rec.got[1].ID != h.ID() || rec.got[2].ID != h.ID() || h.ID() == "" {
		t.Fatalf("displays %+v", rec.got)
	}
	if rec.upd[0] || rec.upd[1] || !rec.upd[2] {
		t.Errorf("update flags %v", rec.upd)
	}
	if rec.got[2].Bundle[TextMarkdown] != "100%" {
		t.Errorf("update %v", rec.got[2].Bundle)
	}
}
