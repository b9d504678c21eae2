"""nabuur/settings.py: what starts, what refuses to start, and how the URLs are read.

Start-up behaviour depends on the environment at import time, so those tests run Python in a
subprocess with a controlled environment. The URL parsers are plain functions, tested directly.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from nabuur.settings import BASE_DIR, database_from_url, mailers_from_url

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN_DIR = Path(PYTHON).parent

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({"DATABASES": settings.DATABASES, "MAILERS": settings.MAILERS,
                  "DEBUG": settings.DEBUG, "ALLOWED_HOSTS": settings.ALLOWED_HOSTS}))
"""

PRINT_BASE_URL = """
import django
from django.conf import settings
django.setup()
print(settings.BASE_URL, *settings.CSRF_TRUSTED_ORIGINS)
"""

COUNT_ROWS = """
import django
django.setup()
from nabuur.accounts.models import User
from nabuur.zones.models import Zone
print(f"zones={Zone.objects.count()} users={User.objects.count()}")
"""


def production_environment(tmp_path, **overrides):
    """What a real production install sets, with a throw-away data folder."""
    environment = {
        "NABUUR_ENV": "production",
        "NABUUR_SECRET_KEY": secrets.token_urlsafe(50),
        "NABUUR_ALLOWED_HOSTS": "bin.pz-test.example",
        "NABUUR_BASE_URL": "https://bin.pz-test.example",
        "NABUUR_EMAIL_URL": "smtp://bin%40pz-test.example:secret@smtp.pz-test.example:587?tls=1",
        "NABUUR_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'nabuur.sqlite3'}",
    }
    environment.update(overrides)
    return {key: value for key, value in environment.items() if value is not None}


def run(args, environment):
    """Run a command with only PATH, HOME and the given variables set (none from this test run)."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "nabuur.settings",
        **environment,
    }
    return subprocess.run(
        args, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False
    )


def load_settings(environment):
    result = run([PYTHON, "-c", PRINT_SETTINGS], environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def assert_refuses(result, message):
    assert result.returncode != 0
    assert f"django.core.exceptions.ImproperlyConfigured: {message}" in result.stderr


# Production refuses to start without its essentials.


def test_production_starts_with_its_essentials(tmp_path):
    loaded = load_settings(production_environment(tmp_path))
    assert loaded["DEBUG"] is False
    assert loaded["ALLOWED_HOSTS"] == ["bin.pz-test.example"]


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        (
            "NABUUR_SECRET_KEY",
            "NABUUR_SECRET_KEY is required when NABUUR_ENV=production.",
        ),
        (
            "NABUUR_ALLOWED_HOSTS",
            "NABUUR_ALLOWED_HOSTS is required when NABUUR_ENV=production.",
        ),
    ],
)
def test_production_refuses_to_start_without(tmp_path, missing, message):
    result = run(
        [PYTHON, "manage.py", "check"], production_environment(tmp_path, **{missing: None})
    )
    assert_refuses(result, message)


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DATABASE_URL", "DATABASE_URL is required when NABUUR_ENV=production."),
        ("NABUUR_BASE_URL", "NABUUR_BASE_URL is required when NABUUR_ENV=production."),
    ],
)
@pytest.mark.parametrize("empty", [None, ""], ids=["unset", "empty"])
def test_production_refuses_to_start_without_a_database_or_base_url(
    tmp_path, missing, message, empty
):
    # Without them production used to run on a SQLite file in the checkout and wrote
    # http://127.0.0.1:8000 links into every e-mail.
    environment = production_environment(tmp_path, **{missing: empty})
    assert_refuses(run([PYTHON, "-c", "import django; django.setup()"], environment), message)
    assert_refuses(run([str(BIN_DIR / "nabuur"), "check", "--deploy"], environment), message)


@pytest.mark.parametrize(
    "base_url",
    ["http://bin.pz-test.example", "bin.pz-test.example", "https://", "ftp://bin.pz-test.example"],
)
def test_production_refuses_a_base_url_that_is_not_https(tmp_path, base_url):
    environment = production_environment(tmp_path, NABUUR_BASE_URL=base_url)
    result = run([str(BIN_DIR / "nabuur"), "check", "--deploy"], environment)
    assert_refuses(
        result,
        "NABUUR_BASE_URL must be an https:// address such as https://bin.pz-hekla.be when "
        f"NABUUR_ENV=production, not {base_url!r}.",
    )


def test_production_takes_the_base_url_without_its_trailing_slash(tmp_path):
    environment = production_environment(tmp_path, NABUUR_BASE_URL="https://bin.pz-test.example/")
    result = run([PYTHON, "-c", PRINT_BASE_URL], environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["https://bin.pz-test.example", "https://bin.pz-test.example"]


def test_production_refuses_an_empty_secret_key(tmp_path):
    result = run(
        [PYTHON, "manage.py", "check"], production_environment(tmp_path, NABUUR_SECRET_KEY="")
    )
    assert_refuses(result, "NABUUR_SECRET_KEY is required when NABUUR_ENV=production.")


def test_production_refuses_the_local_mailbox(tmp_path):
    result = run(
        [PYTHON, "manage.py", "check"],
        production_environment(tmp_path, NABUUR_EMAIL_URL="mailbox://"),
    )
    assert_refuses(result, "The local mailbox is for demo use; set an smtp:// URL.")


def test_production_refuses_debug(tmp_path):
    result = run([PYTHON, "manage.py", "check"], production_environment(tmp_path, NABUUR_DEBUG="1"))
    assert_refuses(result, "NABUUR_DEBUG cannot be on when NABUUR_ENV=production.")


def test_unknown_environment_is_refused(tmp_path):
    result = run(
        [PYTHON, "manage.py", "check"], production_environment(tmp_path, NABUUR_ENV="staging")
    )
    assert_refuses(result, "NABUUR_ENV must be demo, test or production, not 'staging'.")


def test_production_passes_the_deployment_checks(tmp_path):
    result = run(
        [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_environment(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_demo_data_is_refused_in_production(tmp_path):
    environment = production_environment(tmp_path)
    migrated = run([str(BIN_DIR / "nabuur"), "migrate", "--noinput"], environment)
    assert migrated.returncode == 0, migrated.stderr
    result = run([str(BIN_DIR / "nabuur"), "demo"], environment)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "CommandError: Demo data is not allowed here (NABUUR_ENV=production)."
    )
    counted = run([PYTHON, "-c", COUNT_ROWS], environment)
    assert counted.stdout.split() == ["zones=0", "users=0"], counted.stderr


def test_demo_starts_with_no_variables_at_all(tmp_path):
    loaded = load_settings({"NABUUR_VAR_DIR": str(tmp_path)})
    assert loaded["DATABASES"]["default"]["NAME"] == str(tmp_path / "nabuur.sqlite3")
    assert loaded["MAILERS"] == {"default": {"BACKEND": "nabuur.mailbox.backend.MailboxBackend"}}
    # .localhost: the demo's zones on their own host names (demo.localhost, ardenne.localhost).
    assert loaded["ALLOWED_HOSTS"] == ["127.0.0.1", ".localhost", "[::1]", "testserver"]


def test_database_url_from_the_environment_reaches_the_settings(tmp_path):
    loaded = load_settings(
        production_environment(tmp_path, DATABASE_URL="postgres://nabuur:pw@db.internal:6543/bins")
    )
    database = loaded["DATABASES"]["default"]
    assert (database["ENGINE"], database["HOST"], database["PORT"], database["NAME"]) == (
        "django.db.backends.postgresql",
        "db.internal",
        "6543",
        "bins",
    )


# The `nabuur` console script.


def test_nabuur_command_lists_the_worker():
    result = run([str(BIN_DIR / "nabuur"), "help"], {"NABUUR_ENV": "test"})
    assert result.returncode == 0, result.stderr
    commands = {line.strip() for line in result.stdout.splitlines()}
    assert {"worker", "serve", "compile_translations", "migrate"} <= commands


# DATABASE_URL


def test_database_url_sqlite_relative_path_is_under_the_checkout():
    database = database_from_url("sqlite:///var/relative.sqlite3")
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == str(BASE_DIR / "var" / "relative.sqlite3")


def test_database_url_sqlite_absolute_path(tmp_path):
    database = database_from_url(f"sqlite:///{tmp_path}/db/absolute.sqlite3")
    assert database["NAME"] == f"{tmp_path}/db/absolute.sqlite3"
    # The folder is created, so a fresh install starts without a manual mkdir.
    assert (tmp_path / "db").is_dir()
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_database_url_sqlite_in_memory():
    assert database_from_url("sqlite:///:memory:")["NAME"] == ":memory:"


def test_database_url_postgres_with_credentials_and_port():
    database = database_from_url(
        "postgres://nabuur:p%40ss%2Fw%3Ard@db.example.be:5433/nabuur_prod?sslmode=require"
    )
    assert {
        key: database[key] for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")
    } == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "nabuur_prod",
        "USER": "nabuur",
        "PASSWORD": "p@ss/w:rd",
        "HOST": "db.example.be",
        "PORT": "5433",
    }
    assert database["OPTIONS"] == {"sslmode": "require"}


def test_database_url_postgresql_scheme_without_port_or_password():
    database = database_from_url("postgresql://postgres@127.0.0.1/nabuur")
    assert (database["USER"], database["PASSWORD"], database["HOST"], database["PORT"]) == (
        "postgres",
        "",
        "127.0.0.1",
        "",
    )


def test_database_url_with_another_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured) as error:
        database_from_url("mysql://root@localhost/nabuur")
    assert str(error.value) == (
        "DATABASE_URL must start with sqlite:// or postgres://, not 'mysql://root@localhost/nabuur'."
    )


# NABUUR_EMAIL_URL


def test_email_url_smtp_with_starttls():
    assert mailers_from_url("smtp://mailer:secret@smtp.example.be:587?tls=1&timeout=10") == {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "smtp.example.be",
                "port": 587,
                "username": "mailer",
                "password": "secret",
                "use_ssl": False,
                "use_tls": True,
                "timeout": 10.0,
            },
        }
    }


def test_email_url_plain_smtp_defaults():
    options = mailers_from_url("smtp://localhost")["default"]["OPTIONS"]
    assert options == {
        "host": "localhost",
        "port": 25,
        "username": None,
        "password": None,
        "use_ssl": False,
        "use_tls": False,
        "timeout": 30.0,
    }


def test_email_url_smtps_is_implicit_tls_on_465():
    options = mailers_from_url("smtps://mailer:secret@smtp.example.be")["default"]["OPTIONS"]
    assert (options["port"], options["use_ssl"], options["use_tls"]) == (465, True, False)


def test_email_url_decodes_url_encoded_credentials():
    options = mailers_from_url(
        "smtps://bin%40pz.example.be:p%40ss%3Aw%2Fo%25rd@smtp.example.be:2465"
    )["default"]["OPTIONS"]
    assert (options["username"], options["password"], options["port"]) == (
        "bin@pz.example.be",
        "p@ss:w/o%rd",
        2465,
    )


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("mailbox://", "nabuur.mailbox.backend.MailboxBackend"),
        ("console://", "django.core.mail.backends.console.EmailBackend"),
        ("memory://", "django.core.mail.backends.locmem.EmailBackend"),
    ],
)
def test_email_url_local_backends(url, backend):
    assert mailers_from_url(url) == {"default": {"BACKEND": backend}}


def test_email_url_with_a_bad_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured) as error:
        mailers_from_url("http://mail.example.be")
    assert str(error.value) == (
        "NABUUR_EMAIL_URL must be smtp://, smtps:// or mailbox://, not 'http://mail.example.be'."
    )
