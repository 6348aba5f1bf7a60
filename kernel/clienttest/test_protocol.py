"""The golab kernel against the Jupyter messaging protocol 5.3, item by item.

Each test starts a fresh kernel (the `kernel` fixture) and drives it through
jupyter_client, or through raw ZeroMQ where the client would hide what is
checked (signatures, header bytes, heartbeat). The same file runs under
jupyter_client 8 and Debian's 7.4.9.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import re
import time
import uuid

import pytest
import zmq
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.session import Session

from golabclient import TIMEOUT, Kernel, check_header, parent_id

# Wide bounds: the machine is shared; these catch hangs, not slowness.
INTERRUPT_WITHIN = 5.0
EXIT_WITHIN = 10.0


# --- install ---------------------------------------------------------------


def test_install_kernelspec(golab_bin, golab_prefix):
    spec_dir = golab_prefix / "share" / "jupyter" / "kernels" / "golab"
    spec = json.loads((spec_dir / "kernel.json").read_text())
    assert spec["argv"] == [str(golab_bin), "kernel", "{connection_file}"]
    assert spec["display_name"] == "Go (golab)"
    assert spec["language"] == "go"
    assert spec.get("interrupt_mode") == "message"
    assert (spec_dir / "logo-64x64.png").is_file()
    # jupyter_client finds this spec by name, ahead of any other install.
    found = KernelSpecManager().get_kernel_spec("golab")
    assert found.resource_dir == str(spec_dir)


# --- kernel_info -----------------------------------------------------------


def _check_kernel_info(content):
    assert content["status"] == "ok"
    assert content["protocol_version"] == "5.3"
    assert content["implementation"] == "golab"
    assert isinstance(content["implementation_version"], str) and content["implementation_version"]
    assert isinstance(content["banner"], str) and content["banner"]
    assert isinstance(content.get("help_links", []), list)
    li = content["language_info"]
    assert li["name"] == "go"
    assert re.match(r"(go)?\d+\.\d+", li["version"]), li["version"]
    assert li["mimetype"] == "text/x-go"
    assert li["file_extension"] == ".go"
    assert li["pygments_lexer"] == "go"
    assert li.get("codemirror_mode") in ("go", {"name": "go"}, "text/x-go")


def test_kernel_info_shell(kernel):
    ex = kernel.request("kernel_info_request")
    _check_kernel_info(ex.content)
    assert [m["msg_type"] for m in ex.iopub] == ["status", "status"]


def test_kernel_info_control(kernel):
    ex = kernel.request("kernel_info_request", channel="control")
    _check_kernel_info(ex.content)
    assert [m["msg_type"] for m in ex.iopub] == ["status", "status"]


def test_headers(kernel):
    """Every message: version 5.3, a parseable date with a zone, unique ids, one session."""
    exs = [
        kernel.request("kernel_info_request"),
        kernel.execute('import "fmt"'),
        kernel.execute('fmt.Println("x")'),
        kernel.execute("1 + 1"),
        kernel.request("kernel_info_request", channel="control"),
    ]
    msgs = []
    for ex in exs:
        msgs += [ex.reply] + ex.iopub
    ids = set()
    sessions = set()
    for m in msgs:
        check_header(m)
        ids.add(m["header"]["msg_id"])
        sessions.add(m["header"]["session"])
    assert len(ids) == len(msgs), "msg_ids are not unique"
    assert len(sessions) == 1, f"several sessions in one kernel process: {sessions}"


# --- busy/idle -------------------------------------------------------------


@pytest.mark.parametrize(
    "msg_type,content",
    [
        ("kernel_info_request", {}),
        ("execute_request", {"code": "1", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False}),
        ("complete_request", {"code": "fm", "cursor_pos": 2}),
        ("inspect_request", {"code": "fmt", "cursor_pos": 3, "detail_level": 0}),
        ("is_complete_request", {"code": "x := 1"}),
        ("history_request", {"output": False, "raw": True, "hist_access_type": "tail", "n": 5}),
        ("comm_info_request", {}),
    ],
)
def test_busy_idle_every_request(kernel, msg_type, content):
    ex = kernel.request(msg_type, content)
    # iopub_for asserted busy first and idle last, both parented to the request.
    states = [m["content"]["execution_state"] for m in ex.of_type("status")]
    assert states == ["busy", "idle"]
    for m in ex.iopub:
        assert m["parent_header"]["msg_type"] == msg_type


# --- execute: streams, results, errors ---------------------------------------


def test_stream_stdout(kernel):
    kernel.execute('import "fmt"', ok=True)
    ex = kernel.execute('fmt.Println("hello, world")', ok=True)
    assert ex.stream("stdout") == "hello, world\n"
    assert ex.stream("stderr") == ""


def test_stream_stderr(kernel):
    kernel.execute('import (\n\t"fmt"\n\t"os"\n)', ok=True)
    ex = kernel.execute('fmt.Fprintln(os.Stderr, "to stderr")\nfmt.Println("to stdout")', ok=True)
    assert ex.stream("stderr") == "to stderr\n"
    assert ex.stream("stdout") == "to stdout\n"


def test_stream_batched(kernel):
    """10,000 printed lines arrive whole and in far fewer than 10,000 messages."""
    kernel.execute('import "fmt"', ok=True)
    ex = kernel.execute("for i := 0; i < 10000; i++ {\n\tfmt.Println(i)\n}", ok=True, timeout=60, max_messages=1000)
    lines = ex.stream("stdout").splitlines()
    assert lines == [str(i) for i in range(10000)]
    n = len(ex.stream_messages("stdout"))
    assert n <= 500, f"{n} stream messages for 10,000 lines: output is not batched"


def test_execute_input(kernel):
    code = "40 + 2"
    ex = kernel.execute(code, ok=True)
    inputs = ex.of_type("execute_input")
    assert len(inputs) == 1
    assert inputs[0]["content"]["code"] == code
    assert inputs[0]["content"]["execution_count"] == ex.content["execution_count"]
    # execute_input comes right after busy, before any output.
    assert ex.iopub[1]["msg_type"] == "execute_input"


def test_execute_result(kernel):
    ex = kernel.execute("1 + 2", ok=True)
    results = ex.of_type("execute_result")
    assert len(results) == 1
    c = results[0]["content"]
    assert c["data"]["text/plain"] == "3"
    assert c["execution_count"] == ex.content["execution_count"]
    assert isinstance(c["metadata"], dict)


def test_execute_result_string(kernel):
    ex = kernel.execute('"go" + "lab"', ok=True)
    assert ex.result["text/plain"] == '"golab"'


def test_error_compile(kernel):
    ex = kernel.execute("undefinedThing + 1", ok=False)
    errs = ex.of_type("error")
    assert len(errs) == 1
    c = errs[0]["content"]
    assert isinstance(c["ename"], str) and c["ename"]
    assert isinstance(c["evalue"], str) and "undefinedThing" in c["evalue"]
    assert isinstance(c["traceback"], list) and all(isinstance(t, str) for t in c["traceback"])
    r = ex.content
    assert r["ename"] == c["ename"] and r["evalue"] == c["evalue"]
    assert isinstance(r["traceback"], list)
    assert isinstance(r["execution_count"], int)
    assert ex.result is None


def test_error_panic_kernel_lives(kernel):
    ex = kernel.execute('panic("boom")', ok=False)
    assert "boom" in ex.error["evalue"]
    assert kernel.is_ok()


# --- execution_count -------------------------------------------------------


def test_execution_count(kernel):
    a = kernel.execute("1", ok=True)
    assert a.content["execution_count"] == 1
    b = kernel.execute("2", ok=True)
    assert b.content["execution_count"] == 2
    assert b.of_type("execute_result")[0]["content"]["execution_count"] == 2
    # An error counts too.
    c = kernel.execute("nope", ok=False)
    assert c.content["execution_count"] == 3
    d = kernel.execute("4", ok=True)
    assert d.content["execution_count"] == 4


def test_silent(kernel):
    kernel.execute('import "fmt"', ok=True)
    first = kernel.execute("1", ok=True)
    n = first.content["execution_count"]
    s = kernel.execute("2", silent=True, ok=True)
    assert "execution_count" in s.content
    assert s.of_type("execute_input") == [], "silent execute published execute_input"
    assert s.of_type("execute_result") == [], "silent execute published execute_result"
    assert [m["content"]["execution_state"] for m in s.of_type("status")] == ["busy", "idle"]
    # A silent cell still runs.
    kernel.execute("var silentRan = true", silent=True, ok=True)
    after = kernel.execute("silentRan", ok=True)
    assert after.result["text/plain"] == "true"
    assert after.content["execution_count"] == n + 1


def test_store_history_false(kernel):
    first = kernel.execute("1", ok=True)
    n = first.content["execution_count"]
    nh = kernel.execute("2", store_history=False, ok=True)
    assert "execution_count" in nh.content
    assert len(nh.of_type("execute_input")) == 1
    assert nh.result["text/plain"] == "2"
    after = kernel.execute("3", ok=True)
    assert after.content["execution_count"] == n + 1
    # And it does not enter the history.
    h = kernel.request("history_request", {"output": False, "raw": True, "hist_access_type": "tail", "n": 10})
    codes = [e[2] for e in h.content["history"]]
    assert "2" not in codes and codes[-1] == "3"


# --- stop_on_error ---------------------------------------------------------


def test_stop_on_error_aborts_queued(kernel):
    kernel.execute('import (\n\t"fmt"\n\t"time"\n)', ok=True)
    bad = kernel.start_execute('time.Sleep(500 * time.Millisecond)\npanic("first")')
    queued = kernel.start_execute('fmt.Println("should not run")')
    a = kernel.finish(bad)
    b = kernel.finish(queued)
    assert a.status == "error"
    assert b.status in ("error", "aborted"), b.describe()
    assert "should not run" not in b.stream("stdout")
    # Not aborted forever: the next request runs.
    assert kernel.is_ok()


def test_stop_on_error_false_runs_queued(kernel):
    kernel.execute('import (\n\t"fmt"\n\t"time"\n)', ok=True)
    bad = kernel.start_execute('time.Sleep(500 * time.Millisecond)\npanic("first")', stop_on_error=False)
    queued = kernel.start_execute('fmt.Println("runs anyway")')
    a = kernel.finish(bad)
    b = kernel.finish(queued)
    assert a.status == "error"
    assert b.status == "ok", b.describe()
    assert b.stream("stdout") == "runs anyway\n"


# --- raw wire: signatures, headers, malformed input ---------------------------


class RawShell:
    """A DEALER on the kernel's shell port with our own signing session."""

    def __init__(self, kernel: Kernel, key: bytes | None = None):
        info = kernel.km.get_connection_info()
        self.key = info["key"] if key is None else key
        self.session = Session(key=self.key, signature_scheme=info.get("signature_scheme", "hmac-sha256"), username="tests")
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.linger = 0
        self.sock.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")

    def close(self):
        self.sock.close(0)
        self.ctx.term()

    def recv_frames(self, timeout: float) -> list[bytes] | None:
        if self.sock.poll(int(timeout * 1000)):
            return self.sock.recv_multipart()
        return None

    def reply_to(self, msg_id: str, timeout: float = TIMEOUT) -> tuple[list[bytes], list[dict]]:
        """Frames of the reply to msg_id, and parsed replies to anything else received first."""
        deadline = time.monotonic() + timeout
        others = []
        while time.monotonic() < deadline:
            frames = self.recv_frames(deadline - time.monotonic())
            if frames is None:
                break
            _, parts = self.session.feed_identities(frames)
            msg = self.session.deserialize(parts)
            if parent_id(msg) == msg_id:
                return frames, others
            others.append(msg)
        raise AssertionError(f"no reply to {msg_id} on raw shell socket within {timeout}s")


DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:?\d\d)$")


def test_raw_reply_wire_format(kernel):
    """The reply's bytes: delimiter, lowercase hex HMAC-SHA256 over the four parts, 5.3 header."""
    raw = RawShell(kernel)
    try:
        msg = raw.session.send(raw.sock, "kernel_info_request", {})
        frames, _ = raw.reply_to(msg["header"]["msg_id"])
    finally:
        raw.close()
    i = frames.index(b"<IDS|MSG>")
    assert i == 0, "a DEALER gets no identity frames back"
    sig, parts = frames[i + 1], frames[i + 2 : i + 6]
    want = hmac.new(raw.key, digestmod=hashlib.sha256)
    for p in parts:
        want.update(p)
    assert sig.decode() == want.hexdigest(), "bad HMAC on the kernel's reply"
    header = json.loads(parts[0])
    assert header["version"] == "5.3"
    assert header["msg_type"] == "kernel_info_reply"
    assert DATE_RE.match(header["date"]), f"date {header['date']!r}: want ISO 8601, <= 6 fractional digits, a zone"
    parent = json.loads(parts[1])
    assert parent["msg_id"] == msg["header"]["msg_id"]


def test_bad_signature_dropped(golab_prefix, tmp_path):
    log_path = tmp_path / "kernel.log"
    with open(log_path, "w") as log:
        kernel = Kernel.start(stderr=log)
        try:
            _bad_signature_dropped(kernel)
        finally:
            kernel.stop()
    assert "signature" in log_path.read_text().lower(), "the bad signature was not logged"


def _bad_signature_dropped(kernel):
    raw = RawShell(kernel)
    try:
        bad = raw.session.msg("kernel_info_request", {})
        frames = raw.session.serialize(bad)
        i = frames.index(b"<IDS|MSG>")
        frames[i + 1] = b"0" * 64
        raw.sock.send_multipart(frames)
        # Also a signature of the wrong length and one that is empty.
        for sig in (b"abc", b""):
            m = raw.session.msg("kernel_info_request", {})
            f = raw.session.serialize(m)
            f[f.index(b"<IDS|MSG>") + 1] = sig
            raw.sock.send_multipart(f)
        good = raw.session.send(raw.sock, "kernel_info_request", {})
        _, others = raw.reply_to(good["header"]["msg_id"])
    finally:
        raw.close()
    assert others == [], f"the kernel answered a badly signed message: {others}"
    # Nothing on IOPub for the bad message either.
    got = kernel.drain(0.5)
    assert [m for m in got if parent_id(m) == bad["header"]["msg_id"]] == []
    assert kernel.process_alive()
    assert kernel.is_ok()


def test_malformed_messages_dropped(kernel):
    """Garbage frames are dropped; no input kills the kernel."""
    raw = RawShell(kernel)
    try:
        s = raw.session

        def signed(parts):
            h = hmac.new(raw.key, digestmod=hashlib.sha256)
            for p in parts:
                h.update(p)
            return [b"<IDS|MSG>", h.hexdigest().encode()] + parts

        garbage = [
            [b"hello"],
            [b"<IDS|MSG>"],
            [b"<IDS|MSG>", b"00"],
            signed([b"not json", b"{}", b"{}", b"{}"]),
            signed([b"{}", b"{}", b"{}", b"{}"]),
            signed([b"[]", b"null", b"1", b'"x"']),
            signed([json.dumps({"msg_id": "x", "msg_type": "execute_request", "version": "5.3"}).encode(), b"{}", b"{}", b"{}"]),
            signed([json.dumps({"msg_id": "y", "msg_type": "execute_request", "version": "5.3"}).encode(), b"{}", b"{}", b'{"code": 5}']),
            signed([b"{}", b"{}", b"{}"]),
            signed([b"\xff\xfe", b"{}", b"{}", b"{}"]),
        ]
        for frames in garbage:
            raw.sock.send_multipart(frames)
        good = s.send(raw.sock, "kernel_info_request", {})
        raw.reply_to(good["header"]["msg_id"])
    finally:
        raw.close()
    assert kernel.process_alive()
    assert kernel.is_ok()


def test_unsigned_session(golab_prefix):
    """An empty key in the connection file means no signing."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="golab")
    km.session.key = b""
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    k = Kernel(km, kc)
    try:
        kc.wait_for_ready(timeout=30)
        assert km.get_connection_info()["key"] == b""
        assert k.is_ok()
    finally:
        k.stop()


# --- unknown message types ----------------------------------------------------


def test_unknown_message_type(kernel):
    msg = kernel.send("golab_no_such_request", {"x": 1})
    iopub, _ = kernel.iopub_for(msg["header"]["msg_id"])
    assert [m["content"]["execution_state"] for m in iopub if m["msg_type"] == "status"] == ["busy", "idle"]
    # Also on control.
    msg = kernel.send("golab_no_such_request", {}, channel="control")
    kernel.iopub_for(msg["header"]["msg_id"])
    assert kernel.is_ok()


# --- is_complete -------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        'fmt.Println("hi")',
        "x := 1",
        "func f() int {\n\treturn 1\n}",
        'import "fmt"',
        "type T struct{ X int }",
    ],
)
def test_is_complete_complete(kernel, code):
    ex = kernel.request("is_complete_request", {"code": code})
    assert ex.content["status"] == "complete", ex.content
    assert "indent" not in ex.content or ex.content["indent"] == ""


@pytest.mark.parametrize(
    "code",
    [
        "func f() {",
        "for i := 0; i < 3; i++ {\n\tfmt.Println(i)",
        "fmt.Println(1,",
        "x := []int{\n\t1,",
        "s := `raw string",
        "import (",
    ],
)
def test_is_complete_incomplete(kernel, code):
    ex = kernel.request("is_complete_request", {"code": code})
    assert ex.content["status"] == "incomplete", ex.content
    indent = ex.content.get("indent")
    assert isinstance(indent, str), "incomplete without an indent"
    assert indent.strip(" \t") == ""


@pytest.mark.parametrize("code", ["x := )", "}", 'fmt.Println("a"))', "func 1() {}"])
def test_is_complete_invalid(kernel, code):
    ex = kernel.request("is_complete_request", {"code": code})
    assert ex.content["status"] == "invalid", ex.content


def test_is_complete_indent_nested(kernel):
    ex = kernel.request("is_complete_request", {"code": "func f() {\n\tif true {"})
    assert ex.content["status"] == "incomplete"
    assert ex.content["indent"] in ("\t\t", "        "), repr(ex.content["indent"])


# --- complete ------------------------------------------------------------------


def _applied(code, content, match):
    return code[: content["cursor_start"]] + match + code[content["cursor_end"] :]


def _complete(kernel, code, cursor=None):
    cursor = len(code) if cursor is None else cursor
    ex = kernel.request("complete_request", {"code": code, "cursor_pos": cursor})
    c = ex.content
    assert c["status"] == "ok"
    assert isinstance(c["matches"], list)
    assert isinstance(c.get("metadata", {}), dict)
    assert 0 <= c["cursor_start"] <= c["cursor_end"] <= len(code)
    return c


def test_complete_package_member(kernel):
    kernel.execute('import "fmt"', ok=True)
    code = "fmt.Pr"
    c = _complete(kernel, code)
    assert c["cursor_end"] == len(code)
    applied = {_applied(code, c, m) for m in c["matches"]}
    assert {"fmt.Println", "fmt.Printf", "fmt.Print"} <= applied, c
    assert "fmt.Sprintf" not in applied


def test_complete_code_points(kernel):
    """Cursor positions count Unicode code points (not bytes, not UTF-16 units)."""
    kernel.execute('import "fmt"', ok=True)
    code = 's := "héllo, 世界 😀"\nfmt.Pr'
    c = _complete(kernel, code)
    assert c["cursor_end"] == len(code)
    assert c["cursor_start"] in (len(code) - len("Pr"), len(code) - len("fmt.Pr"))
    applied = {_applied(code, c, m) for m in c["matches"]}
    assert code[:-2] + "Println" in applied, c


def test_complete_mid_code(kernel):
    kernel.execute('import "fmt"', ok=True)
    code = 'fmt.Pr("x")\nvar ü = 1'
    c = _complete(kernel, code, cursor=6)
    assert c["cursor_end"] == 6
    applied = {_applied(code, c, m) for m in c["matches"]}
    assert 'fmt.Println("x")\nvar ü = 1' in applied


def test_complete_cell_names(kernel):
    kernel.execute("var myCounter = 1\nfunc myHelper() int { return myCounter }", ok=True)
    kernel.execute("type myThing struct{ Field int }", ok=True)
    for prefix, want in (("myC", "myCounter"), ("myH", "myHelper"), ("myT", "myThing")):
        c = _complete(kernel, prefix)
        assert want in {_applied(prefix, c, m) for m in c["matches"]}, (prefix, c)


def test_complete_keywords(kernel):
    c = _complete(kernel, "fun")
    assert "func" in {_applied("fun", c, m) for m in c["matches"]}
    c = _complete(kernel, "x := 1\nret")
    assert "x := 1\nreturn" in {_applied("x := 1\nret", c, m) for m in c["matches"]}


# --- inspect -------------------------------------------------------------------


def test_inspect_std(kernel):
    kernel.execute('import "fmt"', ok=True)
    code = 'fmt.Println("x")'
    ex = kernel.request("inspect_request", {"code": code, "cursor_pos": 8, "detail_level": 0})
    c = ex.content
    assert c["status"] == "ok"
    assert c["found"] is True, c
    text = c["data"]["text/plain"]
    # The signature, as source or as reflection would spell it.
    assert re.search(r"Println\(a \.\.\.(any|interface ?\{\})\) \(n int, err error\)", text) or re.search(
        r"Println\(\.\.\.interface ?\{\}\) \(int, error\)", text
    ), text
    assert "default formats" in text  # from its doc comment
    assert isinstance(c["metadata"], dict)


def test_inspect_cell_func(kernel):
    kernel.execute("// double returns twice n.\nfunc double(n int) int { return 2 * n }", ok=True)
    code = "double(21)"
    ex = kernel.request("inspect_request", {"code": code, "cursor_pos": 3, "detail_level": 0})
    c = ex.content
    assert c["found"] is True, c
    text = c["data"]["text/plain"]
    assert "func double(n int) int" in text
    assert "returns twice n" in text


def test_inspect_not_found(kernel):
    ex = kernel.request("inspect_request", {"code": "zzzNothingHere", "cursor_pos": 5, "detail_level": 0})
    assert ex.content["status"] == "ok"
    assert ex.content["found"] is False
    assert ex.content.get("data", {}) == {}


# --- history ---------------------------------------------------------------------


def _history(kernel, **content):
    content.setdefault("output", False)
    content.setdefault("raw", True)
    ex = kernel.request("history_request", content)
    assert ex.content["status"] == "ok"
    return ex.content["history"]


def test_history(kernel):
    cells = ["1 + 1", 'var historyMarker = "hm"', "historyMarker", "2 + 2"]
    for code in cells:
        kernel.execute(code, ok=True)

    tail = _history(kernel, hist_access_type="tail", n=2)
    assert [e[2] for e in tail] == cells[-2:]
    session = tail[0][0]
    assert [e[1] for e in tail] == [3, 4]
    assert all(len(e) == 3 and e[0] == session for e in tail)

    with_out = _history(kernel, hist_access_type="tail", n=1, output=True)
    assert len(with_out) == 1
    inp, out = with_out[0][2]
    assert inp == "2 + 2"
    assert out is None or "4" in str(out)

    rng = _history(kernel, hist_access_type="range", session=session, start=1, stop=3)
    assert [(e[1], e[2]) for e in rng] == [(1, cells[0]), (2, cells[1])]
    # session 0 is the current session.
    rng0 = _history(kernel, hist_access_type="range", session=0, start=2, stop=3)
    assert [e[2] for e in rng0] == [cells[1]]

    found = _history(kernel, hist_access_type="search", pattern="*historyMarker*")
    assert {e[2] for e in found} == {cells[1], cells[2]}
    kernel.execute("historyMarker", ok=True)
    dup = _history(kernel, hist_access_type="search", pattern="historyMarker", unique=True)
    assert [e[2] for e in dup] == ["historyMarker"]
    n1 = _history(kernel, hist_access_type="search", pattern="*", n=1)
    assert [e[2] for e in n1] == ["historyMarker"]


# --- comms ---------------------------------------------------------------------


def test_comm_info(kernel):
    ex = kernel.request("comm_info_request", {})
    assert ex.content["status"] == "ok"
    assert ex.content["comms"] == {}
    ex = kernel.request("comm_info_request", {"target_name": "jupyter.widget"})
    assert ex.content["comms"] == {}


def test_comm_open_unknown_target(kernel):
    comm_id = uuid.uuid4().hex
    msg = kernel.send("comm_open", {"comm_id": comm_id, "target_name": "golab.no.such.target", "data": {}})
    iopub, _ = kernel.iopub_for(msg["header"]["msg_id"])
    closes = [m for m in iopub if m["msg_type"] == "comm_close"]
    assert len(closes) == 1, [m["msg_type"] for m in iopub]
    assert closes[0]["content"]["comm_id"] == comm_id
    # comm_msg and comm_close for unknown comms are ignored quietly.
    for t in ("comm_msg", "comm_close"):
        m = kernel.send(t, {"comm_id": comm_id, "data": {}})
        kernel.iopub_for(m["header"]["msg_id"])
    assert kernel.request("comm_info_request").content["comms"] == {}
    assert kernel.is_ok()


# --- stdin ---------------------------------------------------------------------


def _answer_input(kernel, msg, value, timeout=10):
    req = kernel.kc.get_stdin_msg(timeout=timeout)
    assert req["msg_type"] == "input_request"
    assert parent_id(req) == msg["header"]["msg_id"], "input_request not parented to the execute request"
    assert req["content"]["password"] is False
    assert isinstance(req["content"]["prompt"], str)
    kernel.kc.input(value)
    return req


def test_stdin_scanln(kernel):
    kernel.execute('import "fmt"\n', ok=True)
    kernel.execute("var name string", ok=True)
    msg = kernel.start_execute('fmt.Scanln(&name)\nfmt.Println("hello, " + name)', allow_stdin=True)
    _answer_input(kernel, msg, "Gopher")
    ex = kernel.finish(msg)
    assert ex.status == "ok", ex.describe()
    assert ex.stream("stdout").endswith("hello, Gopher\n")


def test_stdin_bufio(kernel):
    kernel.execute('import (\n\t"bufio"\n\t"fmt"\n\t"os"\n)', ok=True)
    kernel.execute("var line string", ok=True)
    msg = kernel.start_execute(
        'line, _ = bufio.NewReader(os.Stdin).ReadString(\'\\n\')\nfmt.Printf("got %q\\n", line)',
        allow_stdin=True,
    )
    _answer_input(kernel, msg, "two words")
    ex = kernel.finish(msg)
    assert ex.status == "ok", ex.describe()
    assert 'got "two words\\n"' in ex.stream("stdout")


def test_stdin_not_allowed(kernel):
    kernel.execute('import "fmt"\n', ok=True)
    kernel.execute("var name string\nvar n int\nvar err error", ok=True)
    ex = kernel.execute("n, err = fmt.Scanln(&name)\nfmt.Println(n, err)", allow_stdin=False, ok=True)
    assert ex.stream("stdout") == "0 EOF\n"
    assert ex.stream("stderr").strip(), "no note on stderr that stdin is not available"
    with pytest.raises(queue.Empty):
        kernel.kc.get_stdin_msg(timeout=0.5)


# --- interrupt -----------------------------------------------------------------


def _interrupted(kernel, do_interrupt, code="for {\n}"):
    msg = kernel.start_execute(code)
    kernel.wait_started(msg)
    time.sleep(0.3)
    t0 = time.monotonic()
    do_interrupt()
    ex = kernel.finish(msg, timeout=INTERRUPT_WITHIN + 5)
    took = time.monotonic() - t0
    assert ex.status == "error", ex.describe()
    assert ex.error is not None, "no error output for the interrupted cell"
    assert took < INTERRUPT_WITHIN, f"interrupt took {took:.1f}s"
    return ex


def test_interrupt_message(kernel):
    assert kernel.km.kernel_spec.interrupt_mode == "message"
    _interrupted(kernel, kernel.km.interrupt_kernel)
    assert kernel.process_alive()
    assert kernel.is_ok()


def test_interrupt_request_reply(kernel):
    """interrupt_request on control gets interrupt_reply, while a cell runs and when idle."""
    msg = kernel.start_execute("for {\n}")
    kernel.wait_started(msg)
    irq = kernel.send("interrupt_request", {}, channel="control")
    rep = kernel.reply(irq["header"]["msg_id"], "control", timeout=INTERRUPT_WITHIN)
    assert rep["msg_type"] == "interrupt_reply"
    assert rep["content"]["status"] == "ok"
    ex = kernel.finish(msg, timeout=INTERRUPT_WITHIN)
    assert ex.status == "error"
    kernel.iopub_for(irq["header"]["msg_id"])
    # Idle: a harmless interrupt.
    ex = kernel.request("interrupt_request", {}, channel="control")
    assert ex.content["status"] == "ok"
    assert kernel.is_ok()


def test_interrupt_sigint(kernel):
    _interrupted(kernel, kernel.sigint)
    assert kernel.process_alive()
    assert kernel.is_ok()


def test_sigint_when_idle(kernel):
    kernel.sigint()
    time.sleep(0.3)
    assert kernel.process_alive()
    assert kernel.is_ok()


# --- heartbeat -----------------------------------------------------------------


def test_heartbeat(kernel):
    info = kernel.km.get_connection_info()
    ctx = zmq.Context()
    s = ctx.socket(zmq.REQ)
    s.linger = 0
    try:
        s.connect(f"{info['transport']}://{info['ip']}:{info['hb_port']}")
        for payload in (b"ping", b"", b"\x00\xffbinary", b"x" * 10000):
            s.send(payload)
            assert s.poll(5000), "no heartbeat echo within 5s"
            assert s.recv() == payload
    finally:
        s.close(0)
        ctx.term()


def test_heartbeat_while_busy(kernel):
    """The heartbeat answers while a cell runs a busy loop."""
    msg = kernel.start_execute("for {\n}")
    kernel.wait_started(msg)
    info = kernel.km.get_connection_info()
    ctx = zmq.Context()
    s = ctx.socket(zmq.REQ)
    s.linger = 0
    try:
        s.connect(f"{info['transport']}://{info['ip']}:{info['hb_port']}")
        s.send(b"ping")
        assert s.poll(5000), "no heartbeat while a cell runs"
        assert s.recv() == b"ping"
    finally:
        s.close(0)
        ctx.term()
    kernel.km.interrupt_kernel()
    kernel.finish(msg, timeout=INTERRUPT_WITHIN)
    assert kernel.kc.is_alive()


# --- restart and shutdown ---------------------------------------------------------


def test_restart(kernel):
    kernel.execute("var keep = 42", ok=True)
    old = kernel.pid
    kernel.km.restart_kernel(now=False)
    kernel.kc.wait_for_ready(timeout=30)
    kernel.drain(0.2)
    assert kernel.pid != old
    ex = kernel.execute("keep", ok=False)
    assert "keep" in ex.error_text()
    assert kernel.is_ok()
    assert kernel.execute("1", ok=True).content["execution_count"] <= 3


def test_shutdown(kernel):
    ex = kernel.request("shutdown_request", {"restart": False}, channel="control")
    assert ex.content["status"] == "ok"
    assert ex.content["restart"] is False
    assert kernel.wait_exit(EXIT_WITHIN), "kernel still runs after shutdown_reply"


def test_shutdown_restart_flag(kernel):
    ex = kernel.request("shutdown_request", {"restart": True}, channel="control")
    assert ex.content["restart"] is True
    assert kernel.wait_exit(EXIT_WITHIN)


def test_shutdown_flushes_iopub(kernel):
    """Output printed right before shutdown_request arrives reaches IOPub before exit."""
    kernel.execute('import (\n\t"fmt"\n\t"time"\n)', ok=True)
    msg = kernel.start_execute('fmt.Println("last words")\ntime.Sleep(time.Hour)')
    kernel.wait_started(msg)
    time.sleep(0.01)
    sd = kernel.send("shutdown_request", {"restart": False}, channel="control")
    rep = kernel.reply(sd["header"]["msg_id"], "control", timeout=EXIT_WITHIN)
    assert rep["content"]["status"] == "ok"
    assert kernel.wait_exit(EXIT_WITHIN)
    got = kernel.drain(0.5)
    text = "".join(m["content"]["text"] for m in got if m["msg_type"] == "stream" and parent_id(m) == msg["header"]["msg_id"])
    assert text == "last words\n", [(m["msg_type"], m["content"]) for m in got]


def test_shutdown_while_cell_runs(kernel):
    msg = kernel.start_execute("for {\n}")
    kernel.wait_started(msg)
    ex = kernel.request("shutdown_request", {"restart": False}, channel="control", timeout=EXIT_WITHIN)
    assert ex.content["status"] == "ok"
    assert kernel.wait_exit(EXIT_WITHIN)
