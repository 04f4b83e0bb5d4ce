"""A headless Chromium, driven over the DevTools protocol: printing reports to PDF, and the tests'
checks of what a reader's browser shows.

Chromium runs with every way out blocked (a proxy on a closed local port, host names that resolve
to nothing, and the protocol's own URL blocking), in a profile of its own that is removed when it
stops, so a report can never fetch anything while it is printed or checked.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from evalkit.exceptions import RunError

__all__ = ["Browser", "chromium"]

BLOCKED = ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]


def chromium() -> str:
    """The Chromium executable, or a :class:`RunError` saying how to install it."""
    found = (
        os.environ.get("EVALKIT_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )
    if not found:
        raise RunError(
            "PDF reports are printed by headless Chromium, which is not installed: install it "
            "(on Debian or Ubuntu: apt-get install chromium), or set EVALKIT_CHROMIUM."
        )
    return found


class Browser:
    """One headless Chromium with the network blocked and one page (a context manager)."""

    def __init__(self, *, timeout: float = 60.0, width: int = 1100, height: int = 900):
        import websocket

        self.timeout = timeout
        self.events: list[dict] = []
        self._id = 0
        self._profile = Path(tempfile.mkdtemp(prefix="evalkit-chromium-"))
        args = [
            chromium(),
            "--headless",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            f"--user-data-dir={self._profile}",
            "--remote-debugging-port=0",
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "about:blank",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses its sandbox when run as root
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            port = self._port(self._profile / "DevToolsActivePort")
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT"
            )
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                page = json.load(answer)
            self.socket = websocket.create_connection(
                page["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True
            )
            for domain in ("Page", "Network", "Runtime"):
                self.call(f"{domain}.enable")
            self.call("Network.setBlockedURLs", urls=BLOCKED)
            self.viewport(width, height)
        except BaseException:
            self.close()
            raise

    def _port(self, path: Path) -> int:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RunError(f"Chromium stopped: {self.process.stderr.read().decode()[:500]}")
            if path.exists() and path.read_text().strip():
                return int(path.read_text().split()[0])
            time.sleep(0.05)
        raise RunError("Chromium did not open its DevTools port in time.")

    def call(self, method: str, **params) -> dict:
        """Send one DevTools command and return its result (events meanwhile are kept)."""
        self._id += 1
        self.socket.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RunError(f"Chromium: {method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def viewport(self, width: int, height: int = 900) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )

    def open(self, path: str | Path) -> None:
        """Load a local file and wait until it has loaded."""
        self.events.clear()
        self.call("Page.navigate", url=Path(path).resolve().as_uri())
        deadline = time.monotonic() + self.timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            if time.monotonic() > deadline:
                raise RunError(f"Chromium did not finish loading {path}.")
            self.events.append(json.loads(self.socket.recv()))

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (awaited if it is a promise)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RunError(f"Chromium: {result['exceptionDetails'].get('text', 'error')}")
        return result["result"].get("value")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.socket.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
