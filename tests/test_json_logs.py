"""NABUUR_LOG_FORMAT=json: one JSON object per line, with no personal data or link tokens."""

import json
import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from nabuur.operations.logs import JsonFormatter

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "4f1c0ffee4f1c0ffee4f1c0ffee4f1c0"


@pytest.fixture
def json_lines(caplog):
    caplog.handler.setFormatter(JsonFormatter())
    caplog.set_level(logging.INFO)
    # Text logs (the tests' setting) leave request lines to gunicorn; JSON logs write them.
    caplog.set_level(logging.INFO, logger="nabuur.request")

    def lines():
        return [json.loads(line) for line in caplog.text.splitlines()]

    return lines


@pytest.mark.django_db
def test_a_request_log_names_the_pattern_never_the_token_or_query(client, json_lines):
    response = client.get(f"/nl/join/confirm/{TOKEN}/?email=jan.peeters@example.be&t={TOKEN}")

    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    lines = json_lines()
    request, not_found = [
        line for line in lines if line["logger"] in {"django.request", "nabuur.request"}
    ]
    assert set(not_found) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "method",
        "path",
        "status",
    }
    assert {
        key: not_found[key]
        for key in ("level", "logger", "message", "method", "path", "status", "request_id")
    } == {
        "level": "WARNING",
        "logger": "django.request",
        "message": "Not Found: /nl/join/confirm/<str:token>/",
        "method": "GET",
        "path": "/nl/join/confirm/<str:token>/",
        "status": 404,
        "request_id": request_id,
    }
    assert request.pop("duration_ms") >= 0
    assert datetime.fromisoformat(request.pop("time")).utcoffset().total_seconds() == 0
    assert request == {
        "level": "INFO",
        "logger": "nabuur.request",
        "message": "GET /nl/join/confirm/<str:token>/ 404",
        "request_id": request_id,
        "method": "GET",
        "path": "/nl/join/confirm/<str:token>/",
        "status": 404,
    }
    text = "\n".join(json.dumps(line) for line in lines)
    assert TOKEN not in text
    assert "jan.peeters" not in text


@pytest.mark.django_db
def test_a_path_that_matches_nothing_is_logged_without_its_query(client, json_lines):
    client.get("/nl/nothing-here/?email=jan.peeters@example.be")

    request = next(line for line in json_lines() if line["logger"] == "nabuur.request")
    assert (request["path"], request["status"]) == ("/nl/nothing-here/", 404)
    assert "jan.peeters" not in json.dumps(json_lines())


def test_an_exception_is_logged_by_type_and_stack_without_its_message(json_lines):
    logger = logging.getLogger("nabuur.imports")
    try:
        raise ValueError("duplicate key (email)=(jan.peeters@example.be)")
    except ValueError:
        logger.exception("row %s not imported", 12)

    (line,) = json_lines()
    assert line["message"] == "row 12 not imported"
    assert line["exception"] == "ValueError"
    assert "test_json_logs.py" in line["stack"]
    assert "jan.peeters" not in json.dumps(line)


def run_settings(log_format, script):
    environment = {**os.environ, "NABUUR_ENV": "test", "DJANGO_SETTINGS_MODULE": "nabuur.settings"}
    environment["NABUUR_LOG_FORMAT"] = log_format
    return subprocess.run(
        [sys.executable, "-c", f"import django, logging\ndjango.setup()\n{script}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_setting_turns_the_console_log_into_json_lines():
    result = run_settings(
        "json",
        "logging.getLogger('nabuur.messaging').warning('relay refused %s e-mails', 3)\n"
        "logging.getLogger('nabuur.request').info('GET / 200')",
    )

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["level"], line["logger"], line["message"]) for line in lines] == [
        ("WARNING", "nabuur.messaging", "relay refused 3 e-mails"),
        ("INFO", "nabuur.request", "GET / 200"),
    ]


def test_text_logs_leave_request_lines_to_the_web_server():
    result = run_settings(
        "text",
        "logging.getLogger('nabuur.messaging').warning('relay refused')\n"
        "logging.getLogger('nabuur.request').info('GET / 200')",
    )

    assert (result.returncode, result.stderr) == (0, "relay refused\n")


def test_an_unknown_log_format_stops_the_start():
    result = run_settings("xml", "")

    assert result.returncode == 1
    assert "NABUUR_LOG_FORMAT must be text or json, not 'xml'." in result.stderr


@pytest.mark.django_db
def test_the_access_log_names_the_pattern_never_the_token_or_query(tmp_path):
    """gunicorn's access log in the format gunicorn documents, through our logger class."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    from nabuur.operations.access_log import AccessLogger

    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))
    logger = AccessLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/nl/join/confirm/{TOKEN}/?email=jan@example.be",
        "PATH_INFO": f"/nl/join/confirm/{TOKEN}/",
        "QUERY_STRING": "email=jan@example.be",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.7",
        "HTTP_REFERER": f"https://bin.example.be/nl/unsubscribe/{TOKEN}/",
        "HTTP_USER_AGENT": "Firefox",
    }
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])

    logger.access(response, request, environ, timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()

    assert TOKEN not in line
    assert "jan@example.be" not in line
    assert '"GET /nl/join/confirm/<str:token>/ HTTP/1.1" 200 512 "https://bin.example.be"' in line
