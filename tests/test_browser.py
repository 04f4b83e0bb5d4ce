"""The demo's HTML reports in a real browser: offline, without errors, with their charts drawn.

Headless Chromium (Debian's ``chromium`` package) runs with every way out blocked: a proxy on a
closed local port, host names that resolve to nothing, and the DevTools protocol's own URL
blocking. The test drives it over that protocol (a websocket) and, for each report, records
every request the page makes (``Network.requestWillBeSent``: only ``file:`` and ``data:`` may
appear), every console error, uncaught exception and failed load, and takes a screenshot of the
first chart (an ``img``, ``svg`` or ``canvas``), which must not be blank.

Without Chromium the test is skipped, with how to install it; on CI (``CI`` set) it fails.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import websocket
from PIL import Image

LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
BLOCKED = ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]
VIEWPORT = {"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": False}
FIRST_CHART = """(() => {
  const chart = document.querySelector("img, svg, canvas");
  if (!chart) return null;
  chart.scrollIntoView({block: "center"});
  const box = chart.getBoundingClientRect();
  return {tag: chart.tagName.toLowerCase(), decoded: chart.tagName !== "IMG" ||
          (chart.complete && chart.naturalWidth > 0), x: box.x + window.scrollX,
          y: box.y + window.scrollY, width: box.width, height: box.height};
})()"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "Chromium is not installed: apt-get install chromium (Debian's package)"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs it on CI")
        pytest.skip(message)
    return found


class Browser:
    """One headless Chromium with the network blocked and one page, driven over DevTools."""

    def __init__(self, executable: str, profile: Path, timeout: float = 30.0):
        args = [
            executable,
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
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            # every way out: a proxy nobody listens on, and no host name resolves
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "about:blank",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run its sandbox as root
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        self.timeout = timeout
        self.events: list[dict] = []
        self._id = 0
        port = self._devtools_port(profile / "DevToolsActivePort")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT"
        )
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            page = json.load(answer)
        self.socket = websocket.create_connection(
            page["webSocketDebuggerUrl"], timeout=timeout, suppress_origin=True
        )
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call("Network.setBlockedURLs", urls=BLOCKED)
        self.call("Network.setCacheDisabled", cacheDisabled=True)
        self.call("Emulation.setDeviceMetricsOverride", **VIEWPORT)

    def _devtools_port(self, path: Path) -> int:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Chromium stopped: {self.process.stderr.read().decode()}")
            if path.exists() and path.read_text().strip():
                return int(path.read_text().split()[0])
            time.sleep(0.05)
        raise TimeoutError("Chromium did not open its DevTools port")

    def call(self, method: str, **params) -> dict:
        self._id += 1
        self.socket.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def _drain(self, until: str | None, quiet: float, limit: float) -> None:
        """Collect events until ``until`` arrives, then until nothing comes for ``quiet`` s."""
        deadline = time.monotonic() + limit
        waiting = until
        while time.monotonic() < deadline:
            self.socket.settimeout(self.timeout if waiting else quiet)
            try:
                message = json.loads(self.socket.recv())
            except websocket.WebSocketTimeoutException:
                if waiting:
                    raise
                return
            self.events.append(message)
            if message.get("method") == waiting:
                waiting = None
        self.socket.settimeout(self.timeout)

    def open(self, url: str) -> list[dict]:
        """Load ``url`` and wait for it to settle; return the events it caused."""
        self.events = []
        self.call("Page.navigate", url=url)
        self._drain("Page.loadEventFired", quiet=0.3, limit=self.timeout)
        self.socket.settimeout(self.timeout)
        return self.events

    def first_chart(self) -> tuple[dict | None, Image.Image | None]:
        """The first chart's tag, state and box, and a screenshot of it."""
        result = self.call("Runtime.evaluate", expression=FIRST_CHART, returnByValue=True)
        chart = result["result"].get("value")
        if not chart or chart["width"] < 1 or chart["height"] < 1:
            return chart, None
        clip = {k: chart[k] for k in ("x", "y", "width", "height")} | {"scale": 1}
        shot = self.call("Page.captureScreenshot", format="png", clip=clip)
        return chart, Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")

    def close(self) -> None:
        self.socket.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # Chromium and the helpers it started
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process.stderr.close()


def page_problems(events: list[dict]) -> list[str]:
    """Requests that left the page, console errors, uncaught exceptions and failed loads."""
    problems = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(LOCAL_SCHEMES):
                problems.append(f"request to {url}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            problems.append(f"console {params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            problems.append(f"exception: {params['exceptionDetails'].get('text')}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            problems.append(f"{entry['source']} error: {entry['text']} {entry.get('url', '')}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            problems.append(f"failed to load: {params.get('errorText')}")
    return problems


def blank(image: Image.Image) -> bool:
    """One colour, or almost: fewer than 1% of the pixels differ from the commonest."""
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    commonest = max((count for count, _ in colours), default=0)
    return len(colours) < 3 or (image.width * image.height - commonest) < 0.01 * (
        image.width * image.height
    )


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Browser(_chromium(), tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


def test_the_browser_check_sees_requests_console_errors_and_blank_charts(browser, tmp_path):
    """The checks are not vacuous: a page that reaches out, logs an error and draws nothing."""
    page = tmp_path / "leaky.html"
    page.write_text(
        "<!doctype html><html><body><p>Leaky</p>"
        '<img src="https://example.org/tracker.png" alt="">'
        '<canvas width="200" height="100"></canvas>'
        "<script>console.error('something broke'); fetch('http://example.com/x');</script>"
        "</body></html>",
        encoding="utf-8",
    )
    problems = page_problems(browser.open(page.as_uri()))
    assert "request to https://example.org/tracker.png" in problems
    assert "request to http://example.com/x" in problems
    assert "console error: something broke" in problems
    chart, image = browser.first_chart()
    assert chart["tag"] == "img" and not chart["decoded"]  # the tracker never loaded
    drawn = tmp_path / "drawn.html"
    drawn.write_text(
        '<!doctype html><html><body><svg width="120" height="40" role="img">'
        '<polyline points="0,35 40,20 80,25 120,5" stroke="black" stroke-width="3" fill="none"/>'
        '</svg><svg width="120" height="40"></svg></body></html>',
        encoding="utf-8",
    )
    assert page_problems(browser.open(drawn.as_uri())) == []
    chart, image = browser.first_chart()
    assert chart["tag"] == "svg" and image is not None and not blank(image)
    assert blank(Image.new("RGB", (120, 40), "white"))


@pytest.mark.slow
def test_every_report_opens_offline_without_errors_and_draws_its_first_chart(
    browser, demo_programme_outputs
):
    _, outputs = demo_programme_outputs
    pages = sorted(outputs.rglob("*.html"))
    assert len(pages) == 3 * 8 + 3 + 1 + 1  # round reports, trajectories, programme, index
    problems = {}
    for path in pages:
        found = page_problems(browser.open(path.as_uri()))
        chart, image = browser.first_chart()
        if chart is None:
            found.append("no chart")
        elif not chart["decoded"]:
            found.append(f"the first chart ({chart['tag']}) is not drawn")
        elif image is None or blank(image):
            found.append(f"the first chart ({chart['tag']}) is blank")
        if found:
            problems[path.relative_to(outputs).as_posix()] = found
    assert problems == {}


AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
RUN_AXE = """axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]})
  .then(r => r.violations.map(
    v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", ")))"""
# What axe cannot see: titles, alt texts with their numbers, and what scrolls at a phone's width.
PAGE_FACTS = """(() => {
  const text = e => (e ? e.textContent : "").replace("¶", "").replace(/\\s+/g, " ").trim();
  const images = [...document.querySelectorAll("img")].map(img => ({
    alt: img.getAttribute("alt"),
    table: !!(img.closest("figure") && img.closest("figure").querySelector("table"))}));
  const focusable = [...document.querySelectorAll("[tabindex]")].map(e => ({
    tag: e.tagName.toLowerCase(), cls: e.className, role: e.getAttribute("role"),
    label: e.getAttribute("aria-label")}));
  const scrolling = [...document.querySelectorAll("main *")].filter(e => {
    const style = getComputedStyle(e);
    return ["auto", "scroll"].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1;
  }).map(e => ({cls: e.className, tabindex: e.getAttribute("tabindex")}));
  return {title: document.title.trim(), h1: text(document.querySelector("h1")), images,
          focusable, scrolling, width: document.documentElement.scrollWidth};
})()"""


def _evaluate(browser: Browser, expression: str):
    answer = browser.call(
        "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
    )
    if "exceptionDetails" in answer:
        raise RuntimeError(answer["exceptionDetails"].get("text"))
    return answer["result"].get("value")


def _axe_source() -> str:
    if not AXE.exists():
        message = "axe-core is not installed: run `make install` (npm ci) with npm present"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs npm on CI")
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def _axe(browser: Browser, source: str) -> list[str]:
    _evaluate(browser, source)
    return _evaluate(browser, RUN_AXE % json.dumps(AXE_TAGS))


def _width(browser: Browser, width: int) -> None:
    browser.call("Emulation.setDeviceMetricsOverride", **(VIEWPORT | {"width": width}))


def test_axe_and_the_page_checks_find_what_they_look_for(browser, tmp_path):
    """The accessibility checks are not vacuous: a page with each fault is caught."""
    page = tmp_path / "faulty.html"
    page.write_text(
        "<!doctype html><html><head><title>Report</title></head><body><main><h1>Other</h1>"
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#bbb">faint</p><div tabindex="0">not a scroller</div>'
        '<div style="width:600px">wide</div></main></body></html>',
        encoding="utf-8",
    )
    browser.open(page.as_uri())
    found = " ".join(_axe(browser, _axe_source()))
    assert "image-alt" in found and "color-contrast" in found
    _width(browser, 320)
    try:
        browser.open(page.as_uri())
        facts = _evaluate(browser, PAGE_FACTS)
    finally:
        _width(browser, VIEWPORT["width"])
    assert facts["title"] != facts["h1"] and facts["images"] == [{"alt": None, "table": False}]
    assert facts["width"] > 320 and facts["focusable"][0]["role"] is None


@pytest.mark.slow
def test_every_demo_page_passes_axe_and_what_axe_cannot_check(browser, demo_programme_outputs):
    """WCAG 2.2 A and AA and best practice by axe-core on every page; then: each title is its
    h1 and unique, each image has a short alt text and its numbers in a table, nothing but a
    wide table's labelled box takes focus, nothing overflows at 320 px, and every chart's text
    size and contrast passed (charts.json)."""
    from evalkit.reports.figures import MAX_ALT_CHARACTERS

    source = _axe_source()
    _, outputs = demo_programme_outputs
    pages = sorted(outputs.rglob("*.html"))
    problems, titles = {}, {}
    for path in pages:
        name = path.relative_to(outputs).as_posix()
        browser.open(path.as_uri())
        found = [f"axe {v}" for v in _axe(browser, source)]
        facts = _evaluate(browser, PAGE_FACTS)
        titles.setdefault(facts["title"], []).append(name)
        if facts["title"] != facts["h1"]:
            found.append(f"title {facts['title']!r} is not the h1 {facts['h1']!r}")
        for image in facts["images"]:
            if not image["alt"] or len(image["alt"]) > MAX_ALT_CHARACTERS:
                found.append(f"alt text missing or too long: {image['alt']!r}")
            if not image["table"]:
                found.append(f"no table of numbers beside {image['alt']!r}")
        for element in facts["focusable"]:
            if element["role"] != "region" or not element["label"]:
                found.append(f"{element['tag']}.{element['cls']} takes focus without a name")
        _width(browser, 320)
        try:
            browser.open(path.as_uri())
            narrow = _evaluate(browser, PAGE_FACTS)
        finally:
            _width(browser, VIEWPORT["width"])
        if narrow["width"] > 320:
            found.append(f"{narrow['width']} px wide at 320 px")
        found += [f"{s['cls']} scrolls but cannot take focus" for s in narrow["scrolling"]
                  if s["tabindex"] is None]  # fmt: skip
        charts = path.parent / "figures" / "charts.json"
        if charts.exists():
            found += [p for chart in json.loads(charts.read_text()) for p in chart["problems"]]
        elif facts["images"]:
            found.append("no figures/charts.json beside a page with charts")
        if found:
            problems[name] = found
    assert problems == {}
    assert {t: n for t, n in titles.items() if len(n) > 1} == {}
    assert len(pages) == 3 * 8 + 3 + 1 + 1
