package notebook

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// HTML writes nb as a standalone HTML page: Markdown cells rendered
// (CommonMark with GitHub's tables), code cells with their prompts, and
// outputs in the richest form the page can show: text/html as is,
// image/svg+xml inline, PNG and JPEG images as data URIs, text/markdown
// rendered, everything else as escaped text. The page loads nothing from
// the network.
func HTML(w io.Writer, nb *Notebook) error {
	page := htmlPage{Title: "Notebook"}
	titled := false
	for _, c := range nb.Cells {
		hc := htmlCell{Type: c.Type}
		switch c.Type {
		case Markdown:
			hc.Markdown = renderMarkdown(c.Source)
			if !titled {
				if t := heading(c.Source); t != "" {
					page.Title, titled = t, true
				}
			}
		case Code:
			hc.Source = c.Source
			hc.Prompt = "In [ ]:"
			if c.ExecutionCount > 0 {
				hc.Prompt = fmt.Sprintf("In [%d]:", c.ExecutionCount)
			}
			for _, o := range c.Outputs {
				hc.Outputs = append(hc.Outputs, htmlOutputOf(o))
			}
		default:
			hc.Source = c.Source
		}
		page.Cells = append(page.Cells, hc)
	}
	if err := pageTemplate.Execute(w, page); err != nil {
		return fmt.Errorf("write HTML: %w", err)
	}
	return nil
}

// WriteHTML writes nb as a standalone HTML page to the file at path,
// replacing it only once the whole page is written.
func (nb *Notebook) WriteHTML(path string) error {
	return writeFileAtomic(path, func(w io.Writer) error { return HTML(w, nb) })
}

type htmlPage struct {
	Title string
	Cells []htmlCell
}

type htmlCell struct {
	Type     string
	Prompt   string
	Source   string
	Markdown template.HTML
	Outputs  []htmlOutput
}

type htmlOutput struct {
	Class string        // CSS class: stdout, stderr, error, result, display
	HTML  template.HTML // rich content, trusted: the notebook's own output
	Image template.URL  // a data: URL
	Text  string        // plain text, escaped by the template
}

func htmlOutputOf(o *Output) htmlOutput {
	switch o.Type {
	case Stream:
		return htmlOutput{Class: o.Name, Text: stripANSI(o.Text)}
	case Error:
		return htmlOutput{Class: "error", Text: stripANSI(o.text())}
	}
	class := "display"
	if o.Type == ExecuteResult {
		class = "result"
	}
	if s, ok := o.Data["text/html"].(string); ok {
		return htmlOutput{Class: class, HTML: template.HTML(s)}
	}
	if s, ok := o.Data["image/svg+xml"].(string); ok {
		return htmlOutput{Class: class, HTML: template.HTML(s)}
	}
	for _, mime := range []string{"image/png", "image/jpeg"} {
		if s, ok := o.Data[mime].(string); ok {
			if b64, ok := cleanBase64(s); ok {
				return htmlOutput{Class: class, Image: template.URL("data:" + mime + ";base64," + b64)}
			}
		}
	}
	if s, ok := o.Data["text/markdown"].(string); ok {
		return htmlOutput{Class: class, HTML: renderMarkdown(s)}
	}
	return htmlOutput{Class: class, Text: stripANSI(o.text())}
}

// cleanBase64 returns s without whitespace if it is valid base64, so that
// it is safe inside a data: URL.
func cleanBase64(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), "")
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		return "", false
	}
	return s, true
}

var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	// Raw HTML in Markdown is kept, as Jupyter shows it: the page shows
	// the notebook's text/html outputs as they are too.
	goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
)

func renderMarkdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return template.HTML("<pre>" + template.HTMLEscapeString(src) + "</pre>")
	}
	return template.HTML(buf.String())
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;?]*[ -/]*[@-~]")

func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	return ansi.ReplaceAllString(s, "")
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="golab run">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.5; margin: 0; color: #1f2328; background: #fff; }
main { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
pre, code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.9em; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; tab-size: 4; }
.cell { margin: 1rem 0; }
.input { display: flex; gap: 0.5rem; }
.prompt { color: #303f9f; font-family: ui-monospace, monospace; font-size: 0.85em; min-width: 4.5rem; padding-top: 0.5rem; text-align: right; }
.source { flex: 1; background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: 0.5rem; overflow-x: auto; }
.outputs { margin-left: 5rem; }
.output { padding: 0.25rem 0.5rem; overflow-x: auto; }
.stderr { background: #fff5f5; }
.error pre { color: #b42318; }
.markdown table, .output table { border-collapse: collapse; margin: 0.5rem 0; }
.markdown th, .markdown td, .output th, .output td { border: 1px solid #d0d7de; padding: 0.2rem 0.6rem; text-align: right; }
.markdown pre { background: #f6f8fa; padding: 0.5rem; border-radius: 4px; }
img, svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<main>
{{range .Cells}}{{if eq .Type "markdown"}}<div class="cell markdown">
{{.Markdown}}</div>
{{else if eq .Type "code"}}<div class="cell code">
<div class="input"><div class="prompt">{{.Prompt}}</div><pre class="source"><code class="language-go">{{.Source}}</code></pre></div>
{{if .Outputs}}<div class="outputs">
{{range .Outputs}}<div class="output {{.Class}}">{{if .HTML}}{{.HTML}}{{else if .Image}}<img src="{{.Image}}" alt="image output">{{else}}<pre>{{.Text}}</pre>{{end}}</div>
{{end}}</div>
{{end}}</div>
{{else}}<div class="cell raw"><pre>{{.Source}}</pre></div>
{{end}}{{end}}</main>
</body>
</html>
`))
