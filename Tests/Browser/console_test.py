#!/usr/bin/env python3
"""The on-call console (`GET /ui`) driven in a real browser: headless Chromium through Selenium.

    python3 Tests/Browser/console_test.py --binary .build/debug/moda-relay [--screenshots DIR]

Starts a real relay (admin token set) whose `orders` sink is a real HTTP server answering 503
with a hostile body, posts three signed events (one with `<img onerror>` in its prompt), waits for
them to be dead-lettered, then drives the page the way an on-call engineer would:

1. the page asks for the token; a wrong one is refused and shows nothing;
2. the failing sink shows as failing, with its last error and red sparkline bars;
3. the dead letters are listed; the hostile event and the sink's hostile answer render as text;
4. the sink recovers; one letter is replayed from its checkbox and reaches the sink; a letter
   replayed meanwhile by someone else is reported "not found"; "replay everything the filter
   shows" confirms the count first and delivers the rest.

Exits 1 on the first failed check, naming it. `ops/console-test` installs what it needs and runs it.
"""

import argparse
import contextlib
import hashlib
import hmac
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

SECRET = "whsec_console_test_0123456789"
TOKEN = "console-test-token-7f3a9c"
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
HOSTILE_ANSWER = '<img src=y onerror="window.__pwned=3">upstream down'


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SinkServer:
    """A real HTTP endpoint: 503 with a hostile body while failing, 200 once healthy."""

    def __init__(self):
        self.failing = True
        self.received = []
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with server.lock:
                    failing = server.failing
                    if not failing:
                        server.received.append(json.loads(body)["id"])
                answer = HOSTILE_ANSWER.encode() if failing else b"ok"
                self.send_response(503 if failing else 200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def recover(self):
        with self.lock:
            self.failing = False

    def delivered(self):
        with self.lock:
            return list(self.received)


class Relay:
    def __init__(self, binary, work, sink_port, token=True):
        self.port = free_port()
        self.admin = free_port()
        routes = os.path.join(work, "routes")
        os.makedirs(routes)
        with open(os.path.join(routes, "orders.yaml"), "w") as f:
            f.write(
                f"sink: http\nurl: http://127.0.0.1:{sink_port}/hook\ntimeout: 2s\n"
                "retry:\n  max_attempts: 2\n  backoff: 50ms\n  max_backoff: 100ms\n"
            )
        with open(os.path.join(routes, "archive.yaml"), "w") as f:
            f.write(f"sink: file\npath: {work}/archive/events.jsonl\n")
        token_arguments = []
        if token:
            token_file = os.path.join(work, "admin-token")
            with open(token_file, "w") as f:
                f.write(TOKEN + "\n")
            token_arguments = ["--admin-token-file", token_file]
        self.log = open(os.path.join(work, "relay.log"), "w")
        self.process = subprocess.Popen(
            [
                binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--admin-listen", f"127.0.0.1:{self.admin}",
                "--routes", routes, "--data-dir", os.path.join(work, "data"), *token_arguments,
            ],
            env={**os.environ, "MODA_WEBHOOK_SECRET": SECRET},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: self.get("/healthz", token=False) is not None, "the relay answers /healthz", 60)

    def url(self, path):
        return f"http://127.0.0.1:{self.admin}{path}"

    def get(self, path, token=True):
        request = urllib.request.Request(self.url(path))
        if token:
            request.add_header("Authorization", "Bearer " + TOKEN)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()
        except OSError:
            return None

    def replay(self, body):
        request = urllib.request.Request(
            self.url("/admin/dead/replay"), data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def dead(self, sink):
        status, _, body = self.get(f"/admin/dead?sink={sink}")
        return json.loads(body) if status == 200 else {"count": 0, "dead": []}

    def send(self, event_id, prompt):
        body = json.dumps(
            {
                "id": event_id, "type": "task.succeeded", "created": "2026-12-02T10:00:00+00:00",
                "api_version": "2026-05-01",
                "data": {"id": "task_" + event_id, "kind": "design", "prompt": prompt,
                         "result": {"canvas_url": "https://moda.app/c/1"}},
            },
            separators=(",", ":"),
        ).encode()
        timestamp = str(int(time.time()))
        digest = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/webhooks/moda", data=body, method="POST",
            headers={"X-Webhook-Timestamp": timestamp, "X-Webhook-Signature": "v1=" + digest,
                     "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            check(response.status == 200, f"event {event_id} acknowledged")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"  ok  {what}")


def wait_until(predicate, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                print(f"  ok  {what}")
                return
        except StaleElementReferenceException:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s: {what}")


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1200",
                     "--disable-gpu", "--lang=en-US"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


def text(driver, selector):
    return " ".join(element.text for element in driver.find_elements(By.CSS_SELECTOR, selector))


def visible(driver, selector):
    elements = driver.find_elements(By.CSS_SELECTOR, selector)
    return bool(elements) and elements[0].is_displayed()


def click(driver, selector, keys=None):
    """Clicks the first match (or types `keys` into it), again if a refresh replaced it meanwhile."""
    for _ in range(20):
        try:
            element = driver.find_element(By.CSS_SELECTOR, selector)
            if keys:
                element.send_keys(keys)
            else:
                element.click()
            return
        except StaleElementReferenceException:
            time.sleep(0.05)
    raise AssertionError(f"could not click {selector}")


def set_field(driver, element_id, value, event=None):
    """Sets an input or select as a user would (date pickers are not typed into reliably)."""
    driver.execute_script(
        "const field = document.getElementById(arguments[0]); field.value = arguments[1];"
        "if (arguments[2]) field.dispatchEvent(new Event(arguments[2]));",
        element_id, value, event)


def replay_result(driver):
    element = driver.find_element(By.ID, "replay-result")
    return element.text if element.is_displayed() else ""


def snap(driver, directory, name):
    """A PNG of the page as it is now, for docs/ (only with --screenshots)."""
    if not directory:
        return
    time.sleep(0.3)
    path = os.path.join(directory, name)
    driver.save_screenshot(path)
    print(f"  --  screenshot {path}")


@contextlib.contextmanager
def scenario(binary, prefix, token=True):
    """A scratch directory, a sink server and a relay, and a browser once asked for; all torn down
    afterwards, with the relay's last log lines printed if a check failed."""
    work = tempfile.mkdtemp(prefix=prefix)
    sink = SinkServer()
    relay = Relay(binary, work, sink.port, token=token)
    drivers = []

    def open_browser():
        drivers.append(browser())
        return drivers[-1]

    try:
        yield work, sink, relay, open_browser
    except (AssertionError, TimeoutException):
        relay.log.flush()
        with open(os.path.join(work, "relay.log")) as log:
            tail = log.readlines()[-40:]
        print("the relay's last log lines:\n" + "".join(tail), file=sys.stderr)
        raise
    finally:
        for driver in drivers:
            driver.quit()
        relay.stop()
        sink.httpd.shutdown()
        shutil.rmtree(work, ignore_errors=True)


def run(binary, screenshots):
    with scenario(binary, "moda-relay-console-") as (work, sink, relay, open_browser):
        print("the relay's answers")
        status, headers, body = relay.get("/ui", token=False)
        headers = {name.lower(): value for name, value in headers.items()}
        check(status == 200 and b"/ui/console.js" in body, "/ui is served without a token")
        policy = headers.get("content-security-policy", "")
        check("script-src 'self'" in policy and "frame-ancestors 'none'" in policy, "/ui sets a strict CSP")
        check(headers.get("x-frame-options") == "DENY", "/ui forbids framing")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{relay.port}/ui", timeout=5)
            check(False, "the public ingress does not serve /ui")
        except urllib.error.HTTPError as error:
            check(error.code == 404, "the public ingress does not serve /ui")

        print("three events die at the failing sink")
        relay.send("evt_console_a", "a deck about whales")
        relay.send("evt_console_b", "a deck about owls")
        relay.send("evt_console_x", HOSTILE)
        relay.send("evt_console_d", "a deck about moths")
        wait_until(lambda: relay.dead("orders")["count"] == 4, "4 dead letters at orders", 60)

        driver = open_browser()
        driver.get(relay.url("/ui"))
        print("the token")
        wait_until(lambda: visible(driver, "#login"), "the page asks for the admin token")
        check(not visible(driver, "#console"), "nothing is shown before the token")
        driver.find_element(By.ID, "token-input").send_keys("not-the-token")
        click(driver, "#login-form button")
        wait_until(lambda: visible(driver, "#login-error"), "a wrong token is refused")
        check(not visible(driver, "#console"), "a wrong token shows nothing")
        driver.find_element(By.ID, "token-input").send_keys(TOKEN)
        click(driver, "#login-form button")
        wait_until(lambda: visible(driver, "#console"), "the right token opens the console")
        check(
            driver.execute_script("return sessionStorage.getItem('moda-relay.admin-token')") == TOKEN,
            "the token is kept in the tab's sessionStorage",
        )

        print("the failing sink")
        row = "#sinks tr[data-sink='orders']"
        wait_until(lambda: "failing" in text(driver, row) or "circuit open" in text(driver, row),
                   "the orders sink shows as failing")
        wait_until(lambda: "503" in text(driver, row + " td.wrap"), "its last error names the 503")
        check("trouble" in driver.find_element(By.CSS_SELECTOR, row).get_attribute("class"), "its row is marked red")
        wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, row + " svg.spark rect.failed"),
                   "its sparkline has failed bars")
        check("running" in text(driver, "#sinks tr[data-sink='archive']"), "the healthy file sink shows running")
        check("Backfill: off" in text(driver, "#backfill"), "the backfill line says it is off (no Moda API key)")

        print("the dead letters")
        for event_id in ["evt_console_a", "evt_console_b", "evt_console_x", "evt_console_d"]:
            wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, f"#dead tr[data-id='{event_id}']"),
                       f"dead letter {event_id} is listed")
        check("(4)" in driver.find_element(By.ID, "dead-count").text, "the count says 4")
        snap(driver, screenshots, "console.png")

        print("dead letters, filtered")
        set_field(driver, "dead-since", time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() + 3600)))
        click(driver, "#dead-filter button[type=submit]")
        wait_until(lambda: visible(driver, "#dead-empty") and "(0)" in driver.find_element(By.ID, "dead-count").text,
                   "a time filter after every death shows none")
        set_field(driver, "dead-since", time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - 3600)))
        click(driver, "#dead-filter button[type=submit]")
        wait_until(lambda: "(4)" in driver.find_element(By.ID, "dead-count").text, "one before them shows all 4")
        set_field(driver, "dead-sink", "archive", event="change")
        wait_until(lambda: visible(driver, "#dead-empty"), "the archive sink's filter shows none")
        click(driver, "#dead-clear")
        wait_until(lambda: "(4)" in driver.find_element(By.ID, "dead-count").text, "clearing shows all 4 again")

        print("hostile text stays text")
        click(driver, "#dead tr[data-id='evt_console_x']")
        wait_until(lambda: visible(driver, "#letter"), "the hostile letter opens")
        # The event is shown as indented JSON, so the prompt's quotes appear escaped.
        wait_until(lambda: json.dumps(HOSTILE)[1:-1] in driver.find_element(By.ID, "letter-event").text,
                   "its prompt is shown as text, tags and all")
        check(HOSTILE_ANSWER in driver.find_element(By.ID, "letter-excerpt").text,
              "the sink's hostile answer is shown as text")
        check(not driver.find_elements(By.CSS_SELECTOR, "#letter img, #letter script, main img"),
              "no element was made from event or answer text")
        check(driver.execute_script("return window.__pwned === undefined"), "no injected script ran")
        snap(driver, screenshots, "console-dead-letter.png")
        attempts = driver.find_element(By.XPATH, "//dl[@id='letter-fields']/dt[.='Attempts']/following-sibling::dd[1]")
        check(attempts.text == "2", "the letter shows its 2 attempts")
        click(driver, "#letter-close")
        wait_until(lambda: not visible(driver, "#letter"), "the letter closes")

        print("deliveries, filtered")
        set_field(driver, "deliveries-status", "dead", event="change")
        wait_until(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#deliveries tr.clickable")) == 4,
                   "the dead outcome filter shows the 4 last attempts")
        check("retry" not in text(driver, "#deliveries tbody"), "no retry rows under the dead filter")
        click(driver, "#deliveries tr.clickable")
        wait_until(lambda: HOSTILE_ANSWER in text(driver, "#deliveries .delivery-excerpt"),
                   "an opened attempt shows its answer excerpt, as text")

        print("replay")
        sink.recover()
        click(driver, "#dead tr[data-id='evt_console_a'] input.pick")
        wait_until(lambda: driver.find_element(By.ID, "replay-selected").is_enabled(), "selecting enables replay")
        click(driver, "#replay-selected")
        wait_until(lambda: visible(driver, "#confirm"), "replay asks first")
        check("Replay 1 dead letter" in driver.find_element(By.ID, "confirm-text").text, "the question says 1")
        click(driver, "#confirm-yes")
        wait_until(lambda: "Replayed 1, not found 0" in replay_result(driver), "the result says replayed 1")
        wait_until(lambda: "evt_console_a" in sink.delivered(), "the replayed event reached the sink", 30)
        wait_until(lambda: not driver.find_elements(By.CSS_SELECTOR, "#dead tr[data-id='evt_console_a']"),
                   "it left the dead letters")

        click(driver, "#dead tr[data-id='evt_console_b'] input.pick")
        answer = relay.replay({"sink": "orders", "ids": ["evt_console_b"]})
        check(answer["replayed"] == 1, "someone else replays evt_console_b meanwhile")
        click(driver, "#replay-selected")
        wait_until(lambda: visible(driver, "#confirm"), "replay asks first")
        click(driver, "#confirm-yes")
        wait_until(lambda: "Replayed 0, not found 1" in replay_result(driver), "the page reports it not found")

        click(driver, "#dead tr[data-id='evt_console_d']", keys=Keys.ENTER)
        wait_until(lambda: visible(driver, "#letter") and "evt_console_d" in text(driver, "#letter-fields"),
                   "a letter opens from the keyboard too")
        click(driver, "#letter-replay")
        wait_until(lambda: visible(driver, "#confirm") and not visible(driver, "#letter"), "replaying it asks first")
        check("Replay 1 dead letter of sink orders" in driver.find_element(By.ID, "confirm-text").text,
              "the question names the sink")
        click(driver, "#confirm-yes")
        wait_until(lambda: "Replayed 1, not found 0" in replay_result(driver) and "evt_console_d" in sink.delivered(),
                   "the opened letter is replayed and delivered", 30)

        click(driver, "#replay-range")
        wait_until(lambda: visible(driver, "#confirm"), "replaying the filter asks first")
        question = driver.find_element(By.ID, "confirm-text").text
        check("Replay 1 dead letter" in question and "at any time" in question, "the question gives the count")
        click(driver, "#confirm-yes")
        wait_until(lambda: "Replayed 1, not found 0" in replay_result(driver), "the range is replayed")
        wait_until(lambda: {"evt_console_a", "evt_console_b", "evt_console_x", "evt_console_d"} <= set(sink.delivered()),
                   "every event reached the recovered sink", 30)
        wait_until(lambda: visible(driver, "#dead-empty"), "no dead letters are left")
        wait_until(lambda: "failing" not in text(driver, "#sinks tr[data-sink='orders']"),
                   "the sink no longer shows as failing")

        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
                  and "401" not in entry["message"]]
        check(not errors, "the browser logged no errors" + ("" if not errors else f": {errors}"))

        print("the token stays in the tab")
        driver.switch_to.new_window("tab")
        driver.get(relay.url("/ui"))
        wait_until(lambda: visible(driver, "#login"), "a new tab asks for the token again")


def run_without_token(binary):
    """A loopback relay with no admin token: the page opens straight away, with no prompt."""
    with scenario(binary, "moda-relay-console-open-", token=False) as (work, sink, relay, open_browser):
        print("no admin token configured")
        driver = open_browser()
        driver.get(relay.url("/ui"))
        wait_until(lambda: visible(driver, "#console"), "the console opens without asking")
        check(not visible(driver, "#login") and not visible(driver, "#forget-token"), "no token prompt or button")
        wait_until(lambda: "running" in text(driver, "#sinks tr[data-sink='orders']"), "the sinks are listed")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/debug/moda-relay")
    parser.add_argument("--screenshots", help="write console.png and console-dead-letter.png here")
    arguments = parser.parse_args()
    started = time.monotonic()
    try:
        run(os.path.abspath(arguments.binary), arguments.screenshots)
        run_without_token(os.path.abspath(arguments.binary))
    except (AssertionError, TimeoutException) as failure:
        print(f"FAIL {failure}", file=sys.stderr)
        sys.exit(1)
    print(f"console test passed in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
