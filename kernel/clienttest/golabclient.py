"""A golab kernel driven from a test through jupyter_client.

Kernel wraps the KernelManager and BlockingKernelClient that
jupyter_client.manager.start_new_kernel returns and adds what the tests need
on top: send one request, then gather its reply and every IOPub message
parented to it, from ``status: busy`` to ``status: idle``. Every wait has a
deadline, so a kernel that hangs fails the test instead of hanging the suite.

The same code runs under jupyter_client 8 (the project's .venv) and Debian's
jupyter_client 7.4.9: it only uses the blocking client's get_*_msg methods,
channel.send and session.msg, which both versions share.
"""

from __future__ import annotations

import datetime
import os
import queue
import signal
import time
from typing import Any

from jupyter_client.manager import start_new_kernel

KERNEL_NAME = "golab"

# How long one request may take before the test fails. Cells in these tests
# are small; the few slow ones pass their own timeout.
TIMEOUT = 20.0

# How long to wait for a kernel to start and answer kernel_info.
STARTUP_TIMEOUT = 30.0


def summarize(msgs: list[dict]) -> str:
    """A short list of message types with repeats counted: "status:busy, stream x3"."""
    names = []
    for m in msgs:
        n = m["msg_type"]
        if n == "status":
            n += ":" + m["content"].get("execution_state", "")
        names.append(n)
    out: list[str] = []
    i = 0
    while i < len(names):
        j = i
        while j < len(names) and names[j] == names[i]:
            j += 1
        out.append(names[i] + (f" x{j - i}" if j - i > 1 else ""))
        i = j
    return ", ".join(out)


class KernelTimeout(AssertionError):
    """The kernel did not answer in time."""


def parent_id(msg: dict) -> str | None:
    """The msg_id of the request msg answers, or None."""
    return (msg.get("parent_header") or {}).get("msg_id")


class Exchange:
    """One request and what the kernel sent for it."""

    def __init__(self, request: dict, reply: dict | None, iopub: list[dict], others: list[dict]):
        self.request = request
        self.msg_id = request["header"]["msg_id"]
        self.reply = reply
        # IOPub messages parented to the request, busy first and idle last.
        self.iopub = iopub
        # IOPub messages parented to something else that arrived meanwhile
        # (late output of an earlier cell, say).
        self.others = others

    @property
    def content(self) -> dict:
        """The reply's content."""
        assert self.reply is not None, "no reply"
        return self.reply["content"]

    @property
    def status(self) -> str:
        """The reply's status: ok, error or aborted."""
        return self.content["status"]

    def of_type(self, *msg_types: str) -> list[dict]:
        """The IOPub messages of the given types, in order."""
        return [m for m in self.iopub if m["msg_type"] in msg_types]

    @property
    def outputs(self) -> list[dict]:
        """IOPub messages that a front end shows as output."""
        return [m for m in self.iopub if m["msg_type"] not in ("status", "execute_input")]

    def stream(self, name: str = "stdout") -> str:
        """All text of the named stream, joined."""
        return "".join(m["content"]["text"] for m in self.of_type("stream") if m["content"]["name"] == name)

    def stream_messages(self, name: str = "stdout") -> list[dict]:
        """The stream messages of the named stream."""
        return [m for m in self.of_type("stream") if m["content"]["name"] == name]

    @property
    def result(self) -> dict | None:
        """The execute_result's data bundle, or None."""
        results = self.of_type("execute_result")
        assert len(results) <= 1, f"{len(results)} execute_result messages"
        return results[0]["content"]["data"] if results else None

    @property
    def error(self) -> dict | None:
        """The content of the error output, or None."""
        errors = self.of_type("error")
        return errors[0]["content"] if errors else None

    def error_text(self) -> str:
        """ename, evalue and traceback of the error output and reply, as one string."""
        parts = []
        for c in filter(None, [self.error, self.reply and self.content]):
            parts += [str(c.get("ename", "")), str(c.get("evalue", ""))]
            parts += [str(t) for t in c.get("traceback", []) or []]
        return "\n".join(parts)

    def describe(self) -> str:
        """A summary for assertion messages."""
        lines = [f"reply: {self.reply and self.reply['content']}", f"iopub: {summarize(self.iopub)}"]
        for m in self.outputs[:20]:
            lines.append(f"  iopub {m['msg_type']}: {str(m['content'])[:300]}")
        for m in self.others[:20]:
            lines.append(f"  other {m['msg_type']} (parent {parent_id(m)}): {str(m['content'])[:300]}")
        return "\n".join(lines)


class Kernel:
    """A running golab kernel and a blocking client connected to it."""

    def __init__(self, km, kc):
        self.km = km
        self.kc = kc
        # IOPub messages read while waiting for something else, kept for
        # whoever asks for them next (late output, say).
        self.stray: list[dict] = []

    @classmethod
    def start(cls, kernel_name: str = KERNEL_NAME, **kw: Any) -> "Kernel":
        """Start a kernel and wait until it answers kernel_info."""
        km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=STARTUP_TIMEOUT, **kw)
        k = cls(km, kc)
        k.drain(0.2)
        return k

    def stop(self) -> None:
        """Stop the client and shut the kernel down, killing it if it lingers."""
        try:
            self.kc.stop_channels()
        finally:
            try:
                self.km.shutdown_kernel(now=False)
            except Exception:
                self.km.shutdown_kernel(now=True)

    # --- process -------------------------------------------------------

    @property
    def pid(self) -> int:
        """The kernel's process id."""
        prov = getattr(self.km, "provisioner", None)
        if prov is not None and getattr(prov, "pid", None):
            return prov.pid
        return self.km.kernel.pid

    def process_alive(self) -> bool:
        """Whether the kernel process still runs (not a zombie)."""
        prov = getattr(self.km, "provisioner", None)
        proc = getattr(prov, "process", None) or getattr(self.km, "kernel", None)
        if proc is not None and hasattr(proc, "poll"):
            return proc.poll() is None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def wait_exit(self, timeout: float) -> bool:
        """Wait until the kernel process exits; True if it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.process_alive():
                return True
            time.sleep(0.05)
        return not self.process_alive()

    def sigint(self) -> None:
        """Send SIGINT to the kernel process."""
        os.kill(self.pid, signal.SIGINT)

    # --- messages ------------------------------------------------------

    def _get(self, channel: str, timeout: float) -> dict:
        get = getattr(self.kc, f"get_{channel}_msg")
        return get(timeout=max(timeout, 0.001))

    def drain(self, quiet: float = 0.2) -> list[dict]:
        """Read IOPub until it has been quiet for `quiet` seconds; return what came (and stray)."""
        got, self.stray = self.stray, []
        while True:
            try:
                got.append(self._get("iopub", quiet))
            except queue.Empty:
                return got

    def reply(self, msg_id: str, channel: str = "shell", timeout: float = TIMEOUT) -> dict:
        """Wait for the reply to msg_id on shell or control; other replies are dropped."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise KernelTimeout(f"no {channel} reply to {msg_id} within {timeout}s")
            try:
                msg = self._get(channel, left)
            except queue.Empty:
                continue
            if parent_id(msg) == msg_id:
                return msg

    def iopub_for(
        self, msg_id: str, timeout: float = TIMEOUT, max_messages: int | None = None
    ) -> tuple[list[dict], list[dict]]:
        """IOPub messages parented to msg_id, up to its idle, and the others read meanwhile.

        Asserts the busy/idle rule: the first message parented to the request
        is status busy and the last is status idle. With max_messages, fails
        as soon as more than that many messages are parented to the request.
        """
        deadline = time.monotonic() + timeout
        mine: list[dict] = []
        others: list[dict] = []
        kept: list[dict] = []  # others, kept for later readers too
        pending, self.stray = self.stray, []
        while True:
            if pending:
                msg = pending.pop(0)
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.stray = kept + self.stray
                    raise KernelTimeout(f"no status idle for {msg_id} within {timeout}s; got {summarize(mine)}")
                try:
                    msg = self._get("iopub", left)
                except queue.Empty:
                    continue
            if parent_id(msg) != msg_id:
                others.append(msg)
                kept.append(msg)
                continue
            if not mine:
                assert msg["msg_type"] == "status" and msg["content"]["execution_state"] == "busy", (
                    f"first IOPub message for {msg['parent_header'].get('msg_type')} is "
                    f"{msg['msg_type']} {msg['content']}, not status busy"
                )
            elif msg["msg_type"] == "status":
                assert msg["content"]["execution_state"] == "idle", f"second status {msg['content']} before idle"
            mine.append(msg)
            if max_messages is not None and len(mine) > max_messages:
                self.stray = kept + pending + self.stray
                raise AssertionError(f"more than {max_messages} IOPub messages for one request: {summarize(mine[:50])} ...")
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                # Keep what was not ours for later readers.
                self.stray = kept + pending + self.stray
                return mine, others

    def send(self, msg_type: str, content: dict | None = None, channel: str = "shell") -> dict:
        """Send a request built by the client's session; return the message."""
        msg = self.kc.session.msg(msg_type, content or {})
        getattr(self.kc, f"{channel}_channel").send(msg)
        return msg

    def request(
        self,
        msg_type: str,
        content: dict | None = None,
        channel: str = "shell",
        timeout: float = TIMEOUT,
        reply: bool = True,
        max_messages: int | None = None,
    ) -> Exchange:
        """Send a request and gather its reply (unless reply=False) and IOPub traffic."""
        msg = self.send(msg_type, content, channel)
        msg_id = msg["header"]["msg_id"]
        rep = None
        if reply:
            rep = self.reply(msg_id, channel, timeout)
            want = msg_type.replace("_request", "_reply")
            assert rep["msg_type"] == want, f"reply type {rep['msg_type']}, want {want}"
        iopub, others = self.iopub_for(msg_id, timeout, max_messages)
        return Exchange(msg, rep, iopub, others)

    def execute(
        self, code: str, timeout: float = TIMEOUT, ok: bool | None = None, max_messages: int | None = None, **kw: Any
    ) -> Exchange:
        """Execute code and gather the reply and IOPub traffic.

        kw are execute_request fields (silent, store_history, allow_stdin,
        stop_on_error). ok=True asserts the reply's status is ok, ok=False
        that it is error.
        """
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        content.update(kw)
        ex = self.request("execute_request", content, timeout=timeout, max_messages=max_messages)
        if ok is True:
            assert ex.status == "ok", f"cell failed:\n{code}\n{ex.describe()}"
        elif ok is False:
            assert ex.status == "error", f"cell did not fail:\n{code}\n{ex.describe()}"
        return ex

    def start_execute(self, code: str, **kw: Any) -> dict:
        """Send an execute_request without waiting; return the message."""
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        content.update(kw)
        return self.send("execute_request", content)

    def finish(self, msg: dict, timeout: float = TIMEOUT) -> Exchange:
        """Gather the reply and IOPub traffic of a request sent earlier."""
        msg_id = msg["header"]["msg_id"]
        rep = self.reply(msg_id, "shell", timeout)
        iopub, others = self.iopub_for(msg_id, timeout)
        return Exchange(msg, rep, iopub, others)

    def wait_started(self, msg: dict, timeout: float = TIMEOUT) -> None:
        """Wait until IOPub shows that the execute request msg has started (execute_input)."""
        msg_id = msg["header"]["msg_id"]
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise KernelTimeout(f"cell did not start within {timeout}s: {seen}")
            try:
                m = self._get("iopub", left)
            except queue.Empty:
                continue
            seen.append(m)
            if parent_id(m) == msg_id and m["msg_type"] == "execute_input":
                # Put everything back so finish() sees the whole exchange.
                self.stray.extend(seen)
                return

    def is_ok(self, timeout: float = TIMEOUT) -> bool:
        """Whether the kernel still runs cells: 6*7 must give 42."""
        ex = self.execute("6 * 7", timeout=timeout)
        return ex.status == "ok" and (ex.result or {}).get("text/plain") == "42"


def check_header(msg: dict) -> None:
    """Assert msg's header is a protocol 5.3 header with a parseable date."""
    h = msg["header"]
    assert h.get("version") == "5.3", f"{h.get('msg_type')}: version {h.get('version')!r}"
    assert isinstance(h.get("msg_id"), str) and h["msg_id"], f"msg_id {h.get('msg_id')!r}"
    assert isinstance(h.get("session"), str) and h["session"], f"session {h.get('session')!r}"
    assert isinstance(h.get("username"), str), f"username {h.get('username')!r}"
    assert h.get("msg_type") == msg["msg_type"]
    # jupyter_client turns an ISO 8601 date with at most 6 fractional digits
    # into a datetime and leaves anything else a string.
    assert isinstance(h.get("date"), datetime.datetime), f"{h.get('msg_type')}: date {h.get('date')!r} not parsed"
    assert h["date"].tzinfo is not None, f"date {h['date']!r} has no zone"
