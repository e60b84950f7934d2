"""A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe``.

Headless Chromium reads commands on file descriptor 3 and writes replies and events on
descriptor 4, one JSON message per NUL-terminated record: no websocket library and no
port. Enough to load a page at a given viewport, evaluate expressions in it, list the
network requests it made, and take a screenshot.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

#: Debian's packages: chromium-headless-shell (bookworm-security, trixie) or chromium.
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser")


def find_browser() -> str | None:
    for name in BROWSERS:
        exe = shutil.which(name)
        if exe:
            return exe
    return None


class Browser:
    """One headless Chromium with one page (a flattened session on a new target)."""

    def __init__(self, exe: str, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="e820scope-chromium-")
        cmd_r, self._cmd_w = os.pipe()  # we write commands -> browser fd 3
        self._ev_r, ev_w = os.pipe()  # browser fd 4 -> we read
        args = [
            exe,
            "--headless",
            "--remote-debugging-pipe",
            "--no-sandbox",  # CI runs as root; the page is our own file
            "--disable-gpu",
            "--disable-dev-shm-usage",  # containers often have a 64 MB /dev/shm
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            f"--user-data-dir={self.profile}",
            "about:blank",
        ]

        def fds() -> None:
            # copies first: a pipe end may itself be fd 3 or 4 (dup2 onto itself would
            # keep its close-on-exec flag)
            a, b = os.dup(cmd_r), os.dup(ev_w)
            os.dup2(a, 3, inheritable=True)
            os.dup2(b, 4, inheritable=True)

        # the child's fds 3 and 4 are made by dup2 in the child; close_fds would close
        # them again (it runs after preexec_fn), so nothing else is closed
        self.proc = subprocess.Popen(
            args,
            close_fds=False,
            preexec_fn=fds,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        os.close(cmd_r)
        os.close(ev_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._ev_r], [], [], left)[0]:
                raise TimeoutError(f"no reply from chromium within {self.timeout} s")
            chunk = os.read(self._ev_r, 1 << 16)
            if not chunk:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"chromium exited: {err[-2000:]}")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        doc: dict[str, Any] = json.loads(msg)
        return doc

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def page(self, method: str, **params: Any) -> dict[str, Any]:
        return self.call(method, session=True, **params)

    def wait_event(self, method: str) -> dict[str, Any]:
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        while True:
            ev = self._read()
            if ev.get("method") == method:
                return ev
            self.events.append(ev)

    def load(self, url: str, width: int, height: int, mobile: bool = False) -> None:
        self.page("Page.enable")
        self.page("Network.enable")
        self.page(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )
        self.events.clear()
        self.page("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")

    def eval(self, expression: str) -> Any:
        r = self.page("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def requests(self) -> list[str]:
        """URLs of every request the page made since :meth:`load`."""
        return [
            ev["params"]["request"]["url"]
            for ev in self.events
            if ev.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path, full_page: bool = False) -> bytes:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            w, h = self.eval(
                "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
            )
            params["clip"] = {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}
        data = base64.b64decode(self.page("Page.captureScreenshot", **params)["data"])
        path.write_bytes(data)
        return data

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError, TimeoutError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._cmd_w, self._ev_r):
            os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)
