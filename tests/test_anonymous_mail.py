"""E-mails that a visitor's request causes leave from the worker, never from the request.

Whatever the address (a member's, a stranger's) and whatever the mail relay does, the visitor
gets the same answer after the same work; the worker sends the e-mail, and tries again later
while the relay is down. A real SMTP server (aiosmtpd) plays the relay, `nabuur worker` runs.
"""

import re

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from nabuur.accounts.models import User
from nabuur.members.models import AddressRequest, LoginLink, Membership, MembershipStatus
from nabuur.operations.management.commands.worker import run_queued_tasks
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from nabuur.zones.models import Postcode

from . import factories
from .i18n import nl
from .smtp_sink import SmtpSink

# The worker commits as it goes, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = "554 5.7.1 Relay access denied"
TRY_LATER = "451 4.3.0 Try again later"
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture
def relay(settings):
    sink = SmtpSink().start()
    settings.MAILERS = sink.mailers()
    yield sink
    sink.stop()


@pytest.fixture
def resident(bin_a):
    """A member of BIN A without a password, as every resident is."""
    user = factories.UserFactory(email="jan@example.org", first_name="Jan", password=None)
    user.set_unusable_password()
    user.save()
    factories.MembershipFactory(user=user, network=bin_a)
    return user


@pytest.fixture
def kerkstraat(municipality, bin_a, zone):
    """Kerkstraat, 2650 Edegem: numbers 1–50 are in BIN A; from 51 in no BIN."""
    Postcode.objects.create(code="2650", municipality=municipality)
    street = factories.StreetFactory(
        municipality=municipality,
        postcode="2650",
        name_nl="Kerkstraat",
        search_names="|kerkstraat|",
    )
    factories.SegmentFactory(network=bin_a, street=street, number_from=1, number_to=50)
    publish_house_rules(zone)
    publish_privacy_notice(zone)
    return street


def sign_up(email, house_number="12"):
    return {
        "first_name": "Marie",
        "last_name": "Claes",
        "street": "kerkstraat",
        "house_number": house_number,
        "box": "",
        "postcode": "2650",
        "email": email,
        "phone": "",
        "basis": "lives",
        "enterprise_number": "",
        "adult": "on",
        "accept": "on",
        "website": "",
    }


def run_worker():
    """What `nabuur worker` does with the task queue (its periodic jobs, which send e-mails of
    their own, are tested elsewhere)."""
    run_queued_tasks()


def make_retries_due():
    """Let the time of every queued retry come (the relay's back-off is minutes)."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


def answer(client, path, data):
    """The status, the redirect and the page it leads to, without the page's CSRF token."""
    response = client.post(path, data)
    page = client.get(response["Location"]) if response.status_code == 302 else response
    return response.status_code, response.get("Location"), CSRF_TOKEN.sub("", page.text)


def query_shapes(client, path, data):
    """The SQL statements a POST runs, with every value taken out."""
    with CaptureQueriesContext(connection) as queries:
        client.post(path, data)
    return [re.sub(r"'[^']*'|\b\d+(\.\d+)?\b", "?", q["sql"]) for q in queries.captured_queries]


def recipients(relay):
    return [received.rcpt_tos for received in relay.envelopes]


# --- Login links -------------------------------------------------------------------------------


def test_a_refusing_relay_gives_a_member_and_a_stranger_the_same_login_answer(
    client, resident, relay
):
    relay.fail_next(10, REFUSED)
    known = answer(client, "/nl/me/login/", {"email": "jan@example.org"})
    unknown = answer(client, "/nl/me/login/", {"email": "nobody@example.org"})
    assert known == unknown
    assert known[:2] == (302, "/nl/me/login/sent/")
    assert relay.envelopes == []
    assert LoginLink.objects.count() == 0

    relay.handler.failures.clear()
    run_worker()
    assert recipients(relay) == [["jan@example.org"]]
    assert "/nl/me/login/" in relay.envelopes[0].message.get_body(("plain",)).get_content()
    assert LoginLink.objects.count() == 1


def test_a_member_and_a_stranger_cost_the_request_the_same_work(client, resident, relay):
    client.post("/nl/me/login/", {"email": "first@example.org"})
    known = query_shapes(client, "/nl/me/login/", {"email": "jan@example.org"})
    unknown = query_shapes(client, "/nl/me/login/", {"email": "nobody@example.org"})
    assert known == unknown
    assert relay.envelopes == []


def test_the_worker_tries_again_while_the_relay_is_down(client, resident, relay):
    client.post("/nl/me/login/", {"email": "jan@example.org"})
    relay.stop()
    run_worker()
    assert LoginLink.objects.count() == 0
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1
    assert DBTaskResult.objects.get(status=TaskResultStatus.READY).args_kwargs["kwargs"] == {
        "attempt": 2
    }

    relay.start()
    run_worker()
    assert relay.envelopes == []
    make_retries_due()
    run_worker()
    assert recipients(relay) == [["jan@example.org"]]
    assert LoginLink.objects.count() == 1


def test_a_refusal_is_final_and_leaves_no_link(client, resident, relay):
    client.post("/nl/me/login/", {"email": "jan@example.org"})
    relay.fail_next(1, REFUSED)
    run_worker()
    assert relay.envelopes == []
    assert LoginLink.objects.count() == 0
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == [TaskResultStatus.FAILED]


# --- Sign-ups ----------------------------------------------------------------------------------


def test_a_refusing_relay_gives_a_member_and_a_newcomer_the_same_join_answer(
    client, kerkstraat, member_a, relay
):
    relay.fail_next(10, REFUSED)
    known = answer(client, "/nl/join/", sign_up(member_a.email))
    new = answer(client, "/nl/join/", sign_up("new@example.org", house_number="14"))
    assert known == new
    assert known[:2] == (302, "/nl/join/sent/")
    assert relay.envelopes == []
    assert Membership.objects.count() == 1

    relay.handler.failures.clear()
    run_worker()
    assert sorted(recipients(relay)) == sorted([[member_a.email], ["new@example.org"]])
    subjects = {r.rcpt_tos[0]: r.message["Subject"] for r in relay.envelopes}
    assert subjects == {
        member_a.email: nl("Your request to join %(name)s", name="BIN Centrum"),
        "new@example.org": nl("Confirm your membership of %(name)s", name="BIN Centrum"),
    }
    new_member = Membership.objects.get(user__email="new@example.org")
    assert (new_member.status, new_member.house_number, new_member.street) == (
        MembershipStatus.PENDING,
        14,
        kerkstraat,
    )
    assert sorted(new_member.user.consents.values_list("document__kind", flat=True)) == [
        "house_rules",
        "privacy_notice",
    ]


def test_a_member_and_a_newcomer_cost_the_join_request_the_same_work(
    client, kerkstraat, member_a, relay
):
    client.post("/nl/join/", sign_up("first@example.org", house_number="10"))
    known = query_shapes(client, "/nl/join/", sign_up(member_a.email))
    new = query_shapes(client, "/nl/join/", sign_up("new@example.org", house_number="14"))
    assert known == new


def test_a_sign_up_waits_for_the_relay_and_keeps_nothing_meanwhile(client, kerkstraat, relay):
    relay.fail_next(1, TRY_LATER)
    assert answer(client, "/nl/join/", sign_up("new@example.org"))[:2] == (302, "/nl/join/sent/")
    run_worker()
    assert (Membership.objects.count(), User.objects.filter(email="new@example.org").count()) == (
        0,
        0,
    )
    make_retries_due()
    run_worker()
    assert recipients(relay) == [["new@example.org"]]
    assert Membership.objects.get().user.email == "new@example.org"


def test_a_sign_up_outside_every_bin_is_queued_by_the_worker(client, kerkstraat, relay, zone):
    relay.fail_next(10, REFUSED)
    response = client.post("/nl/join/", sign_up("new@example.org", house_number="51"))
    assert response["Location"] == "/nl/join/sent/"
    assert AddressRequest.objects.count() == 0

    relay.handler.failures.clear()
    run_worker()
    request = AddressRequest.objects.get()
    assert (request.zone, request.email, request.house_number, request.status) == (
        zone,
        "new@example.org",
        "51",
        "open",
    )
    assert sorted(request.documents.values_list("kind", flat=True)) == [
        "house_rules",
        "privacy_notice",
    ]
    assert recipients(relay) == [["new@example.org"]]


# --- Confirming a sign-up ------------------------------------------------------------------------


def confirm_link(relay):
    body = relay.envelopes[-1].message.get_body(("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:8000(/\S+/join/confirm/\S+/)", body).group(1)


def test_confirming_with_the_relay_refusing_answers_and_the_worker_welcomes_later(
    client, kerkstraat, bin_a, relay
):
    bin_a.requires_approval = False
    bin_a.save(update_fields=["requires_approval"])
    client.post("/nl/join/", sign_up("new@example.org"))
    run_worker()
    relay.fail_next(10, REFUSED)
    page = client.post(confirm_link(relay))
    assert page.status_code == 200
    assert nl("Welcome") in page.text
    assert Membership.objects.get().status == MembershipStatus.ACTIVE
    assert len(relay.envelopes) == 1

    relay.handler.failures.clear()
    run_worker()
    assert [r.message["Subject"] for r in relay.envelopes[1:]] == [
        nl("Welcome to %(name)s", name="BIN Centrum")
    ]


def test_a_confirmation_awaiting_approval_tells_the_resident_and_the_coordinators_from_the_worker(
    client, kerkstraat, bin_a, coordinator_a, relay
):
    bin_a.requires_approval = True
    bin_a.save(update_fields=["requires_approval"])
    client.post("/nl/join/", sign_up("new@example.org"))
    run_worker()
    client.post(confirm_link(relay))
    assert len(relay.envelopes) == 1
    run_worker()
    assert sorted(recipients(relay)[1:]) == sorted([["new@example.org"], [coordinator_a.email]])
