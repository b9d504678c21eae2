"""The demo mailbox: only zone administrators read it, each their own zone's e-mails, and only
while it is the mailer."""

import datetime
import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nabuur.lib import clock
from nabuur.mailbox.access import mailbox_enabled
from nabuur.mailbox.backend import MailboxBackend
from nabuur.mailbox.models import MailboxMessage
from nabuur.members.emails import send_address_request_received, send_login_link, send_welcome
from nabuur.members.models import AddressRequest, Membership
from nabuur.messaging.delivery import deliver_due
from nabuur.messaging.services import queue_message
from nabuur.staff.models import Role
from nabuur.staff.services import invite
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from nabuur.zones.models import Postcode

from . import factories
from .test_delivery import NOW, add_variant
from .test_outbox import make_message

MAILBOX = {"default": {"BACKEND": "nabuur.mailbox.backend.MailboxBackend"}}
INBOX = "/nl/mailbox/"


# The addresses these tests write to: members of BIN A, so their e-mails are the test zone's.
RESIDENTS = [
    "an@example.org",
    "an.peeters@example.be",
    "bert@example.be",
    "carla@example.org",
    "lid1@example.org",
    "lid2@example.org",
    "lid3@example.org",
]


@pytest.fixture
def demo_mailer(settings, bin_a):
    """The demo mailer, and the members of BIN A whom the tests write to."""
    settings.MAILERS = MAILBOX
    for address in RESIDENTS:
        factories.MembershipFactory(network=bin_a, user__email=address)


def log_in(client, user):
    """Log in as `user`, with a second factor enrolled as staff must have one."""
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)


def store(subject, to, text="Hallo", html=None):
    """Put one e-mail in the mailbox the way the site's mailer would."""
    mail = EmailMultiAlternatives(subject, text, "BIN Centrum <bin@pz-test.example>", to)
    if html is not None:
        mail.attach_alternative(html, "text/html")
    MailboxBackend().send_messages([mail])
    return MailboxMessage.objects.latest("id")


def test_mailbox_urls():
    assert reverse("mailbox:inbox") == INBOX
    assert reverse("mailbox:message", args=[7]) == "/nl/mailbox/7/"
    assert reverse("mailbox:message_html", args=[7]) == "/nl/mailbox/7/html/"
    assert reverse("mailbox:message_raw", args=[7]) == "/nl/mailbox/7/raw/"


def test_mailbox_is_enabled_only_with_the_mailbox_mailer(settings):
    settings.MAILERS = MAILBOX
    assert mailbox_enabled() is True
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}
    assert mailbox_enabled() is False


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, settings, demo_mailer):
    settings.LOGIN_URL = "/nl/login/"
    mail = store("Welkom", ["an@example.org"])

    for url in (INBOX, f"/nl/mailbox/{mail.pk}/", f"/nl/mailbox/{mail.pk}/raw/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/nl/login/?next={url}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona", ["member_a", "coordinator_a", "officer_a", "municipality_contact"]
)
def test_people_who_are_not_zone_admins_get_404(client, request, demo_mailer, persona):
    log_in(client, request.getfixturevalue(persona))
    mail = store("Welkom", ["an@example.org"])

    for url in (
        INBOX,
        f"/nl/mailbox/{mail.pk}/",
        f"/nl/mailbox/{mail.pk}/html/",
        f"/nl/mailbox/{mail.pk}/raw/",
    ):
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_a_former_zone_admin_gets_404(client, zone_admin, demo_mailer):
    zone_admin.roles.update(ended_on=datetime.date(2025, 1, 1))
    log_in(client, zone_admin)

    assert client.get(INBOX).status_code == 404


@pytest.mark.django_db
def test_without_the_mailbox_mailer_there_is_no_mailbox_for_anyone(client, zone_admin):
    # The test settings use the in-memory mailer, as production uses SMTP.
    mail = store("Welkom", ["an@example.org"])

    assert client.get(INBOX).status_code == 404
    log_in(client, zone_admin)
    assert client.get(INBOX).status_code == 404
    assert client.get(f"/nl/mailbox/{mail.pk}/").status_code == 404


@pytest.mark.django_db
def test_zone_admin_sees_messages_newest_first(client, zone_admin, demo_mailer):
    store("Eerste bericht", ["an@example.org"])
    store("Tweede bericht", ["bert@example.be"])
    log_in(client, zone_admin)

    response = client.get(INBOX)

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert [mail.subject for mail in response.context["page"]] == [
        "Tweede bericht",
        "Eerste bericht",
    ]
    caption = '<caption id="inbox-caption">\n    2 berichten\n  </caption>'
    assert caption in response.text.replace("\n\n", "\n")


@pytest.mark.django_db
def test_zone_admin_searches_by_recipient(client, zone_admin, demo_mailer):
    store("Voor An", ["an@example.org"])
    store("Voor Bert", ["bert@example.be"])
    store("Voor iedereen", ["carla@example.org", "an.peeters@example.be"])
    log_in(client, zone_admin)

    response = client.get(INBOX, {"q": " AN"})

    assert [mail.subject for mail in response.context["page"]] == ["Voor iedereen", "Voor An"]
    assert response.context["query"] == "AN"


@pytest.mark.django_db
def test_inbox_is_paginated_by_fifty(client, zone_admin, demo_mailer):
    for number in range(51):
        store(f"Bericht {number}", ["an@example.org"])
    log_in(client, zone_admin)

    first = client.get(INBOX)
    second = client.get(INBOX, {"page": 2})

    assert len(first.context["page"]) == 50
    assert [mail.subject for mail in second.context["page"]] == ["Bericht 0"]
    assert 'href="?page=2" rel="next"' in first.text


@pytest.mark.django_db
def test_message_shows_headers_and_text_and_embeds_the_html_in_a_sandbox(
    client, zone_admin, demo_mailer
):
    mail = store(
        "Preventietip <fietsen>",
        ["an@example.org"],
        text="Sluit je fiets <altijd> op slot.",
        html="<p>Sluit je fiets op slot.</p><script>alert(1)</script>",
    )
    log_in(client, zone_admin)

    response = client.get(f"/nl/mailbox/{mail.pk}/")

    assert response.status_code == 200
    assert response.context["text"] == "Sluit je fiets <altijd> op slot.\n"
    assert response.context["has_html"] is True
    assert ("Subject", "Preventietip <fietsen>") in response.context["headers"]
    assert ("To", "an@example.org") in response.context["headers"]
    assert "<pre>Sluit je fiets &lt;altijd&gt; op slot.\n</pre>" in response.text
    assert "<h1>Preventietip &lt;fietsen&gt;</h1>" in response.text
    assert f'<iframe src="/nl/mailbox/{mail.pk}/html/"' in response.text
    assert "<script>" not in response.text


@pytest.mark.django_db
def test_html_part_is_served_with_a_sandbox_policy(client, zone_admin, demo_mailer):
    html = "<p>Sluit je fiets op slot.</p><script>alert(1)</script>"
    mail = store("Preventietip", ["an@example.org"], html=html)
    log_in(client, zone_admin)

    response = client.get(f"/nl/mailbox/{mail.pk}/html/")

    assert response.status_code == 200
    assert response.text == html + "\n"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Security-Policy"] == (
        "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    )
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.django_db
def test_a_text_only_message_has_no_html_part(client, zone_admin, demo_mailer):
    mail = store("Alleen tekst", ["an@example.org"])
    log_in(client, zone_admin)

    assert client.get(f"/nl/mailbox/{mail.pk}/").context["has_html"] is False
    assert client.get(f"/nl/mailbox/{mail.pk}/html/").status_code == 404


@pytest.mark.django_db
def test_raw_message_downloads_as_eml(client, zone_admin, demo_mailer):
    mail = store("Welkom", ["an@example.org"])
    log_in(client, zone_admin)

    response = client.get(f"/nl/mailbox/{mail.pk}/raw/")

    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="message-{mail.pk}.eml"'
    assert response.content == bytes(mail.raw)


@pytest.mark.django_db
def test_missing_message_is_404_for_zone_admin(client, zone_admin, demo_mailer):
    log_in(client, zone_admin)

    assert client.get("/nl/mailbox/999/").status_code == 404


def inbox_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INBOX)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db
def test_inbox_query_count_does_not_grow_with_messages(client, zone_admin, demo_mailer):
    log_in(client, zone_admin)
    store("Bericht 1", ["lid1@example.org"])
    with_one = inbox_queries(client)
    store("Bericht 2", ["lid2@example.org"])
    store("Bericht 3", ["lid3@example.org"])

    with_three = inbox_queries(client)

    assert len(with_three) == len(with_one)
    # The mailbox itself costs two queries, a count and one page, without the raw messages;
    # the rest (session, user, roles, second factor, site context) is the same for every page.
    mailbox = [sql for sql in with_three if '"mailbox_mailboxmessage"' in sql]
    assert len(mailbox) == 2
    assert mailbox[0].startswith('SELECT COUNT(*) AS "__count" FROM "mailbox_mailboxmessage"')
    assert '"raw"' not in mailbox[1]


# Scope: a zone administrator reads the mail of their own zone only.


@pytest.fixture
def zone_b(db):
    return factories.ZoneFactory(slug="pz-ander", name="Politiezone Ander")


@pytest.fixture
def zone_b_admin(zone_b):
    """The administrator of a second zone: nothing of zone A."""
    return factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone_b).user


@pytest.mark.django_db
def test_a_second_zones_administrator_does_not_read_zone_a_mail(
    client, zone_admin, zone_b_admin, member_a, demo_mailer
):
    mail = store("Welkom in BIN Centrum", [member_a.email])
    log_in(client, zone_b_admin)

    assert list(client.get(INBOX).context["page"]) == []
    for url in (f"/nl/mailbox/{mail.pk}/", f"/nl/mailbox/{mail.pk}/raw/"):
        assert client.get(url).status_code == 404
    log_in(client, zone_admin)
    assert [m.subject for m in client.get(INBOX).context["page"]] == ["Welkom in BIN Centrum"]


def zone_of_stored_mail():
    return MailboxMessage.objects.latest("id").zone_id


@pytest.mark.django_db
def test_each_kept_email_names_the_zone_of_its_recipient(
    settings, zone, zone_b, bin_a, django_capture_on_commit_callbacks
):
    settings.MAILERS = MAILBOX
    bin_in_zone_b = factories.NetworkFactory(municipality__zone=zone_b, slug="ander")
    # A member's e-mail: the zone of their BIN.
    send_welcome(factories.MembershipFactory(network=bin_a))
    assert zone_of_stored_mail() == zone.pk
    # A new officer's invitation: the zone of the role.
    with django_capture_on_commit_callbacks(execute=True):
        invite(None, "agent@example.org", Role.OFFICER, network=bin_in_zone_b)
    assert MailboxMessage.objects.latest("id").recipients == "agent@example.org"
    assert zone_of_stored_mail() == zone_b.pk
    # A sign-up from outside every BIN: the zone the request went to.
    address_request = AddressRequest.objects.create(
        zone=zone_b, first_name="Bert", last_name="Claes", email="Bert@Example.be",
        street_name="Dorpsstraat", house_number="1", postcode="9999",
    )  # fmt: skip
    send_address_request_received(address_request)
    assert zone_of_stored_mail() == zone_b.pk
    # An address nobody in Nabuur has: no zone.
    store("Onbekend", ["niemand@example.org"])
    assert zone_of_stored_mail() is None


@pytest.mark.django_db
def test_a_message_to_members_is_kept_in_the_zone_of_its_bin(settings, zone, zone_b, bin_a):
    settings.MAILERS = MAILBOX
    # A member of BINs in two zones: the recipient alone does not say which zone's e-mail it is.
    both = factories.MembershipFactory(network=bin_a).user
    factories.MembershipFactory(user=both, network__municipality__zone=zone_b)
    message = make_message(bin_a)
    add_variant(message)
    queue_message(message, now=NOW)

    with clock.frozen_at(NOW):
        assert deliver_due() == 1

    mail = MailboxMessage.objects.get()
    assert (mail.recipients, mail.zone_id) == (both.email, zone.pk)
    # The same person's e-mail without a BIN of its own is left to the installation.
    send_login_link(both, "token")
    assert zone_of_stored_mail() is None


@pytest.mark.django_db
def test_emails_without_a_zone_are_read_by_superusers_only(client, zone_admin, demo_mailer):
    without_zone = store("Onbekend", ["niemand@example.org"])
    in_zone = store("Welkom", ["an@example.org"])
    log_in(client, zone_admin)

    assert list(client.get(INBOX).context["page"]) == [in_zone]
    assert client.get(f"/nl/mailbox/{without_zone.pk}/").status_code == 404
    zone_admin.is_superuser = True
    zone_admin.save(update_fields=["is_superuser"])
    assert list(client.get(INBOX).context["page"]) == [in_zone, without_zone]
    assert client.get(f"/nl/mailbox/{without_zone.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_superuser_without_a_zone_role_gets_404(client, django_user_model, demo_mailer):
    root = django_user_model.objects.create_superuser("root@example.org", "x" * 20)
    store("Welkom", ["an@example.org"])
    log_in(client, root)
    assert client.get(INBOX).status_code == 404


# --- A visitor's own mail in the demo ------------------------------------------------------

OWN = "/nl/mailbox/mine/"
SIGN_UP = {
    "first_name": "Marie",
    "last_name": "Peeters",
    "street": "kerkstraat",
    "house_number": "12",
    "box": "",
    "postcode": "2650",
    "email": "marie.peeters@example.org",
    "phone": "",
    "basis": "lives",
    "enterprise_number": "",
    "adult": "on",
    "accept": "on",
    "website": "",
}


@pytest.fixture
def demo_join(settings, municipality, bin_a, zone):
    """The demo (its mailbox mailer), a street of BIN A to sign up in, e-mail sent at once."""
    settings.DEMO = True
    settings.MAILERS = MAILBOX
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
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


def own_link(page):
    return re.search(r'href="(/nl/mailbox/mine/(\d+)/)"', page).group(1)


@pytest.mark.django_db
def test_in_the_demo_a_resident_reads_their_confirmation_mail_and_follows_its_link(
    client, demo_join
):
    store("Vroeger", ["marie.peeters@example.org"])

    response = client.post("/nl/join/", SIGN_UP, follow=True)

    page = response.content.decode()
    assert response.redirect_chain == [("/nl/join/sent/", 302)]
    assert f'<a href="{OWN}">' in page
    assert "marie.peeters@example.org" in page
    mine = client.get(OWN).content.decode()
    sent = MailboxMessage.objects.exclude(subject="Vroeger").get(
        recipients="marie.peeters@example.org"
    )
    assert [sent.subject] == re.findall(r'<a href="/nl/mailbox/mine/\d+/">([^<]+)</a>', mine)
    message = client.get(own_link(mine)).content.decode()
    confirm = re.search(r'<a href="http://127\.0\.0\.1:8000(/nl/join/confirm/[^"]+/)"', message)
    assert client.get(confirm.group(1)).status_code == 200
    assert client.post(confirm.group(1)).status_code == 200
    assert Membership.objects.get(user__email="marie.peeters@example.org").confirmed_at


@pytest.mark.django_db
def test_own_mail_shows_only_mail_to_that_address_since_the_sign_up(client, demo_join):
    earlier = store("Vroeger", ["marie.peeters@example.org"])
    client.post("/nl/join/", SIGN_UP)
    other = store("Voor iemand anders", ["an@example.org"])
    both = store("Aan twee", ["an@example.org", "Marie.Peeters@example.org"])
    lookalike = store("Bijna", ["xmarie.peeters@example.org"])

    mine = client.get(OWN).content.decode()

    shown = re.findall(r'<a href="/nl/mailbox/mine/(\d+)/">', mine)
    confirmation = MailboxMessage.objects.get(subject__startswith="Bevestig")
    assert shown == [str(both.pk), str(confirmation.pk)]
    for hidden in (earlier, other, lookalike):
        assert client.get(f"{OWN}{hidden.pk}/").status_code == 404
    assert client.get(f"{OWN}{both.pk}/").status_code == 200


@pytest.mark.django_db
def test_own_mail_needs_the_sign_up_of_this_browser(client, demo_join):
    mail = store("Hallo", ["marie.peeters@example.org"])

    assert client.get(OWN).status_code == 404
    assert client.get(f"{OWN}{mail.pk}/").status_code == 404
    assert client.get(f"{OWN}?email=marie.peeters@example.org").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("outside", ["not_demo", "real_mailer"])
def test_outside_the_demo_there_is_no_own_mail_and_no_link(client, demo_join, settings, outside):
    if outside == "not_demo":
        settings.DEMO = False
    else:
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

    page = client.post("/nl/join/", SIGN_UP, follow=True).content.decode()

    assert "/nl/mailbox/mine/" not in page
    assert client.get(OWN).status_code == 404
    assert ("demo_mail" in client.session) is (outside == "real_mailer")
