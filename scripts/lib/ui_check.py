#!/usr/bin/env python3
"""Drives headless Chromium through the DevTools protocol against a running ssm
(scripts/ui-test.sh): opens /ui, gives the page the token, waits for the numbers, compares
them with /pool/stats, makes requests and waits for the page to show them, checks the phone
layout, and keeps screenshots.

    ui_check.py BASE_URL TOKEN LABEL ARTIFACT_DIR

Prints one "PASS name" or "FAIL name: why" line per check; exits 1 when any failed.
"""
import base64
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from websockets.sync.client import connect

BASE, TOKEN, LABEL, ARTIFACTS = sys.argv[1:5]
failures = 0


def check(name, ok, why=""):
    global failures
    if ok:
        print(f"PASS {name}")
    else:
        failures += 1
        print(f"FAIL {name}: {why}")


def api(method, path, body=None):
    request = urllib.request.Request(
        BASE + path, method=method, data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


class Browser:
    """One page of a headless Chromium, over the DevTools protocol (flat sessions)."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="ssm-ui-chromium-")
        self.process = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             "--window-size=1280,1100", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = None
        deadline = time.time() + 60
        while time.time() < deadline and url is None:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                raise RuntimeError("chromium exited")
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                url = match.group(1)
        if url is None:
            raise RuntimeError("chromium did not start its DevTools endpoint")
        self.stack = contextlib.ExitStack()
        self.socket = self.stack.enter_context(connect(url, max_size=64 << 20, open_timeout=30))
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable", session=True)

    def call(self, method, params=None, session=False):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        while True:
            answer = json.loads(self.socket.recv(timeout=30))
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                           session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, seconds=20):
        """The value of `expression` once truthy (errors while the page loads count as false)."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError:
                value = None
            if value:
                return value
            time.sleep(0.2)
        return None

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=True)["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))

    def problems(self):
        """Console errors and CSP violations seen so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(params["entry"]["text"])
            if method == "Runtime.consoleAPICalled" and params["type"] == "error":
                found.append(" ".join(str(arg.get("value")) for arg in params["args"]))
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
        return found

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        self.stack.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


POOL_FIELDS = ["max_size", "current_size", "in_use", "available", "waiters"]
READ_PAGE = """JSON.stringify({
  updated: document.getElementById('updated').textContent,
  pool: Object.fromEntries(%s.map(f => [f, document.getElementById('pool-' + f).textContent])),
  acquired: document.getElementById('pool-acquired').textContent,
  circuit: document.getElementById('circuit-state').textContent,
  login: document.getElementById('login-state').textContent,
  keys: document.getElementById('keys-ssm-keys').textContent,
  routes: Array.from(document.querySelectorAll('#routes-body tr')).map(r => Array.from(r.cells).map(c => c.textContent)),
})""" % json.dumps(POOL_FIELDS + ["acquired"])


def read_page(browser):
    return json.loads(browser.evaluate(READ_PAGE))


def next_refresh(browser, page):
    """The page once it refreshed after `page` was read."""
    before = page["updated"]
    browser.wait_for(f"document.getElementById('updated').textContent !== {json.dumps(before)}", seconds=10)
    # Within one second the "updated" text may not change: wait for a second refresh too.
    time.sleep(2.2)
    return read_page(browser)


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    browser = Browser()
    try:
        browser.call("Page.navigate", {"url": BASE + "/ui"}, session=True)
        shown = browser.wait_for("!document.getElementById('login').hidden")
        check("the page asks for a token (clients configured)", shown)
        browser.evaluate(
            "document.getElementById('token').value = %s; document.getElementById('login').requestSubmit(); true"
            % json.dumps(TOKEN))
        ready = browser.wait_for("/^[0-9]+$/.test(document.getElementById('pool-max_size').textContent)")
        check("the page shows the pool's numbers", ready)
        check("the token is in no URL", TOKEN not in browser.evaluate("location.href"))

        # The same figures as /pool/stats (read before and after the page's own refresh).
        before = api("GET", "/pool/stats")
        page = next_refresh(browser, read_page(browser))
        after = api("GET", "/pool/stats")
        for field in POOL_FIELDS:
            shown = page["pool"][field]
            check(f"page shows /pool/stats' {field}", shown in {str(before[field]), str(after[field])},
                  f"page {shown}, /pool/stats {before[field]} then {after[field]}")
        acquired = int(page["acquired"])
        check("page shows /pool/stats' acquired", before["acquired"] <= acquired <= after["acquired"],
              f"page {acquired}, /pool/stats {before['acquired']} then {after['acquired']}")
        check("circuit closed, logged in", page["circuit"].startswith("closed") and page["login"] == "logged in",
              f"{page['circuit']} / {page['login']}")
        check("keys counted", page["keys"].isdigit() and int(page["keys"]) >= 1, page["keys"])
        browser.screenshot(os.path.join(ARTIFACTS, "status-before.png"))

        # Requests: the page's figures follow.
        count = 25
        for _ in range(count):
            api("POST", "/encrypt-pool", {"key_label": LABEL, "plain": "00112233", "encryption_algorithm": 1})
        stats = api("GET", "/pool/stats")
        moved = browser.wait_for(
            "Number(document.getElementById('pool-acquired').textContent) >= %d" % stats["acquired"], seconds=15)
        check(f"acquired follows {count} requests", moved)
        page = read_page(browser)
        row = next((r for r in page["routes"] if r[0] == "POST /encrypt-pool"), None)
        check("the requests table shows POST /encrypt-pool", row is not None, page["routes"])
        if row:
            check(f"POST /encrypt-pool: {count} requests", int(row[2]) == count, row)
            check("POST /encrypt-pool: a rate", float(row[1]) > 0, row)
        bars = browser.evaluate("document.querySelectorAll('#traffic-chart rect').length")
        check("the chart has its bars", bars == 30, bars)
        desktop = os.path.join(ARTIFACTS, "status-desktop.png")
        browser.screenshot(desktop)

        # A phone: one column, nothing wider than the screen.
        browser.call("Emulation.setDeviceMetricsOverride",
                     {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}, session=True)
        time.sleep(2.5)
        overflow = browser.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        check("phone: no horizontal overflow", overflow <= 0, f"{overflow}px wider than the screen")
        columns = browser.evaluate("getComputedStyle(document.getElementById('panels')).gridTemplateColumns.split(' ').length")
        check("phone: one column", columns == 1, columns)
        phone = os.path.join(ARTIFACTS, "status-phone.png")
        browser.screenshot(phone)

        # The first poll, before the token was given, is refused: expected.
        problems = [p for p in browser.problems() if "status of 401" not in p]
        check("no console error, no Content-Security-Policy violation", not problems, problems)
        # The policy holds: an inline style sheet added now is refused (and reported).
        browser.evaluate("const s = document.createElement('style'); s.textContent = 'body{color:red}'; "
                         "document.head.appendChild(s); true")
        time.sleep(0.5)
        refused = [p for p in browser.problems() if "Content Security Policy" in p and "style" in p]
        check("the Content-Security-Policy refuses inline style", refused, browser.problems())
        print(f"screenshots: {desktop} {phone}")
        print("DONE")
    finally:
        browser.close()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
