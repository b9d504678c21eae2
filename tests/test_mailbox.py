"""The demo mailbox: only zone administrators read it, and only while it is the mailer."""

import datetime

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from nabuur.mailbox.access import mailbox_enabled
from nabuur.mailbox.backend import MailboxBackend
from nabuur.mailbox.models import MailboxMessage

MAILBOX = {"default": {"BACKEND": "nabuur.mailbox.backend.MailboxBackend"}}
INBOX = "/nl/mailbox/"


@pytest.fixture
def demo_mailer(settings):
    settings.MAILERS = MAILBOX


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
    client.force_login(request.getfixturevalue(persona))
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
    client.force_login(zone_admin)

    assert client.get(INBOX).status_code == 404


@pytest.mark.django_db
def test_without_the_mailbox_mailer_there_is_no_mailbox_for_anyone(client, zone_admin):
    # The test settings use the in-memory mailer, as production uses SMTP.
    mail = store("Welkom", ["an@example.org"])

    assert client.get(INBOX).status_code == 404
    client.force_login(zone_admin)
    assert client.get(INBOX).status_code == 404
    assert client.get(f"/nl/mailbox/{mail.pk}/").status_code == 404


@pytest.mark.django_db
def test_zone_admin_sees_messages_newest_first(client, zone_admin, demo_mailer):
    store("Eerste bericht", ["an@example.org"])
    store("Tweede bericht", ["bert@example.be"])
    client.force_login(zone_admin)

    response = client.get(INBOX)

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert [mail.subject for mail in response.context["page"]] == [
        "Tweede bericht",
        "Eerste bericht",
    ]
    assert "<caption>\n    2 messages\n  </caption>" in response.text.replace("\n\n", "\n")


@pytest.mark.django_db
def test_zone_admin_searches_by_recipient(client, zone_admin, demo_mailer):
    store("Voor An", ["an@example.org"])
    store("Voor Bert", ["bert@example.be"])
    store("Voor iedereen", ["carla@example.org", "an.peeters@example.be"])
    client.force_login(zone_admin)

    response = client.get(INBOX, {"q": " AN"})

    assert [mail.subject for mail in response.context["page"]] == ["Voor iedereen", "Voor An"]
    assert response.context["query"] == "AN"


@pytest.mark.django_db
def test_inbox_is_paginated_by_fifty(client, zone_admin, demo_mailer):
    for number in range(51):
        store(f"Bericht {number}", ["an@example.org"])
    client.force_login(zone_admin)

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
    client.force_login(zone_admin)

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
    client.force_login(zone_admin)

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
    client.force_login(zone_admin)

    assert client.get(f"/nl/mailbox/{mail.pk}/").context["has_html"] is False
    assert client.get(f"/nl/mailbox/{mail.pk}/html/").status_code == 404


@pytest.mark.django_db
def test_raw_message_downloads_as_eml(client, zone_admin, demo_mailer):
    mail = store("Welkom", ["an@example.org"])
    client.force_login(zone_admin)

    response = client.get(f"/nl/mailbox/{mail.pk}/raw/")

    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="message-{mail.pk}.eml"'
    assert response.content == bytes(mail.raw)


@pytest.mark.django_db
def test_missing_message_is_404_for_zone_admin(client, zone_admin, demo_mailer):
    client.force_login(zone_admin)

    assert client.get("/nl/mailbox/999/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_inbox_query_count_does_not_grow_with_messages(
    client, zone_admin, demo_mailer, django_assert_num_queries, count
):
    for number in range(count):
        store(f"Bericht {number}", [f"lid{number}@example.org"])
    client.force_login(zone_admin)

    # session, user, role check, count, the site's zone and its languages (base.html), the
    # page of messages, then the session save in a savepoint (3).
    with django_assert_num_queries(10):
        response = client.get(INBOX)
    assert len(response.context["page"]) == count
