package lessons

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
	"time"
)

// taskColors is the Tableau 10 palette: distinct hues of middle lightness
// that stay distinguishable on the figure's light and dark backgrounds and
// carry dark labels.
var taskColors = []string{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"}

const otherColor = "#8b949e"

// Figure geometry, in pixels.
const (
	svgWidth   = 960
	svgLeft    = 64
	svgRight   = 24
	plotWidth  = svgWidth - svgLeft - svgRight
	laneHeight = 22
	laneGap    = 4
)

// SVG draws the timelines: for each setting a block of lanes, one per P
// (P0, P1, …), with the tasks' slices coloured and labelled by task, other
// goroutines in grey, idle time as the bare lane; a time axis shared by all
// blocks so their lengths compare; a legend; and each run's summary (most
// tasks running at once, total overlap). The figure has its own opaque
// background and switches to dark colours with prefers-color-scheme, so it
// reads on white and on dark pages.
func (t *Timelines) SVG() string {
	var body strings.Builder
	y := 0
	text := func(x, y int, class, anchor, weight string, size int, s string) {
		fmt.Fprintf(&body, `<text x="%d" y="%d" class="%s" text-anchor="%s" font-weight="%s" font-size="%d">%s</text>`+"\n",
			x, y, class, anchor, weight, size, html.EscapeString(s))
	}
	y += 24
	text(12, y, "glt-fg", "start", "600", 15, "Timeline: "+t.Experiment+" — which goroutine ran on which P")
	if t.err != nil {
		for _, line := range wrapText("✘ "+t.err.Error(), 120) {
			y += 18
			text(12, y, "glt-err", "start", "600", 13, line)
		}
	}
	y += 12
	y = t.svgLegend(&body, y)

	scale := t.maxWall()
	for _, r := range t.Runs {
		y += 26
		text(12, y, "glt-fg", "start", "600", 13, r.title())
		y += 17
		text(12, y, "glt-mut", "start", "400", 12, r.reading())
		y += 8
		for p := 0; p < r.lanes(); p++ {
			top := y + p*(laneHeight+laneGap)
			fmt.Fprintf(&body, `<rect x="%d" y="%d" width="%d" height="%d" class="glt-lane"/>`+"\n", svgLeft, top, plotWidth, laneHeight)
			text(svgLeft-10, top+laneHeight/2+5, "glt-fg", "end", "600", 12, fmt.Sprintf("P%d", p))
			drawLane(&body, r.Slices, p, top, scale)
		}
		y += r.lanes()*(laneHeight+laneGap) + 2
		y = svgAxis(&body, y, scale)
	}
	if len(t.Runs) == 0 && t.err == nil {
		y += 24
		text(12, y, "glt-mut", "start", "400", 12, "no runs")
	}
	for _, n := range t.Notes {
		y += 20
		text(12, y, "glt-mut", "start", "400", 12, "⚠ "+n)
	}
	y += 20
	text(12, y, "glt-mut", "start", "400", 11, "machine: "+t.Machine.String())
	y += 12

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif">`+"\n",
		svgWidth, y, svgWidth, y)
	b.WriteString(`<style>
.glt-bg{fill:#ffffff}.glt-fg{fill:#1f2328}.glt-mut{fill:#57606a}.glt-lane{fill:#eaeef2}.glt-ax{stroke:#8c959f}.glt-err{fill:#cf222e}.glt-lbl{fill:#111111}
@media (prefers-color-scheme: dark){.glt-bg{fill:#0d1117}.glt-fg{fill:#e6edf3}.glt-mut{fill:#9da7b3}.glt-lane{fill:#21262d}.glt-ax{stroke:#6e7681}.glt-err{fill:#ff7b72}}
</style>
`)
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" rx="6" class="glt-bg"/>`+"\n", svgWidth, y)
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	return b.String()
}

// svgLegend draws the colour key, wrapping lines, and returns the new y.
func (t *Timelines) svgLegend(b *strings.Builder, y int) int {
	tasks := 0
	for _, r := range t.Runs {
		tasks = max(tasks, r.Tasks)
	}
	type item struct{ color, label string }
	var items []item
	shown := min(tasks, len(taskColors))
	for i := 0; i < shown; i++ {
		items = append(items, item{taskColors[i], fmt.Sprintf("task %d", i)})
	}
	if tasks > shown {
		items = append(items, item{"", fmt.Sprintf("… %d tasks: colours repeat, the label is the task number", tasks)})
	}
	items = append(items, item{otherColor, "other goroutines (runtime, kernel)"}, item{"lane", "idle P"})
	x := 12
	y += 16
	for _, it := range items {
		w := 18 + 7*len([]rune(it.label)) + 14
		if x+w > svgWidth-svgRight {
			x = 12
			y += 18
		}
		switch it.color {
		case "":
		case "lane":
			fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="12" class="glt-lane" stroke="#8c959f" stroke-width="0.5"/>`+"\n", x, y-10)
		default:
			fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`+"\n", x, y-10, it.color)
		}
		lx := x + 18
		if it.color == "" {
			lx = x
		}
		fmt.Fprintf(b, `<text x="%d" y="%d" class="glt-fg" font-size="12">%s</text>`+"\n", lx, y, html.EscapeString(it.label))
		x += w
	}
	return y
}

// drawLane draws lane p's slices. Slices of the same goroutine kind that are
// less than a pixel apart are merged, which keeps the figure small without
// changing what the eye sees.
func drawLane(b *strings.Builder, all []Slice, p, top int, scale time.Duration) {
	if scale <= 0 {
		return
	}
	px := float64(plotWidth) / float64(scale)
	var lane []Slice
	for _, s := range all {
		if s.P == p {
			lane = append(lane, s)
		}
	}
	slices.SortFunc(lane, func(a, b Slice) int { return cmpDur(a.Start, b.Start) })
	var merged []Slice
	for _, s := range lane {
		if n := len(merged); n > 0 && merged[n-1].Task == s.Task && float64(s.Start-merged[n-1].End)*px < 1 {
			merged[n-1].End = max(merged[n-1].End, s.End)
			continue
		}
		merged = append(merged, s)
	}
	for _, s := range merged {
		x := float64(svgLeft) + float64(s.Start)*px
		w := math.Max(float64(s.End-s.Start)*px, 0.8)
		color, h, dy := otherColor, laneHeight-10, 5
		if s.Task >= 0 {
			color, h, dy = taskColors[s.Task%len(taskColors)], laneHeight, 0
		}
		who := "other goroutine"
		if s.Task >= 0 {
			who = fmt.Sprintf("task %d", s.Task)
		}
		fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s on P%d: %s to %s</title></rect>`+"\n",
			x, top+dy, w, h, color, who, p, fmtDuration(s.Start), fmtDuration(s.End))
		if s.Task >= 0 && w >= 16 {
			fmt.Fprintf(b, `<text x="%.1f" y="%d" class="glt-lbl" text-anchor="middle" font-size="11">%d</text>`+"\n",
				x+w/2, top+laneHeight/2+4, s.Task)
		}
	}
}

// svgAxis draws the shared time axis under a block and returns the new y.
func svgAxis(b *strings.Builder, y int, scale time.Duration) int {
	if scale <= 0 {
		return y
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" class="glt-ax" stroke-width="1"/>`+"\n", svgLeft, y, svgLeft+plotWidth, y)
	step := niceStep(scale, 8)
	px := float64(plotWidth) / float64(scale)
	for t := time.Duration(0); t <= scale; t += step {
		x := float64(svgLeft) + float64(t)*px
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" class="glt-ax" stroke-width="1"/>`+"\n", x, y, x, y+4)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" class="glt-mut" text-anchor="middle" font-size="11">%s</text>`+"\n", x, y+16, axisLabel(t, step))
	}
	return y + 18
}

// niceStep is a 1, 2 or 5 × 10^k step giving at most n intervals over span.
func niceStep(span time.Duration, n int) time.Duration {
	raw := float64(span) / float64(n)
	if raw <= 1 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return time.Duration(m * mag)
		}
	}
	return time.Duration(10 * mag)
}

// axisLabel writes an axis time in ms (µs for very short spans).
func axisLabel(t, step time.Duration) string {
	switch {
	case step < time.Millisecond:
		return fmt.Sprintf("%g µs", float64(t)/1e3)
	case step < time.Second:
		return fmt.Sprintf("%g ms", float64(t)/1e6)
	}
	return fmt.Sprintf("%g s", t.Seconds())
}

// wrapText breaks s into lines of at most width characters, at spaces and at
// the newlines already in it.
func wrapText(s string, width int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && textWidth(line)+1+textWidth(w) > width {
				out = append(out, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		out = append(out, line)
	}
	return out
}
