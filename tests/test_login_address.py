"""A person's login address changes in one service: it stays unique, the old address is told
with a link that undoes the change for 7 days, and the audit log has it. The paths that change
it: a coordinator's correction (tests/test_member_admin.py), the undo page, and the staff's own
e-mail page /account/email/ (django-allauth's, with Nabuur's form, view and adapter)."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.utils import translation
from django.utils.translation import gettext

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.members import services
from nabuur.members.models import LoginLink
from nabuur.staff.models import Role

from . import factories
from .i18n import nl
from .sessions import reauthenticated
from .test_member_list import log_in_staff

pytestmark = pytest.mark.django_db

UNDO_PATH = re.compile(r"https?://[^\s/]+(/[a-z]{2}/account/email/undo/[^\s/]+/)")
TAKEN = "Another person already uses this e-mail address."


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def jan(bin_a):
    """A resident of BIN A, who logs in with e-mailed links (no password)."""
    user = factories.UserFactory(email="jan@example.org", first_name="Jan", password=None)
    factories.MembershipFactory(network=bin_a, user=user)
    return user


def correct(coordinator, user, email):
    """A coordinator of BIN A corrects the person's address (the staff member form's service)."""
    membership = user.memberships.get()
    return services.edit_member(
        coordinator,
        membership,
        first_name=user.first_name,
        last_name=user.last_name,
        email=email,
        phone=user.phone,
        box=membership.box,
    )


def undo_path(message):
    """The path of the undo link in an e-mail (text and HTML carry the same)."""
    found = UNDO_PATH.search(message.body)
    assert found, message.body
    assert found.group(0) in message.alternatives[0].content
    return found.group(1)


def flashed(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def email_rows(user):
    return sorted(
        EmailAddress.objects.filter(user=user).values_list("email", "primary", "verified"),
        key=lambda row: row[0],
    )


# --- The notice and the undo link -------------------------------------------------------------


def test_the_old_address_is_told_in_its_language(jan, municipality, coordinator_a, mailoutbox):
    municipality.language_regime = LanguageRegime.BRUSSELS
    municipality.save(update_fields=["language_regime"])
    jan.language = "fr"
    jan.save(update_fields=["language"])

    correct(coordinator_a, jan, "jan.claes@example.org")

    [notice] = mailoutbox
    assert notice.to == ["jan@example.org"]
    with translation.override("fr"):
        assert notice.subject == gettext("Your e-mail address on Nabuur was changed")
    assert undo_path(notice).startswith("/fr/account/email/undo/")
    # The old address's reader does not learn the new one.
    assert "jan.claes@example.org" not in notice.body + notice.alternatives[0].content


def test_the_change_keeps_allauths_rows_in_step(jan, coordinator_a):
    EmailAddress.objects.create(user=jan, email="jan@example.org", primary=True, verified=True)

    correct(coordinator_a, jan, "jan.claes@example.org")

    assert email_rows(jan) == [("jan.claes@example.org", True, False)]


def test_the_undo_page_asks_and_then_restores_the_old_address(
    client, jan, coordinator_a, mailoutbox
):
    correct(coordinator_a, jan, "attacker@example.org")
    path = undo_path(mailoutbox[0])

    page = client.get(path)
    jan.refresh_from_db()
    assert page.status_code == 200
    assert jan.email == "attacker@example.org"
    assert nl("Restore this address") in page.text
    assert "jan@example.org" in page.text

    response = client.post(path)

    assert response.status_code == 200
    assert nl("Your e-mail address is restored.") in response.text
    jan.refresh_from_db()
    assert jan.email == "jan@example.org"
    assert email_rows(jan) == [("jan@example.org", True, True)]
    restored = AuditEntry.objects.get(action="accounts.email_restored")
    assert (restored.actor_id, restored.actor_role, restored.subjects) == (None, "member", [jan.pk])
    # The address that lost the login is told, but gets no link of its own to take it back.
    told = mailoutbox[1]
    assert told.to == ["attacker@example.org"]
    assert "/account/email/undo/" not in told.body + told.alternatives[0].content


def test_the_undo_ends_the_persons_sessions(client, jan, coordinator_a, mailoutbox):
    correct(coordinator_a, jan, "attacker@example.org")
    client.force_login(jan)
    assert client.get("/nl/me/").status_code == 200

    client.post(undo_path(mailoutbox[0]))

    assert client.get("/nl/me/").status_code == 302


def test_the_undo_spends_the_login_links_sent_to_the_other_address(
    client, jan, coordinator_a, mailoutbox
):
    correct(coordinator_a, jan, "attacker@example.org")
    services.send_login_link("attacker@example.org")
    open_links = LoginLink.objects.filter(user=jan, used_at__isnull=True)
    assert open_links.filter(expires_at__gt=clock.now()).exists()

    client.post(undo_path(mailoutbox[0]))

    assert not open_links.filter(expires_at__gt=clock.now()).exists()


def test_an_undo_link_works_once(client, jan, coordinator_a, mailoutbox):
    correct(coordinator_a, jan, "attacker@example.org")
    path = undo_path(mailoutbox[0])
    client.post(path)
    # A coordinator changes it again; the old link must not count as the new change's undo.
    correct(coordinator_a, jan, "jan.claes@example.org")

    again = client.post(path)

    assert again.status_code == 404
    assert nl("This link no longer works.") in again.text
    jan.refresh_from_db()
    assert jan.email == "jan.claes@example.org"
    assert AuditEntry.objects.filter(action="accounts.email_restored").count() == 1


def test_an_undo_link_works_for_7_days(client, jan, coordinator_a, mailoutbox):
    start = clock.now()
    with clock.frozen_at(start):
        correct(coordinator_a, jan, "attacker@example.org")
    path = undo_path(mailoutbox[0])

    with clock.frozen_at(start + datetime.timedelta(days=7, minutes=1)):
        late = client.post(path)

    assert late.status_code == 404
    jan.refresh_from_db()
    assert jan.email == "attacker@example.org"


def test_the_first_address_wins_when_the_address_was_changed_twice(
    client, jan, coordinator_a, mailoutbox
):
    correct(coordinator_a, jan, "attacker@example.org")
    correct(coordinator_a, jan, "other@example.org")
    jans_link, attackers_link = (undo_path(message) for message in mailoutbox)
    assert [message.to for message in mailoutbox] == [["jan@example.org"], ["attacker@example.org"]]

    # The attacker's own link first: it restores their address for a moment …
    assert client.post(attackers_link).status_code == 200
    # … but Jan's older link still restores Jan's, and then the attacker's works no more.
    assert client.post(jans_link).status_code == 200
    assert client.post(attackers_link).status_code == 404

    jan.refresh_from_db()
    assert jan.email == "jan@example.org"


def test_the_undo_does_not_take_an_address_another_account_took_meanwhile(
    client, jan, coordinator_a, mailoutbox
):
    correct(coordinator_a, jan, "jan.claes@example.org")
    factories.UserFactory(email="jan@example.org")

    response = client.post(undo_path(mailoutbox[0]))

    assert response.status_code == 200
    assert nl(TAKEN) in response.text
    jan.refresh_from_db()
    assert jan.email == "jan.claes@example.org"
    assert not AuditEntry.objects.filter(action="accounts.email_restored").exists()


def test_a_forged_undo_link_is_refused(client, jan, coordinator_a, mailoutbox):
    correct(coordinator_a, jan, "attacker@example.org")
    path = undo_path(mailoutbox[0])
    forged = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]

    assert client.get(forged).status_code == 404
    assert client.post(forged).status_code == 404
    assert client.get("/nl/account/email/undo/unknown-token/").status_code == 404
    jan.refresh_from_db()
    assert jan.email == "attacker@example.org"


# --- The staff e-mail page (/account/email/) --------------------------------------------------


@pytest.fixture
def staff(client, coordinator_a):
    """Coordinator A on their own e-mail page, with a fresh login (allauth asks for it)."""
    return reauthenticated(log_in_staff(client, coordinator_a), coordinator_a)


EMAIL_PAGE = "/nl/account/email/"


@pytest.mark.parametrize("second_factor", [False, True])
def test_the_email_page_refuses_an_address_another_account_uses(
    client, bin_a, member_a, mailoutbox, second_factor
):
    # Without a second factor yet (just invited), allauth would let the person add any address.
    officer = factories.RoleFactory(role=Role.OFFICER, network=bin_a).user
    if second_factor:
        log_in_staff(client, officer)
    else:
        client.force_login(officer)
    reauthenticated(client, officer)
    client.get(EMAIL_PAGE)
    before = email_rows(officer)

    response = client.post(EMAIL_PAGE, {"action_add": "", "email": member_a.email.upper()})

    assert response.status_code == 200
    assert response.context["form"].errors == {"email": [nl(TAKEN)]}
    assert email_rows(officer) == before
    assert mailoutbox == []


def test_an_account_with_a_second_factor_is_told_why_it_cannot_add_an_address(staff, coordinator_a):
    page = staff.get(EMAIL_PAGE)
    response = staff.post(EMAIL_PAGE, {"action_add": "", "email": "new@example.org"})

    blocked = nl(
        "An account protected by a second factor cannot get a new e-mail address here: until it "
        "is confirmed, a new address could receive a link to reset your password."
    )
    assert blocked in page.text
    assert 'name="action_add"' not in page.text
    assert response.context["form"].errors == {"email": [blocked]}
    assert not EmailAddress.objects.filter(email="new@example.org").exists()


def test_making_another_accounts_address_primary_is_refused(staff, coordinator_a, member_a):
    # A row added before the other account took the address (or by a race).
    EmailAddress.objects.create(user=coordinator_a, email=member_a.email, verified=True)
    staff.raise_request_exception = False
    staff.get(EMAIL_PAGE)
    before, login = email_rows(coordinator_a), coordinator_a.email

    response = staff.post(EMAIL_PAGE, {"action_primary": "", "email": member_a.email})

    assert response.status_code == 302
    assert flashed(response) == [nl(TAKEN)]
    assert email_rows(coordinator_a) == before
    coordinator_a.refresh_from_db()
    assert coordinator_a.email == login


def test_making_an_unconfirmed_address_primary_is_refused(staff, coordinator_a):
    EmailAddress.objects.create(user=coordinator_a, email="new@example.org", verified=False)
    login = coordinator_a.email

    response = staff.post(EMAIL_PAGE, {"action_primary": "", "email": "new@example.org"})

    assert response.status_code == 302
    assert flashed(response) == [
        nl("First confirm this address with the link we sent to it, then make it your login.")
    ]
    coordinator_a.refresh_from_db()
    assert coordinator_a.email == login


def test_making_a_confirmed_address_primary_goes_through_the_one_service(
    staff, coordinator_a, mailoutbox
):
    old = coordinator_a.email
    EmailAddress.objects.create(user=coordinator_a, email="new@example.org", verified=True)

    response = staff.post(EMAIL_PAGE, {"action_primary": "", "email": "new@example.org"})

    assert response.status_code == 302
    coordinator_a.refresh_from_db()
    assert coordinator_a.email == "new@example.org"
    assert email_rows(coordinator_a) == [("new@example.org", True, True)]
    entry = AuditEntry.objects.get(action="accounts.email_changed")
    assert (entry.actor_id, entry.subjects) == (coordinator_a.pk, [coordinator_a.pk])
    assert [message.to for message in mailoutbox] == [[old]]
    undo_path(mailoutbox[0])


def test_the_login_address_cannot_be_removed(staff, coordinator_a):
    EmailAddress.objects.create(user=coordinator_a, email="new@example.org", verified=True)
    staff.get(EMAIL_PAGE)
    login = coordinator_a.email

    staff.post(EMAIL_PAGE, {"action_remove": "", "email": login})

    coordinator_a.refresh_from_db()
    assert coordinator_a.email == login
    assert EmailAddress.objects.filter(user=coordinator_a, email=login, primary=True).exists()


def test_confirming_an_added_address_does_not_make_it_the_login(client, jan, mailoutbox):
    # allauth would make a confirmed address the login while no row is primary (residents have
    # none until they open this page), past change_login_email.
    client.force_login(jan)
    reauthenticated(client, jan)
    client.post(EMAIL_PAGE, {"action_add": "", "email": "jan.claes@example.org"})
    [confirmation] = mailoutbox
    confirm_path = re.search(r"(/nl/account/confirm-email/[^\s/]+/)", confirmation.body).group(1)

    page = client.get(confirm_path)
    client.post(confirm_path)

    assert nl("Confirm your e-mail address") in page.text
    jan.refresh_from_db()
    assert jan.email == "jan@example.org"
    assert email_rows(jan) == [
        ("jan.claes@example.org", False, True),
        ("jan@example.org", True, False),
    ]
    assert not AuditEntry.objects.filter(action="accounts.email_changed").exists()


def test_the_email_page_is_nabuurs_own(staff):
    response = staff.get(EMAIL_PAGE)

    assert response.status_code == 200
    assert [template.name for template in response.templates][0] == "account/email.html"
    assert '<html lang="nl"' in response.text
    assert nl("Your e-mail addresses") in response.text
