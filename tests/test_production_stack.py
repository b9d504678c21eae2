"""Nabuur started as docs/deploy.md installs it, and walked through (issue 18).

The processes are the `ExecStartPre` and `ExecStart` lines of `deploy/*.service`, run with the
variables of `deploy/nabuur.env.example` (the checkout in place of /opt/nabuur): gunicorn with two
workers in production mode behind a proxy that says `X-Forwarded-Proto: https`, two `nabuur
worker` processes, an aiosmtpd relay, and the mail intake. Each process has its own
`NABUUR_VAR_DIR`, so nothing one of them leaves on its disk can be read by another: they could
run on different machines. The database is a fresh PostgreSQL database of its own.

The walk: the public pages, a resident's sign-up through the link in the e-mail the relay
received, a message delivered exactly once to each member, a bounce taken in by the intake, and
the nightly backup of deploy/nabuur-backup.service restored into a fresh database as
docs/deploy.md says ("Backups"): `nabuur verify_audit` passes there with the head exported
before, and every table holds as many rows.
"""

import http.client
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from .postgres_tools import client_program, fresh_database
from .smtp_sink import SmtpSink, free_port

pytestmark = pytest.mark.postgres_only

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN_DIR = Path(sys.executable).parent
HOST = "bin.stack.test"
METRICS_TOKEN = secrets.token_urlsafe(32)
BOUNCE_SAMPLE = Path(__file__).parent / "data" / "dsn" / "postfix-rfc3464-user-unknown.eml"
MEMBERS = ["an.member@stack.test", "bert.member@stack.test", "chris.member@stack.test"]


def environment_file():
    """The variables of the example environment file, as systemd's EnvironmentFile reads them."""
    values = {}
    for line in (DEPLOY / "nabuur.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def unit_commands(unit, key, env):
    """The command lines `key` (ExecStart, ExecStartPre) of a unit, ready to run here."""
    commands = []
    for line in (DEPLOY / unit).read_text().splitlines():
        if line.startswith(f"{key}="):
            command = line.split("=", 1)[1].replace("/opt/nabuur", str(ROOT))
            command = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], command)
            commands.append(shlex.split(command))
    assert commands, f"{unit} has no {key}"
    return commands


class Stack:
    def __init__(self, tmp_path, database_url, relay):
        self.tmp = tmp_path
        self.port = free_port()
        self.maildir = tmp_path / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True)
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            **environment_file(),
            # What an operator fills in; the rest stays as the example has it.
            "NABUUR_SECRET_KEY": secrets.token_urlsafe(50),
            "NABUUR_ALLOWED_HOSTS": HOST,
            "NABUUR_BASE_URL": f"https://{HOST}",
            "DATABASE_URL": database_url,
            "NABUUR_EMAIL_URL": f"smtp://127.0.0.1:{relay.port}",
            "NABUUR_FROM_EMAIL": "BIN Stack <bin@stack.test>",
            "NABUUR_STATIC_ROOT": str(tmp_path / "static"),
            "NABUUR_INTAKE_MAILDIR": str(self.maildir),
            "NABUUR_ERASURE_REGISTER": str(tmp_path / "register" / "erasures.jsonl"),
            "NABUUR_METRICS_TOKEN": METRICS_TOKEN,
            "PYTHONPATH": str(ROOT),
        }
        self.processes = []

    def env_for(self, name):
        var_dir = self.tmp / f"var-{name}"
        var_dir.mkdir(exist_ok=True)
        return {**self.env, "NABUUR_VAR_DIR": str(var_dir)}

    def run(self, command, name="admin", timeout=300, **env):
        result = subprocess.run(
            command,
            env={**self.env_for(name), **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def nabuur(self, *args, **env):
        return self.run([str(BIN_DIR / "nabuur"), *args], **env)

    def start(self, command, name):
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 (closed in stop)
        process = subprocess.Popen(
            command, env=self.env_for(name), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append((process, log))
        return process

    def start_web(self):
        for command in unit_commands("nabuur-web.service", "ExecStartPre", self.env):
            # make test compiled the catalogues already; compiling them again would rewrite
            # the checkout's .mo files under the feet of the tests running beside this one.
            if command[-1] != "compile_translations":
                self.run(command, "web")
        (command,) = unit_commands("nabuur-web.service", "ExecStart", self.env)
        bind = command.index("--bind")
        assert command[bind + 1] == "127.0.0.1:8000"
        assert command[command.index("--workers") + 1] == "2"
        command[bind + 1] = f"127.0.0.1:{self.port}"
        self.start(command, "web")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.get("/healthz/live")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError((self.tmp / "web.log").read_text())

    def start_workers(self, count=2):
        (command,) = unit_commands("nabuur-worker@.service", "ExecStart", self.env)
        for number in range(1, count + 1):
            self.start(command, f"worker-{number}")

    def intake(self):
        (command,) = unit_commands("nabuur-intake.service", "ExecStart", self.env)
        return self.run(command, "intake")

    def backup(self):
        """The nightly dump, as deploy/nabuur-backup.service runs it (the shell expands the
        date and $DATABASE_URL); returns the dump file."""
        folder = self.tmp / "backups"
        folder.mkdir()
        (command,) = unit_commands("nabuur-backup.service", "ExecStart", self.env)
        command = [
            part.replace("/var/backups/nabuur", str(folder)).replace("%%", "%") for part in command
        ]
        path = f"{Path(client_program('pg_dump')).parent}:{self.env['PATH']}"
        self.run(command, "backup", PATH=path)
        (dump,) = folder.glob("nabuur-*.dump")
        return dump

    def stop(self):
        for process, _ in self.processes:
            process.terminate()
        for process, log in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()

    # --- HTTP as nginx passes it on --------------------------------------------------------

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "198.51.100.23",
            **(headers or {}),
        }
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        conn.close()
        return response.status, response, text

    def get(self, path, **headers):
        status, _, text = self.request("GET", path, headers=headers)
        return status, text


class Browser:
    """Cookies kept by hand: they are Secure, and this client speaks plain HTTP to gunicorn
    exactly as nginx does."""

    def __init__(self, stack):
        self.stack = stack
        self.cookies = {}

    def send(self, method, path, fields=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://{HOST}{path}"
            headers["Origin"] = f"https://{HOST}"
        status, response, text = self.stack.request(method, path, body, headers)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
                assert "Secure" in value, value
        return status, response, text

    def post_form(self, path, fields):
        status, _, page = self.send("GET", path)
        assert status == 200, page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.send("POST", path, {**fields, "csrfmiddlewaretoken": token})


def wait_for(condition, what, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


COUNT_ROWS = """
import json
from django.apps import apps
print(json.dumps({m._meta.db_table: m._default_manager.count() for m in apps.get_models()}))
"""


def row_counts(stack, database_url):
    out = stack.nabuur("shell", "--no-imports", "-c", COUNT_ROWS, DATABASE_URL=database_url)
    counts = json.loads(out.splitlines()[-1])
    assert counts["messaging_delivery"] == 4
    return counts


@pytest.fixture
def database_url():
    with fresh_database("stack") as url:
        yield url


SETUP_BIN = """
import json
from tests import factories
from nabuur.staff.models import Role
from nabuur.zones.models import Street, Zone

zone = Zone.objects.get(slug="stack")
edegem = zone.municipalities.get(nis_code="11013")
street = Street.objects.filter(municipality=edegem, max_house_number__gte=3).order_by("pk").first()
network = factories.NetworkFactory(
    municipality=edegem, bin_type=zone.bin_types.get(code="bin"), name="BIN Stack", slug="stack"
)
factories.SegmentFactory(network=network, street=street, number_from=1, number_to=None)
coordinator = factories.RoleFactory(
    role=Role.COORDINATOR, network=network, user__email="coordinator@stack.test"
).user
for email in MEMBERS:
    factories.MembershipFactory(network=network, street=street, user__email=email)
print(json.dumps({"street": street.name_nl, "postcode": street.postcode}))
"""

APPROVE = """
from nabuur.accounts.models import User
from nabuur.members.models import Membership
from nabuur.members.services.approval import approve_membership

coordinator = User.objects.get(email="coordinator@stack.test")
membership = Membership.objects.get(user__email="new.resident@stack.test")
approve_membership(coordinator, membership)
print(membership.network.slug)
"""


def test_the_deployed_stack_serves_signs_up_sends_once_and_takes_bounces_in(tmp_path, database_url):
    relay = SmtpSink()
    relay.start()
    stack = Stack(tmp_path, database_url, relay)
    try:
        stack.start_web()  # migrates the fresh database first (ExecStartPre)
        stack.nabuur("load_reference")
        stack.nabuur(
            "import_addresses",
            str(ROOT / "nabuur/zones/data/best-sample.csv"),
            "--municipality",
            "11013",
        )
        stack.nabuur(
            "create_zone",
            "stack",
            "--name=Politiezone Stack",
            "--municipalities=11013",
            "--email=info@stack.test",
            "--phone=03 000 00 00",
            "--postal-address=Kerkplein 1\\n2650 Edegem",
            "--dpo-name=DPO Stack",
            "--dpo-email=dpo@stack.test",
        )
        address = json.loads(
            stack.nabuur("shell", "-c", f"MEMBERS = {MEMBERS!r}\n{SETUP_BIN}").splitlines()[-1]
        )
        stack.start_workers(2)

        # Public pages, over "HTTPS" as the proxy says, with the zone on them.
        status, response, _ = stack.request("GET", "/")
        assert (status, urlsplit(response.getheader("Location")).path) == (302, "/nl/")
        status, home = stack.get("/nl/")
        assert status == 200 and "Politiezone Stack" in home
        assert stack.get("/nl/bin/stack/")[0] == 200
        assert stack.get("/nl/privacy/")[0] == 200
        # Edegem's regime is Dutch only: the French pages send people to the Dutch ones.
        assert stack.get("/fr/")[0] == 302
        # Plain HTTP is sent to HTTPS (no X-Forwarded-Proto: a request around the proxy).
        status, response, _ = stack.request("GET", "/nl/", headers={"X-Forwarded-Proto": "http"})
        assert (status, response.getheader("Location")) == (301, f"https://{HOST}/nl/")

        # A resident signs up and confirms through the e-mail the relay received.
        resident = Browser(stack)
        status, response, page = resident.post_form(
            "/nl/join/",
            {
                "first_name": "Nina",
                "last_name": "Nieuw",
                "street": address["street"],
                "house_number": "2",
                "box": "",
                "postcode": address["postcode"],
                "email": "new.resident@stack.test",
                "phone": "",
                "basis": "lives",
                "enterprise_number": "",
                "adult": "on",
                "accept": "on",
                "website": "",
            },
        )
        assert status == 302, page
        confirmation = wait_for(
            lambda: [e for e in relay.envelopes if "new.resident@stack.test" in e.rcpt_tos],
            "the confirmation e-mail",
        )
        body = confirmation[0].message.get_body(("plain",)).get_content()
        link = re.search(rf"https://{re.escape(HOST)}(/nl/join/confirm/\S+/)", body).group(1)
        status, _, page = resident.post_form(link, {})
        assert status == 200, page
        assert stack.nabuur("shell", "-c", APPROVE).splitlines()[-1] == "stack"

        # A message reaches each member exactly once, though two workers share the outbox.
        body_file = tmp_path / "message.md"
        body_file.write_text("Sluit ramen en deuren als u vertrekt.", encoding="utf-8")
        before = len(relay.envelopes)
        stack.nabuur(
            "send_message",
            "--bin=stack",
            "--kind=prevention",
            "--subject=Preventietip",
            f"--body-file={body_file}",
            "--author=coordinator@stack.test",
        )
        recipients = [*MEMBERS, "new.resident@stack.test"]

        def delivered():
            sent = [e for e in relay.envelopes[before:] if e.message["Subject"] == "Preventietip"]
            return sent if len(sent) >= len(recipients) else None

        sent = wait_for(delivered, "the message to every member")
        # Both workers idle again: nothing more is due, nothing more arrives.
        wait_for(
            lambda: json.loads(stack.get("/healthz")[1])["deliveries_due"] == 0, "an empty queue"
        )
        time.sleep(3)
        sent = [e for e in relay.envelopes[before:] if e.message["Subject"] == "Preventietip"]
        assert sorted(address for e in sent for address in e.rcpt_tos) == sorted(recipients)

        # The intake reads a bounce for one of them from the Maildir.
        bounced = next(e for e in sent if e.rcpt_tos == ["bert.member@stack.test"])
        token = re.fullmatch(r"bounces\+(\w+)@stack\.test", bounced.mail_from).group(1)
        report = (
            BOUNCE_SAMPLE.read_text()
            .replace("5e1f0c3a9b7d42e8a6c1d0f9e8b7a6c5", token)
            .replace("nabuur.example", "stack.test")
            .replace("jan.peeters@voorbeeld-mail.test", "bert.member@stack.test")
            .replace("<nabuur.1.0a1b2c3d4e5f6789@stack.test>", bounced.message_id)
        )
        (stack.maildir / "new" / "1.bounce.stack").write_text(report)
        stack.intake()
        assert list((stack.maildir / "new").iterdir()) == []
        status, metrics = stack.get("/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
        assert status == 200
        assert re.search(r"^nabuur_bounces_total 1(\.0)?$", metrics, re.MULTILINE), metrics

        # The health a monitor reads: workers alive, nothing waiting.
        health = json.loads(stack.get("/healthz")[1])
        assert health["ok"] is True and health["deliveries_due"] == 0

        # Last night's backup restores into a fresh database: same rows, same audit chain.
        head = json.loads(stack.nabuur("export_audit_head"))
        dump = stack.backup()
        with fresh_database("restored") as restored:
            subprocess.run(
                [client_program("pg_restore"), "--no-owner", "--dbname", restored, str(dump)],
                check=True,
                timeout=300,
            )
            verified = stack.nabuur(
                "verify_audit", f"--expect={head['seq']}:{head['hash']}", DATABASE_URL=restored
            )
            assert f"The audit log is intact: {head['seq']} entries" in verified
            assert head["seq"] >= 5
            assert row_counts(stack, restored) == row_counts(stack, database_url)
    finally:
        stack.stop()
        relay.stop()
