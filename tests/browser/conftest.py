"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Everything under tests/browser is marked `browser`. Chromium and the W3C Nu HTML checker (Java +
node_modules/vnu-jar) must be on the machine: with CI=true a missing one fails the run, elsewhere
the tests that need it are skipped with the reason.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
BROWSER_DIR = Path(__file__).resolve().parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# live_server runs Django in a thread of the test process, where Playwright's sync API has an
# event loop running; Django would otherwise refuse its database calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def missing_tool(reason):
    """Fail under CI (the tool must be there), skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium")
    if path is None:
        missing_tool("Chromium not found: apt-get install chromium (never `playwright install`)")
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_path):
    return {
        "executable_path": chromium_path,
        # Headless unless the developer asks for `--headed` to watch a test.
        "headless": browser_type_launch_args.get("headless", True),
        "args": CHROMIUM_ARGS,
        **{key: value for key, value in browser_type_launch_args.items() if key != "headless"},
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Every page is checked in the language and time zone of its users.
    return {**browser_context_args, "locale": "nl-BE", "timezone_id": "Europe/Brussels"}


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NuChecker:
    """The W3C Nu HTML checker as a local HTTP service, started once per test session.

    One Java start costs about 2 s and a check over HTTP about 50 ms, so a session-wide service
    beats `java -jar vnu.jar` per page once a test checks more than a few pages.
    """

    def __init__(self, java, jar, log_path):
        self.port = _free_port()
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [java, "-cp", str(jar), "nu.validator.servlet.Main", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = Path(self.log_path).read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the Nu checker exited with {self.process.returncode}:\n{log}")
            try:
                self.check("<!DOCTYPE html><html lang=en><title>ready</title></html>")
                return
            except (ConnectionError, http.client.HTTPException):
                time.sleep(0.2)
        raise RuntimeError(f"the Nu checker did not answer on port {self.port} in {timeout} s")

    def check(self, html):
        """The checker's messages for one document: dicts with type, message, lastLine, …"""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(
                "POST",
                "/?out=json",
                body=html.encode("utf-8"),
                # The checker refuses requests without a User-Agent.
                headers={"Content-Type": "text/html; charset=utf-8", "User-Agent": "nabuur-tests"},
            )
            response = connection.getresponse()
            body = response.read()
            if response.status == 503:
                raise ConnectionError("the Nu checker is still starting")
            if response.status != 200:
                raise RuntimeError(f"the Nu checker answered HTTP {response.status}: {body[:300]}")
            return json.loads(body)["messages"]
        finally:
            connection.close()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def nu_checker(tmp_path_factory):
    java = shutil.which("java")
    if java is None:
        missing_tool("Java not found: apt-get install default-jre-headless")
    if not VNU_JAR.exists():
        missing_tool(f"{VNU_JAR.relative_to(ROOT)} not found: run `npm ci`")
    checker = NuChecker(java, VNU_JAR, tmp_path_factory.mktemp("vnu") / "vnu.log")
    try:
        checker.wait_until_ready()
        yield checker
    finally:
        checker.stop()


@pytest.fixture
def assert_valid_html(nu_checker):
    """`assert_valid_html(html, where="/nl/")`: the Nu checker finds no error in the document."""
    from .helpers import nu_errors

    def check(html, where="the document"):
        errors = nu_errors(nu_checker.check(html))
        if errors:
            raise AssertionError(f"Nu HTML checker errors in {where}:\n" + "\n".join(errors))

    return check
