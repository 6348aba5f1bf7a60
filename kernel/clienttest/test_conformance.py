"""The field's conformance suite, jupyter_kernel_test, run against golab.

Every sample attribute KernelTests knows is set, except the one golab has no
use for: code_page_something (golab sends no pager payloads).

jupyter_kernel_test comes from PyPI (.venv); Debian has no package for it, so
under /usr/bin/python3 this module is skipped.
"""

from __future__ import annotations

import pytest

jkt = pytest.importorskip("jupyter_kernel_test")

# Cells the samples below rely on, run once when the kernel starts so that
# every sample is a plain statement or expression.
SETUP_CELLS = [
    'import (\n\t"fmt"\n\t"os"\n)',
    'import "github.com/golab/golab/kernel/display"',
]


class GolabKernelTests(jkt.KernelTests):
    """jupyter_kernel_test's KernelTests for the golab kernel."""

    kernel_name = "golab"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'
    code_stderr = 'fmt.Fprintln(os.Stderr, "oops")'

    # The matches golab offers at the end of "fmt.Pr": the rest of the
    # identifier after the dot, cursor_start at "Pr".
    completion_samples = [
        {"text": "fmt.Pr", "matches": {"Print", "Printf", "Println"}},
        {"text": "ret", "matches": {"return"}},
    ]

    complete_code_samples = [
        'fmt.Println("hi")',
        "x := 1",
        "func f() int {\n\treturn 1\n}",
        'import "strings"',
    ]
    incomplete_code_samples = [
        "func f() {",
        "fmt.Println(1,",
        "for i := 0; i < 3; i++ {",
        "s := []int{\n\t1,",
    ]
    invalid_code_samples = ["x := )", "}", "func 1() {}"]

    code_generate_error = 'panic("boom")'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '"go" + "lab"', "result": '"golab"'},
        {"code": "6 * 7", "result": "42"},
        {"code": 'display.HTML("<b>hi</b>")', "mime": "text/html", "result": "<b>hi</b>"},
    ]

    code_display_data = [
        {"code": 'display.Show(display.HTML("<b>hi</b>"))', "mime": "text/html"},
        {"code": 'display.Show(display.Markdown("*hi*"))', "mime": "text/markdown"},
        {"code": 'display.Show(display.SVG("<svg xmlns=\\"http://www.w3.org/2000/svg\\"></svg>"))', "mime": "image/svg+xml"},
    ]

    code_clear_output = "display.Clear(false)"

    # A glob, as IPython's history search takes: matches "6 * 7" only.
    code_history_pattern = "6 ? 7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "fmt.Println"

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # A failing setup cell is not fatal: only the samples that need it
        # fail then, and the rest of the suite still says what works.
        for code in SETUP_CELLS:
            reply = cls.kc.execute(code, reply=True, timeout=jkt.TIMEOUT)
            if reply["content"]["status"] != "ok":
                print(f"setup cell failed: {code!r}: {reply['content']}")
        # Drop the setup cells' IOPub traffic.
        while True:
            try:
                cls.kc.get_iopub_msg(timeout=0.3)
            except Exception:
                break
