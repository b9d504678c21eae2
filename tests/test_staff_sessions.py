"""Staff pages need a session that passed the password and the second factor (or a passkey).

A login link, a resident's session from before an appointment or a password alone never open
them; an appointment ends the person's other sessions.
"""

import datetime
import re
import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from nabuur.accounts.services import allow_demo_persona_without_mfa
from nabuur.accounts.sessions import end_sessions
from nabuur.members.models import LoginLink
from nabuur.staff.models import Role, ScreeningResult
from nabuur.staff.services import confirm_adult, invite

from . import factories
from .i18n import nl
from .sessions import (
    AUTHENTICATION_USER_SESSION_KEY,
    mark_fully_authenticated,
)
from .test_accounts import PASSWORD, with_totp

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
LOG_IN_PROPERLY = "To open the staff pages, log in with your password and your second factor."


@pytest.fixture(autouse=True)
def _fresh(settings):
    # The login-link e-mail is sent by a task: here at once, in the request.
    settings.TASKS = IMMEDIATE
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def resident(bin_a):
    """A member of BIN A without a password, as every resident is."""
    user = factories.UserFactory(email="jan@example.org", first_name="Jan", password=None)
    user.set_unusable_password()
    user.save()
    factories.MembershipFactory(user=user, network=bin_a)
    return user


def request_login_link(client, email, mailoutbox):
    assert client.post("/nl/me/login/", {"email": email})["Location"] == "/nl/me/login/sent/"
    message = mailoutbox[-1]
    assert message.to == [email]
    return re.search(r"http://127\.0\.0\.1:8000(/\S+/)", message.body).group(1)


def appoint_coordinator(officer, person, network):
    """The officer appoints `person` coordinator (screened); she confirms being an adult."""
    invite(
        officer,
        person.email,
        Role.COORDINATOR,
        network=network,
        screened_on=datetime.date(2026, 2, 1),
        screening_result=ScreeningResult.POSITIVE,
        send=False,
    )
    confirm_adult(person)


def totp_code(secret):
    """The code an authenticator app shows now (waits for the next period near its end)."""
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def log_in_with_password_and_code(client, user):
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = client.post("/nl/account/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/nl/account/2fa/authenticate/"
    response = client.post("/nl/account/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.text
    assert client.session[SESSION_KEY] == str(user.pk)


def sessions_of(user):
    return [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(user.pk)]


# --- The repro of issue 13, point 1 ------------------------------------------------------------


def test_an_old_login_link_opens_no_staff_page_after_an_appointment(
    client, resident, officer_a, bin_a, mailoutbox
):
    url = request_login_link(client, resident.email, mailoutbox)
    appoint_coordinator(officer_a, resident, bin_a)
    with_totp(resident)

    page = client.get(url)
    assert page.status_code == 403
    assert (
        nl(
            "You hold a role in Nabuur, for example as coordinator. Login links are for members "
            "only: log in with your password and your second factor."
        )
        in page.text
    )
    assert 'href="/nl/account/login/"' in page.text
    response = client.post(url)
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert LoginLink.objects.get().used_at is None
    assert client.get("/nl/staff/")["Location"] == "/nl/account/login/?next=/nl/staff/"
    assert client.get(f"/nl/staff/members/{bin_a.slug}/").status_code == 302


def test_a_resident_session_from_before_an_appointment_ends_with_it(
    client, resident, officer_a, bin_a, mailoutbox
):
    client.post(request_login_link(client, resident.email, mailoutbox))
    assert client.get("/nl/me/").status_code == 200
    other = Client()
    other.post(request_login_link(other, resident.email, mailoutbox))
    assert len(sessions_of(resident)) == 2

    appoint_coordinator(officer_a, resident, bin_a)
    with_totp(resident)

    assert sessions_of(resident) == []
    assert client.get("/nl/staff/")["Location"] == "/nl/account/login/?next=/nl/staff/"
    assert client.get("/nl/me/")["Location"] == "/nl/me/login/"
    assert other.get(f"/nl/staff/members/{bin_a.slug}/").status_code == 302


# --- Which sessions open staff pages -----------------------------------------------------------


def test_password_and_authenticator_code_open_the_staff_pages(client, coordinator_a, bin_a):
    log_in_with_password_and_code(client, coordinator_a)
    assert client.get("/nl/staff/").status_code == 200
    assert client.get(f"/nl/staff/members/{bin_a.slug}/").status_code == 200
    methods = [r["method"] for r in client.session[AUTHENTICATION_METHODS_SESSION_KEY]]
    assert methods == ["password", "mfa"]


def test_a_passkey_login_opens_the_staff_pages(client, coordinator_a, bin_a):
    with_totp(coordinator_a)
    client.force_login(coordinator_a)
    session = client.session
    session[AUTHENTICATION_USER_SESSION_KEY] = str(coordinator_a.pk)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "mfa", "at": time.time(), "type": "webauthn", "passwordless": True}
    ]
    session.save()
    assert client.get(f"/nl/staff/members/{bin_a.slug}/").status_code == 200


@pytest.mark.parametrize(
    "records",
    [
        [],
        [{"method": "password"}],
        [{"method": "mfa", "type": "totp"}],
        # A security key used as a second factor is no passkey login on its own.
        [{"method": "mfa", "type": "webauthn"}],
        [{"method": "password_reset"}, {"method": "mfa", "type": "totp"}],
    ],
    ids=["nothing", "password only", "code only", "key only", "reset and code"],
)
def test_any_other_session_of_staff_is_logged_out_and_asked_to_log_in(
    client, coordinator_a, bin_a, records
):
    with_totp(coordinator_a)
    client.force_login(coordinator_a)
    session = client.session
    session[AUTHENTICATION_USER_SESSION_KEY] = str(coordinator_a.pk)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{**r, "at": time.time()} for r in records]
    session.save()

    response = client.get(f"/nl/staff/members/{bin_a.slug}/?page=2")
    assert response["Location"] == (
        f"/nl/account/login/?next=/nl/staff/members/{bin_a.slug}/%3Fpage%3D2"
    )
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert escape(nl(LOG_IN_PROPERLY)) in page.text


def test_the_notes_of_another_person_count_for_nothing(client, coordinator_a, officer_a, bin_a):
    with_totp(coordinator_a)
    client.force_login(coordinator_a)
    session = client.session
    mark_fully_authenticated(session, officer_a)
    assert client.get("/nl/staff/")["Location"] == "/nl/account/login/?next=/nl/staff/"


def test_a_login_link_session_is_logged_out_on_the_account_pages_too(client, resident, mailoutbox):
    client.post(request_login_link(client, resident.email, mailoutbox))
    # A role given behind the services' back (the appointment would have ended the session).
    factories.RoleFactory(
        user=resident, role=Role.OFFICER, network=resident.memberships.get().network
    )
    response = client.get("/nl/account/2fa/")
    assert response["Location"] == "/nl/account/login/?next=/nl/account/2fa/"
    assert SESSION_KEY not in client.session


def test_on_the_login_page_itself_the_session_ends_without_a_loop(client, resident, mailoutbox):
    client.post(request_login_link(client, resident.email, mailoutbox))
    factories.RoleFactory(
        user=resident, role=Role.OFFICER, network=resident.memberships.get().network
    )
    response = client.get("/nl/account/login/")
    assert response["Location"] == "/nl/account/login/"
    assert SESSION_KEY not in client.session
    page = client.get("/nl/account/login/")
    assert page.status_code == 200
    assert escape(nl(LOG_IN_PROPERLY)) in page.text


def test_residents_keep_their_login_link_session(client, resident, mailoutbox):
    client.post(request_login_link(client, resident.email, mailoutbox))
    assert client.get("/nl/me/").status_code == 200
    assert client.get("/nl/account/2fa/").status_code == 200
    assert client.session[SESSION_KEY] == str(resident.pk)
    assert client.get("/nl/staff/").status_code == 403


def test_the_demo_exemption_opens_staff_pages_to_a_password_login(client, settings, officer_a):
    settings.NABUUR_ENV = "demo"
    allow_demo_persona_without_mfa(officer_a.email)
    response = client.post("/nl/account/login/", {"login": officer_a.email, "password": PASSWORD})
    assert response["Location"] == "/nl/staff/"
    page = client.get("/nl/staff/")
    assert page.status_code == 200
    assert (
        nl(
            "Demo persona: this account may skip the second factor. A real staff account always "
            "needs one."
        )
        in page.text
    )

    settings.NABUUR_ENV = "production"
    assert client.get("/nl/staff/")["Location"] == (
        "/nl/account/2fa/totp/activate/?next=%2Fnl%2Fstaff%2F"
    )


# Committed for real: allauth announces the new authenticator once its transaction commits,
# inside the request that enrols it.
@pytest.mark.django_db(transaction=True)
def test_an_invited_person_who_enrols_an_app_goes_on_without_logging_in_again(zone, client, capsys):
    call_command("invite_admin", "chef@pz-test.example", zone="pz-test")
    path = capsys.readouterr().out.splitlines()[1].removeprefix("http://127.0.0.1:8000")
    new_password = "Kerkstraat-lantaarn-2026"
    response = client.post(path, {"password1": new_password, "password2": new_password})
    assert response["Location"] == "/nl/account/2fa/totp/activate/"
    page = client.get("/nl/account/2fa/totp/activate/")
    code = totp_code(page.context["form"].secret)
    response = client.post("/nl/account/2fa/totp/activate/", {"code": code})
    assert response["Location"] == "/nl/account/2fa/recovery-codes/"
    assert client.get("/nl/staff/").status_code == 200


# --- Login links and appointments --------------------------------------------------------------


def test_a_login_link_is_refused_at_use_to_anyone_with_a_role_even_a_new_one(
    client, resident, mailoutbox
):
    url = request_login_link(client, resident.email, mailoutbox)
    factories.RoleFactory(
        user=resident,
        role=Role.OFFICER,
        network=resident.memberships.get().network,
        started_on=datetime.date.today() + datetime.timedelta(days=3),
    )
    response = client.post(url)
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_an_appointment_ends_every_session_of_the_person_and_no_one_elses(
    client, resident, officer_a, member_a, bin_a, mailoutbox
):
    client.post(request_login_link(client, resident.email, mailoutbox))
    neighbour = Client()
    neighbour.force_login(member_a)
    officer = Client()
    officer.force_login(with_totp(officer_a))

    invite(officer_a, resident.email, Role.CO_COORDINATOR, network=bin_a, send=False)

    assert sessions_of(resident) == []
    assert len(sessions_of(member_a)) == 1
    assert len(sessions_of(officer_a)) == 1


def test_appointing_oneself_keeps_ones_own_sessions(zone_admin, bin_a):
    own = Client()
    own.force_login(with_totp(zone_admin))
    invite(zone_admin, zone_admin.email, Role.OFFICER, network=bin_a, send=False)
    assert len(sessions_of(zone_admin)) == 1
    assert own.get("/nl/staff/").status_code == 200


def test_end_sessions_skips_the_kept_one(coordinator_a):
    first, second = Client(), Client()
    first.force_login(coordinator_a)
    second.force_login(coordinator_a)
    kept = second.session.session_key
    assert end_sessions(coordinator_a, keep=kept) == 1
    assert [s.session_key for s in sessions_of(coordinator_a)] == [kept]
