"""The demo mailbox: only zone administrators read it, and only while it is the mailer."""

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from nabuur.mailbox.access import mailbox_enabled
from nabuur.mailbox.backend import MailboxBackend
from nabuur.mailbox.models import MailboxMessage

MAILBOX = {"default": {"BACKEND": "nabuur.mailbox.backend.MailboxBackend"}}
INBOX = "/nl/mailbox/"


@pytest.fixture
def demo_mailer(settings):
    settings.MAILERS = MAILBOX


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
    assert "<caption>\n    2 berichten\n  </caption>" in response.text.replace("\n\n", "\n")


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
