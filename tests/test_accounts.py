import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from nabuur.accounts import middleware
from nabuur.accounts.models import Invitation, User
from nabuur.accounts.services import allow_demo_persona_without_mfa, exempt_from_mfa_in_demo
from nabuur.audit.models import AuditEntry
from nabuur.audit.services import verify_chain
from nabuur.lib import clock
from nabuur.staff.models import Role, RoleAssignment, ScreeningResult
from nabuur.staff.services import invite

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    # Requests to /en/ leave English active in this thread; later tests expect the default.
    yield
    translation.activate(settings.LANGUAGE_CODE)


PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "Kerkstraat-lantaarn-2026"


def with_totp(user):
    TOTP.activate(user, generate_totp_secret())
    return user


def invitation_path(link):
    return link.removeprefix("http://127.0.0.1:8000")


def test_login_page_is_ours_and_offers_no_sign_up(client):
    response = client.get("/nl/account/login/")
    assert response.status_code == 200
    assert '<html lang="nl">' in response.text
    assert 'id="passkey_login"' in response.text
    assert "signup" not in response.text
    response = client.get("/en/account/signup/")
    assert response.status_code == 200
    assert "No sign-up for staff" in response.text
    assert User.objects.count() == 0


def test_invite_admin_creates_the_admin_and_prints_a_single_use_link(
    zone, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_admin", "Chef@PZ-Test.example", zone="pz-test")

    user = User.objects.get(email="chef@pz-test.example")
    assert user.has_usable_password() is False
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.zone) == (Role.ZONE_ADMIN, zone)
    out = capsys.readouterr().out
    assert out.startswith("Invitation for Chef@PZ-Test.example (pz-test), valid once:\n")
    link = out.splitlines()[1]
    assert link.startswith("http://127.0.0.1:8000/nl/account/invitation/")
    assert [m.to for m in mail.outbox] == [["chef@pz-test.example"]]
    assert link in mail.outbox[0].body
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_id, entry.actor_role) == ("staff.invite", None, "system")
    assert entry.subjects == [user.pk]
    assert entry.details == {"role": "zone_admin", "screening": "pending"}


def test_invitation_sets_a_password_then_asks_for_a_second_factor(zone, client, capsys):
    call_command("invite_admin", "chef@pz-test.example", zone="pz-test")
    path = invitation_path(capsys.readouterr().out.splitlines()[1])

    response = client.get(path)
    assert response.status_code == 200
    response = client.post(path, {"password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert "This password is too short." in response.text

    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/nl/account/2fa/totp/activate/"
    user = User.objects.get(email="chef@pz-test.example")
    assert user.check_password(NEW_PASSWORD)
    assert Invitation.objects.get().used_at is not None
    assert client.get("/nl/account/2fa/totp/activate/").status_code == 200
    # Until a second factor is enrolled, staff pages send the person back to enrolment.
    response = client.get("/nl/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/nl/account/2fa/totp/activate/?next=%2Fnl%2Fstaff%2F"

    client.logout()
    assert client.get(path).status_code == 404
    assert [e.action for e in AuditEntry.objects.order_by("seq")] == [
        "staff.invite",
        "accounts.invitation_accepted",
    ]
    assert verify_chain() is None


def test_an_expired_invitation_answers_404(zone, client, capsys):
    call_command("invite_admin", "chef@pz-test.example", zone="pz-test")
    path = invitation_path(capsys.readouterr().out.splitlines()[1])
    later = clock.now() + datetime.timedelta(hours=73)
    with clock.frozen_at(later):
        response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 404
    assert User.objects.get().has_usable_password() is False


def test_staff_with_a_second_factor_see_their_dashboard(client, coordinator_a, bin_a, bin_b):
    client.force_login(with_totp(coordinator_a))
    response = client.get("/en/staff/")
    assert response.status_code == 200
    assert [n.slug for n in response.context["networks"]] == ["centrum"]


def test_a_session_remembers_the_second_factor_until_an_authenticator_is_removed(
    client, coordinator_a, bin_a
):
    client.force_login(with_totp(coordinator_a))
    assert client.get("/en/staff/").status_code == 200
    assert client.session[middleware.SECOND_FACTOR_KEY] == coordinator_a.pk
    queries = CaptureQueriesContext(connection)
    with queries:
        assert client.get("/en/staff/").status_code == 200
    assert not [q for q in queries.captured_queries if "mfa_authenticator" in q["sql"]]

    # Removing the app needs the password again (allauth), then forgets the second factor.
    response = client.post("/en/account/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    response = client.post("/en/account/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert middleware.SECOND_FACTOR_KEY not in client.session
    response = client.get("/en/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/en/account/2fa/totp/activate/?next=%2Fen%2Fstaff%2F"


def test_a_used_session_moves_its_expiry_on_at_most_once_a_minute(
    client, coordinator_a, monkeypatch
):
    client.force_login(with_totp(coordinator_a))
    key = client.session.session_key

    def stored():
        session = Session.objects.get(pk=key)
        return session.get_decoded().get(middleware.SESSION_TOUCHED_KEY), session.expire_date

    now = 1_900_000_000
    monkeypatch.setattr(middleware.time, "time", lambda: now)
    assert client.get("/en/staff/").status_code == 200
    touched, expires = stored()
    assert touched == now
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE

    now += 59
    client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] = ""
    assert client.get("/en/staff/").status_code == 200
    assert stored() == (touched, expires)
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""

    now += 1
    assert client.get("/en/staff/").status_code == 200
    touched, later = stored()
    assert touched == now
    assert later > expires
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE


def test_a_member_is_not_staff(client, member_a):
    client.force_login(member_a)
    assert client.get("/en/staff/").status_code == 403


def test_the_demo_exemption_skips_the_second_factor_with_a_banner(client, settings, officer_a):
    settings.NABUUR_ENV = "demo"
    allow_demo_persona_without_mfa(officer_a.email)
    client.force_login(officer_a)
    response = client.get("/en/staff/")
    assert response.status_code == 200
    assert "Demo persona: this account may skip the second factor." in response.text


def test_the_demo_exemption_never_works_in_production(client, settings, officer_a):
    settings.NABUUR_ENV = "demo"
    allow_demo_persona_without_mfa(officer_a.email)
    settings.NABUUR_ENV = "production"
    assert exempt_from_mfa_in_demo(officer_a) is False
    client.force_login(officer_a)
    assert client.get("/en/staff/").status_code == 302
    with pytest.raises(RuntimeError):
        allow_demo_persona_without_mfa("other@example.org")


def test_login_locks_the_address_after_repeated_failures(client, zone_admin):
    with_totp(zone_admin)
    for _ in range(5):
        response = client.post(
            "/en/account/login/", {"login": zone_admin.email, "password": "wrong guess 123"}
        )
        assert response.status_code == 200
    response = client.post("/en/account/login/", {"login": zone_admin.email, "password": PASSWORD})
    assert response.status_code == 200
    assert (
        "Too many failed attempts to log in with this address. For your safety, logging in is "
        "blocked for 15 minutes." in response.text
    )
    assert "_auth_user_id" not in client.session


def test_login_with_password_then_totp(client, zone_admin):
    with_totp(zone_admin)
    response = client.post("/en/account/login/", {"login": zone_admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/en/account/2fa/authenticate/"
    assert "_auth_user_id" not in client.session


def test_password_reset_does_not_reveal_whether_an_account_exists(client, zone_admin):
    known = client.post("/en/account/password/reset/", {"email": zone_admin.email})
    unknown = client.post("/en/account/password/reset/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 2


def test_officer_invites_a_screened_coordinator_of_their_bin(officer_a, bin_a, bin_b):
    assignment, link = invite(
        officer_a,
        "nieuw@example.org",
        Role.COORDINATOR,
        network=bin_a,
        screened_on=datetime.date(2026, 2, 1),
        screening_result=ScreeningResult.POSITIVE,
        send=False,
    )
    assert (assignment.screening_result, assignment.screened_by) == ("positive", officer_a)
    assert assignment.screened_on == datetime.date(2026, 2, 1)
    assert link.startswith("http://127.0.0.1:8000/nl/account/invitation/")
    entry = AuditEntry.objects.get()
    assert (entry.actor_id, entry.actor_role) == (officer_a.pk, "officer")
    with pytest.raises(PermissionDenied):
        invite(officer_a, "ander@example.org", Role.COORDINATOR, network=bin_b)
    with pytest.raises(PermissionDenied):
        invite(officer_a, "agent@example.org", Role.OFFICER, network=bin_a)


def test_zone_admin_invites_officers_and_municipality_contacts(
    zone_admin, bin_a, municipality, django_capture_on_commit_callbacks
):
    invite(zone_admin, "agent@example.org", Role.OFFICER, network=bin_a, send=False)
    with django_capture_on_commit_callbacks(execute=True):
        invite(
            zone_admin, "schepen@example.org", Role.MUNICIPALITY_CONTACT, municipality=municipality
        )
    assert sorted(
        RoleAssignment.objects.exclude(user=zone_admin).values_list("role", flat=True)
    ) == [
        "municipality_contact",
        "officer",
    ]
    assert [m.to for m in mail.outbox] == [["schepen@example.org"]]
    assert AuditEntry.objects.count() == 2


def test_coordinators_cannot_invite(coordinator_a, bin_a):
    with pytest.raises(PermissionDenied):
        invite(coordinator_a, "buur@example.org", Role.CO_COORDINATOR, network=bin_a)
