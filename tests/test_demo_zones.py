"""`nabuur demo` holds two zones, each reached on its own host name (#18 point 8)."""

import json
from io import StringIO

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command

from nabuur.accounts.models import User
from nabuur.zones.models import Zone

pytestmark = pytest.mark.django_db


def run_demo(tmp_path):
    path = tmp_path / "personas.json"
    out = StringIO()
    call_command(
        "demo", "--members", "0", "--port", "8123", "--personas-json", str(path), stdout=out
    )
    return out.getvalue(), json.loads(path.read_text())


def test_demo_prints_both_zones_and_gives_each_persona_its_zone_and_host(tmp_path):
    out, personas = run_demo(tmp_path)

    assert "Politiezone Vier Beken (demo): http://demo.localhost:8123/" in out
    assert "Zone de police Ardenne (démo): http://ardenne.localhost:8123/" in out
    assert sorted(Zone.objects.values_list("slug", "host")) == [
        ("ardenne", "ardenne.localhost"),
        ("demo", ""),
    ]
    keys = [persona["key"] for persona in personas]
    assert len(keys) == len(set(keys))
    assert {(p["zone"], p["host"]) for p in personas} == {
        ("demo", "demo.localhost:8123"),
        ("ardenne", "ardenne.localhost:8123"),
    }
    assert sorted(p["role"] for p in personas if p["zone"] == "ardenne") == [
        "coordinator",
        "member",
        "officer",
        "zone_admin",
    ]
    assert {p["key"]: p["bins"] for p in personas if p["zone"] == "ardenne"} == {
        "ardenne_zone_admin": ["bastogne-centre", "bastogne-neufchateau"],
        "ardenne_coordinator": ["bastogne-centre", "bastogne-neufchateau"],
        "ardenne_officer": ["bastogne-centre", "bastogne-neufchateau"],
        "ardenne_member": ["bastogne-centre"],
    }
    # A second run changes nothing.
    counts = (Zone.objects.count(), User.objects.count())
    run_demo(tmp_path)
    assert (Zone.objects.count(), User.objects.count()) == counts


def test_each_persona_reaches_its_zone_on_its_host(tmp_path, client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _, personas = run_demo(tmp_path)
    for persona in personas:
        if persona["role"] not in {"coordinator", "zone_admin"}:
            continue
        user = User.objects.get(email=persona["email"])
        TOTP.activate(user, generate_totp_secret())
        client.force_login(user)
        page = client.get("/nl/staff/", HTTP_HOST=persona["host"])
        assert page.status_code == 200, persona["key"]
        text = page.content.decode()
        if persona["zone"] == "ardenne":
            assert "RIQ Bastogne Centre" in text and "Vier Beken" not in text, persona["key"]
        else:
            assert "Bastogne" not in text and "Ardenne" not in text, persona["key"]
        client.logout()
    # On its own host name the second zone's public pages show its BINs only.
    home = client.get("/fr/", HTTP_HOST="ardenne.localhost:8123").content.decode()
    assert "RIQ Bastogne Centre" in home and "Vier Beken" not in home
    first = client.get("/nl/", HTTP_HOST="127.0.0.1:8123").content.decode()
    assert "BIN Edegem Centrum" in first and "Ardenne" not in first
