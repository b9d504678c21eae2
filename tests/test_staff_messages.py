"""The staff messaging pages: compose, the review steps, the log, letters and the plan."""

import datetime
import io

import pypdf
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import MembershipStatus
from nabuur.messaging import compose
from nabuur.messaging import staff_views as messaging_staff_views
from nabuur.messaging.delivery import deliver_due, finish_messages
from nabuur.messaging.models import (
    CommunicationPlan,
    Delivery,
    DeliveryState,
    Message,
    MessageKind,
    MessageState,
    SkipReason,
)
from nabuur.messaging.plans import save_plan
from nabuur.messaging.recipients import Reach
from nabuur.messaging.services import queue_message
from nabuur.networks.models import Network
from nabuur.staff.models import Role
from nabuur.staff.permissions import MATRIX, Capability

from . import factories
from .i18n import nl
from .sessions import reauthenticated

TEXT = {"nl": ("Inbraken in de wijk", "Sluit uw **ramen** en deuren.")}
# What the confirmation page sends once the author has seen whom the message reaches.
CONFIRMED = {"confirmed": "1"}


def staff(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


def actions():
    return [entry.action for entry in AuditEntry.objects.order_by("seq")]


def compose_data(networks, /, kind="prevention", **extra):
    data = {
        "networks": [network.pk for network in networks],
        "kind": kind,
        "subject_nl": "Inbraken in de wijk",
        "body_nl": "Sluit uw **ramen** en deuren.",
    }
    data.update(extra)
    return data


@pytest.fixture
def members(bin_a):
    return [factories.MembershipFactory(network=bin_a).user for _ in range(3)]


# --- Compose ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_compose_page_offers_the_persons_bins_and_the_zones_languages(
    client, coordinator_a, bin_a, bin_b
):
    response = staff(client, coordinator_a).get("/nl/staff/messages/new/")
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["networks"].queryset) == [bin_a]
    assert form.languages == ["nl"]
    assert "municipalities" not in form.fields  # groups are for zone administrators


@pytest.mark.django_db
def test_a_coordinator_saves_a_draft(client, coordinator_a, bin_a):
    response = staff(client, coordinator_a).post("/nl/staff/messages/new/", compose_data([bin_a]))
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/nl/staff/messages/{message.pk}/"
    assert (message.state, message.kind, message.author) == ("draft", "prevention", coordinator_a)
    assert list(message.targets.all()) == [bin_a]
    variant = message.variants.get()
    assert variant.body_html == "<p>Sluit uw <strong>ramen</strong> en deuren.</p>"
    assert actions() == ["messaging.draft"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "error"),
    [
        ({"networks": []}, "networks", "Choose at least one BIN."),
        ({"body_nl": ""}, "body_nl", "Write the text that goes with the subject."),
        ({"subject_nl": ""}, "subject_nl", "Give this text a subject."),
        (
            {"scheduled_for": "2020-01-01T10:00"},
            "scheduled_for",
            "Choose a moment in the future.",
        ),
    ],
)
def test_the_compose_form_explains_what_is_wrong(
    client, coordinator_a, bin_a, change, field, error
):
    response = staff(client, coordinator_a).post(
        "/nl/staff/messages/new/", compose_data([bin_a], **change)
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [nl(error)]
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_the_plan_decides_which_classes_a_coordinator_may_send(client, coordinator_a, bin_a):
    response = staff(client, coordinator_a).post(
        "/nl/staff/messages/new/", compose_data([bin_a], kind="missing_person")
    )
    assert response.status_code == 200
    # The composer does not offer the class (see below); sent anyway, it is not a choice.
    expected = nl(
        "Select a valid choice. %(value)s is not one of the available choices.",
        value="missing_person",
    )
    assert response.context["form"].errors["kind"] == [expected]
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_zone_admin_writes_to_every_bin_of_a_municipality(
    client, zone, zone_admin, municipality, bin_a, bin_b
):
    other = factories.MunicipalityFactory(zone=zone, nis_code="11002", name_nl="Boechout")
    factories.NetworkFactory(municipality=other, slug="boechout")
    data = compose_data([], municipalities=[municipality.pk])
    response = staff(client, zone_admin).post("/nl/staff/messages/new/", data)
    assert response.status_code == 302
    assert sorted(n.slug for n in Message.objects.get().targets.all()) == ["centrum", "elsdonk"]


@pytest.mark.django_db
def test_a_zone_admin_writes_to_the_whole_zone(client, zone, zone_admin, bin_a, bin_b):
    data = compose_data([], whole_zone="on")
    staff(client, zone_admin).post("/nl/staff/messages/new/", data)
    assert Message.objects.get().targets.count() == 2


# --- The message page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_lists_missing_languages_for_a_bilingual_bin(client, zone, zone_admin):
    brussels = factories.MunicipalityFactory(
        zone=zone,
        nis_code="21019",
        name_nl="Sint-Pieters-Woluwe",
        name_fr="Woluwe-Saint-Pierre",
        language_regime=LanguageRegime.BRUSSELS,
    )
    network = factories.NetworkFactory(municipality=brussels, slug="woluwe")
    message = compose.create_draft(
        zone_admin, kind=MessageKind.PREVENTION, networks=[network], variants=TEXT
    )
    response = staff(client, zone_admin).get(f"/nl/staff/messages/{message.pk}/")
    assert response.context["overview"].missing == ["fr"]
    refused = client.post(f"/nl/staff/messages/{message.pk}/submit/")
    assert refused.status_code == 200
    assert refused.context["action_errors"] == [
        nl("Missing language versions: %(langs)s.", langs="fr")
    ]
    message.refresh_from_db()
    assert message.state == MessageState.DRAFT


@pytest.mark.django_db
def test_a_finding_blocks_a_coordinator(client, coordinator_a, bin_a):
    message = compose.create_draft(
        coordinator_a,
        kind=MessageKind.PREVENTION,
        networks=[bin_a],
        variants={"nl": ("Verdacht voertuig", "Een wagen met nummerplaat 1-ABC-123 reed rond.")},
    )
    staff(client, coordinator_a)
    page = client.get(f"/nl/staff/messages/{message.pk}/")
    assert [f.kind for f in page.context["overview"].findings["nl"]] == ["plate"]
    assert 'name="justification"' not in page.text  # only the police may override
    response = client.post(f"/nl/staff/messages/{message.pk}/submit/")
    assert response.status_code == 200
    assert len(response.context["action_errors"]) == 1
    message.refresh_from_db()
    assert message.state == MessageState.DRAFT


@pytest.mark.django_db(transaction=True)
def test_the_police_send_despite_a_finding_with_a_logged_justification(
    client, zone_admin, bin_a, members
):
    save_plan(
        bin_a,
        factories.RoleFactory(role=Role.OFFICER, network=bin_a).user,
        police_direct_to_members=True,
        coordinator_needs_approval=False,
        allowed_kinds={"police": ["feedback"], "coordinator": []},
    )
    message = compose.create_draft(
        zone_admin,
        kind=MessageKind.FEEDBACK,
        networks=[bin_a],
        variants={"nl": ("Opsporing", "Wie zag de wagen 1-ABC-123 op 3 mei?")},
    )
    staff(client, zone_admin)
    assert 'name="justification"' in client.get(f"/nl/staff/messages/{message.pk}/").text
    # The confirmation carries the justification on to the sending.
    asked = client.post(
        f"/nl/staff/messages/{message.pk}/submit/",
        {"justification": "Opsporingsbericht met akkoord van het parket."},
    )
    assert asked.status_code == 200
    assert (
        '<input type="hidden" name="justification"'
        ' value="Opsporingsbericht met akkoord van het parket.">'
    ) in asked.text
    response = client.post(
        f"/nl/staff/messages/{message.pk}/submit/",
        {"justification": "Opsporingsbericht met akkoord van het parket.", **CONFIRMED},
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED
    assert message.override_justification == "Opsporingsbericht met akkoord van het parket."
    assert Delivery.objects.filter(message=message).count() == 3
    assert "messaging.guardrail_override" in actions()


@pytest.mark.django_db(transaction=True)
def test_a_coordinators_message_goes_to_the_members(client, coordinator_a, bin_a, members):
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    staff(client, coordinator_a)
    assert client.get(f"/nl/staff/messages/{message.pk}/").context["overview"].reach.emails == 3
    response = client.post(f"/nl/staff/messages/{message.pk}/submit/", CONFIRMED)
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED
    page = client.get(f"/nl/staff/messages/{message.pk}/")
    assert page.context["total"] == 3
    assert page.context["in_flight"] is True
    assert 'src="/static/js/message-progress.js"' in page.text
    progress = client.get(f"/nl/staff/messages/{message.pk}/progress.json").json()
    assert progress["total"] == 3
    assert progress["counts"]["queued"] == 3
    assert progress["done"] is False


@pytest.mark.django_db(transaction=True)
def test_the_page_says_whom_the_message_reaches_and_whom_it_skips(
    client, coordinator_a, bin_a, members
):
    factories.MembershipFactory(network=bin_a, user=factories.UserFactory(email=None))
    factories.MembershipFactory(network=bin_a, status=MembershipStatus.PAUSED)
    factories.MembershipFactory(network=bin_a, status=MembershipStatus.SUSPENDED)
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    staff(client, coordinator_a)

    draft = client.get(f"/en/staff/messages/{message.pk}/")
    assert draft.context["overview"].reach == Reach(
        emails=3, letters=1, skipped={SkipReason.PAUSED: 1, SkipReason.SUSPENDED: 1}
    )
    assert "<dt>Recipients by letter</dt><dd>1</dd>" in draft.text
    assert "<dt>Not reached: paused until they resume</dt><dd>1</dd>" in draft.text
    client.post(f"/en/staff/messages/{message.pk}/submit/", CONFIRMED)
    # Once queued, what was recorded: the skipped rows, and the letters to print.
    queued = client.get(f"/en/staff/messages/{message.pk}/")
    assert queued.context["overview"].reach == Reach(
        emails=None, letters=1, skipped={SkipReason.PAUSED: 1, SkipReason.SUSPENDED: 1}
    )
    assert queued.context["overview"].letters == 1
    assert "<dt>Not reached: suspended</dt><dd>1</dd>" in queued.text
    # Among the outcomes of its delivery now, not as a forecast.
    assert "Recipients by e-mail" not in queued.text
    assert queued.text.count("<dt>Recipients by letter</dt><dd>1</dd>") == 1


@pytest.mark.django_db(transaction=True)
def test_a_message_to_paused_members_ends_sent_and_says_what_waits(client, coordinator_a, bin_a):
    # The report: to 382 members with 24 paused, "Being sent, 358 of 382" for ever. Here 3
    # reached now, 2 whose pause ends the day after tomorrow, 1 paused without an end.
    for _ in range(3):
        factories.MembershipFactory(network=bin_a)
    pause_ends = clock.today() + datetime.timedelta(days=2)
    for _ in range(2):
        factories.MembershipFactory(
            network=bin_a, status=MembershipStatus.PAUSED, paused_until=pause_ends
        )
    factories.MembershipFactory(network=bin_a, status=MembershipStatus.PAUSED)
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    staff(client, coordinator_a)
    client.post(f"/en/staff/messages/{message.pk}/submit/", CONFIRMED)
    assert deliver_due() == 3

    page = client.get(f"/en/staff/messages/{message.pk}/")
    assert page.context["in_flight"] is False
    assert '<dd id="message-state">Sent</dd>' in page.text
    assert page.context["summary"] == (
        "3 of 5 e-mails sent. 2 e-mails wait for quiet hours or the end of a pause,"
        " and go out then."
    )
    assert [(key, count) for key, _label, count in page.context["outcomes"]] == [
        ("sent", 3),
        ("waiting_pause", 2),
    ]
    assert '<dt>Delivered</dt><dd data-count="sent">3</dd>' in page.text
    assert '<dt>Waiting for the end of a pause</dt><dd data-count="waiting_pause">2</dd>' in (
        page.text
    )
    assert "<dt>Not reached: paused until they resume</dt><dd>1</dd>" in page.text
    # Nothing polls a message that is done.
    assert "message-progress.js" not in page.text
    progress = client.get(f"/en/staff/messages/{message.pk}/progress.json").json()
    assert progress["done"] is True
    assert progress["state_label"] == "sent"
    assert progress["summary"] == page.context["summary"]
    assert {key: count for key, count in progress["counts"].items() if count} == {
        "sent": 3,
        "waiting_pause": 2,
    }
    assert progress["skipped"] == {"paused": 1}
    log = client.get("/en/staff/messages/")
    row = next(row for row in log.context["rows"] if row.pk == message.pk)
    assert (row.state_label, row.sent_count, row.waiting_count, row.undelivered) == (
        "sent",
        3,
        2,
        0,
    )

    with clock.frozen_at(clock.now() + datetime.timedelta(days=3)):
        assert deliver_due() == 2
    page = client.get(f"/en/staff/messages/{message.pk}/")
    assert page.context["summary"] == "5 of 5 e-mails sent."
    assert [(key, count) for key, _label, count in page.context["outcomes"]] == [("sent", 5)]


@pytest.mark.django_db(transaction=True)
def test_the_page_counts_each_outcome_while_sending_and_after(client, coordinator_a, bin_a):
    for _ in range(7):
        factories.MembershipFactory(network=bin_a)
    factories.MembershipFactory(
        network=bin_a, status=MembershipStatus.PAUSED, paused_until=datetime.date(2027, 3, 3)
    )
    factories.MembershipFactory(network=bin_a, user=factories.UserFactory(email=None))
    factories.MembershipFactory(network=bin_a, status=MembershipStatus.SUSPENDED)
    factories.MembershipFactory(
        network=bin_a,
        user=factories.UserFactory(
            email_undeliverable_at=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
        ),
    )
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    now = datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.UTC)
    with clock.frozen_at(now):
        queue_message(message, now=now)
    rows = list(message.deliveries.filter(held_for="").order_by("pk"))
    states = [
        DeliveryState.SENT,
        DeliveryState.SENT,
        DeliveryState.FAILED,
        DeliveryState.BOUNCED,
        DeliveryState.DEFERRED,
        DeliveryState.SENDING,
    ]
    for row, state in zip(rows, states, strict=False):
        row.state = state
        row.save(update_fields=["state"])
    Delivery.objects.filter(pk=rows[-1].pk).update(
        held_for="quiet_hours", next_attempt_at=now + datetime.timedelta(hours=8)
    )
    finish_messages([message.pk], now)
    staff(client, coordinator_a)

    page = client.get(f"/en/staff/messages/{message.pk}/")
    assert page.context["in_flight"] is True
    assert [(key, count) for key, _label, count in page.context["outcomes"]] == [
        ("sent", 2),
        ("queued", 0),
        ("sending", 1),
        ("waiting_quiet_hours", 1),
        ("waiting_pause", 1),
        ("deferred", 1),
        ("failed", 1),
        ("bounced", 1),
    ]
    for label, key, count in [
        ("Delivered", "sent", 2),
        ("Waiting for quiet hours to end", "waiting_quiet_hours", 1),
        ("Waiting for the end of a pause", "waiting_pause", 1),
        ("Waiting to try again after a temporary failure", "deferred", 1),
        ("Failed", "failed", 1),
        ("Bounced", "bounced", 1),
    ]:
        assert f'<dt>{label}</dt><dd data-count="{key}">{count}</dd>' in page.text
    assert "<dt>Recipients by letter</dt><dd>1</dd>" in page.text
    for reason in ("suspended", "e-mail address undeliverable"):
        assert f"<dt>Not reached: {reason}</dt><dd>1</dd>" in page.text
    assert page.context["summary"] == (
        "2 of 8 e-mails sent. 2 e-mails wait for quiet hours or the end of a pause,"
        " and go out then."
    )
    progress = client.get(f"/en/staff/messages/{message.pk}/progress.json").json()
    assert progress["done"] is False
    assert progress["total"] == 8
    assert progress["counts"] == {key: count for key, _label, count in page.context["outcomes"]}
    assert progress["skipped"] == {"suspended": 1, "undeliverable": 1}

    # The retry and the row being sent end; what waits for quiet hours and a pause remains.
    Delivery.objects.filter(state__in=[DeliveryState.DEFERRED, DeliveryState.SENDING]).update(
        state=DeliveryState.SENT
    )
    finish_messages([message.pk], now)
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert message.delivery_totals == {
        "sent": 4,
        "failed": 1,
        "bounced": 1,
        "waiting_quiet_hours": 1,
        "waiting_pause": 1,
    }
    page = client.get(f"/en/staff/messages/{message.pk}/")
    assert [(key, count) for key, _label, count in page.context["outcomes"]] == [
        ("sent", 4),
        ("waiting_quiet_hours", 1),
        ("waiting_pause", 1),
        ("failed", 1),
        ("bounced", 1),
    ]


@pytest.mark.django_db(transaction=True)
def test_an_officer_approves_or_rejects_on_the_page(
    client, coordinator_a, officer_a, bin_a, members
):
    save_plan(
        bin_a,
        officer_a,
        police_direct_to_members=False,
        coordinator_needs_approval=True,
        allowed_kinds={"coordinator": ["prevention"], "police": ["prevention"]},
    )
    first, second = (
        compose.create_draft(
            coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
        )
        for _ in range(2)
    )
    for message in (first, second):
        compose.submit_message(message, coordinator_a)
    staff(client, officer_a)
    page = client.get(f"/nl/staff/messages/{first.pk}/")
    assert page.context["overview"].may_approve is True
    assert client.post(f"/nl/staff/messages/{first.pk}/approve/").status_code == 302

    no_reason = client.post(f"/nl/staff/messages/{second.pk}/reject/", {"reject-reason": ""})
    assert no_reason.status_code == 200
    assert no_reason.context["reject_form"].errors["reason"]
    client.post(f"/nl/staff/messages/{second.pk}/reject/", {"reject-reason": "Te vaag."})

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (MessageState.QUEUED, MessageState.REJECTED)
    assert second.events.last().note == "Te vaag."


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_forwards_a_police_message_with_a_note(
    client, coordinator_a, officer_a, bin_a, members
):
    message = compose.create_draft(
        officer_a, kind=MessageKind.FEEDBACK, networks=[bin_a], variants=TEXT
    )
    [waiting] = compose.submit_message(message, officer_a)
    staff(client, coordinator_a)
    listing = client.get("/nl/staff/messages/")
    assert [m.pk for m in listing.context["waiting"]] == [waiting.pk]
    response = client.post(
        f"/nl/staff/messages/{waiting.pk}/forward/", {"note": "Beste buren, lees dit even."}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.state == MessageState.QUEUED
    assert waiting.variants.get().body_text.startswith("Beste buren, lees dit even.")


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_declines_a_police_message(client, coordinator_a, officer_a, bin_a):
    message = compose.create_draft(
        officer_a, kind=MessageKind.FEEDBACK, networks=[bin_a], variants=TEXT
    )
    [waiting] = compose.submit_message(message, officer_a)
    staff(client, coordinator_a).post(
        f"/nl/staff/messages/{waiting.pk}/decline/", {"decline-reason": "Al bekend in de wijk."}
    )
    waiting.refresh_from_db()
    assert waiting.state == MessageState.DECLINED
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_the_author_edits_the_draft(client, coordinator_a, bin_a):
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    staff(client, coordinator_a)
    page = client.get(f"/nl/staff/messages/{message.pk}/edit/")
    assert page.context["form"].initial["subject_nl"] == "Inbraken in de wijk"
    response = client.post(
        f"/nl/staff/messages/{message.pk}/edit/",
        {"subject_nl": "Inbraken in Centrum", "body_nl": "Doe de deur op slot."},
    )
    assert response.status_code == 302
    assert message.variants.get().subject == "Inbraken in Centrum"
    assert actions() == ["messaging.draft", "messaging.edit"]


@pytest.mark.django_db
def test_someone_else_cannot_edit_the_draft(client, coordinator_a, officer_a, bin_a):
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    assert staff(client, officer_a).get(f"/nl/staff/messages/{message.pk}/edit/").status_code == (
        403
    )


@pytest.mark.django_db
def test_the_author_cancels(client, coordinator_a, bin_a):
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    staff(client, coordinator_a).post(f"/nl/staff/messages/{message.pk}/cancel/")
    message.refresh_from_db()
    assert message.state == MessageState.CANCELLED
    again = client.post(f"/nl/staff/messages/{message.pk}/cancel/")
    assert again.context["action_errors"] == [nl("This message can no longer be cancelled.")]


@pytest.mark.django_db
def test_a_test_e_mail_goes_to_the_person_only(client, coordinator_a, bin_a, members):
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    response = staff(client, coordinator_a).post(f"/nl/staff/messages/{message.pk}/test/")
    assert response.status_code == 302
    [sent] = mail.outbox
    assert sent.to == [coordinator_a.email]
    parsed = sent.message()
    assert parsed["Subject"] == "Inbraken in de wijk"
    assert "Sluit uw ramen en deuren." in parsed.get_body(("plain",)).get_content()
    assert not Delivery.objects.exists()
    assert actions()[-1] == "messaging.test_send"


@pytest.mark.django_db
def test_the_composer_offers_only_the_classes_the_plan_allows(
    client, coordinator_a, officer_a, bin_a
):
    save_plan(
        bin_a,
        officer_a,
        police_direct_to_members=False,
        coordinator_needs_approval=False,
        allowed_kinds={"coordinator": ["prevention", "invitation"], "police": ["feedback"]},
    )
    page = staff(client, coordinator_a).get("/nl/staff/messages/new/")
    assert [value for value, _label in page.context["form"].fields["kind"].choices] == [
        "prevention",
        "invitation",
    ]
    assert 'value="feedback"' not in page.text
    officer_page = staff(client, officer_a).get("/nl/staff/messages/new/")
    assert [value for value, _label in officer_page.context["form"].fields["kind"].choices] == [
        "feedback"
    ]


@pytest.mark.django_db(transaction=True)
def test_sending_first_says_whom_each_part_reaches_then_shows_every_part(
    client, officer_a, coordinator_a, coordinator_b, bin_a, bin_b, members
):
    factories.RoleFactory(role=Role.OFFICER, network=bin_b, user=officer_a)
    factories.MembershipFactory(network=bin_b)
    factories.MembershipFactory(network=bin_b, user=factories.UserFactory(email=None))
    factories.MembershipFactory(network=bin_b, status=MembershipStatus.PAUSED)
    message = compose.create_draft(
        officer_a, kind=MessageKind.PREVENTION, networks=[bin_a, bin_b], variants=TEXT
    )
    staff(client, officer_a)

    asked = client.post(f"/en/staff/messages/{message.pk}/submit/")
    assert asked.status_code == 200
    assert asked.templates[0].name == "messaging/staff/confirm.html"
    message.refresh_from_db()
    assert message.state == MessageState.DRAFT
    text = " ".join(asked.text.split())
    assert (
        "This message goes out as 2 separate messages, as the communication plans of its BINs ask."
    ) in text
    assert (
        "Message 1 of 2: BIN Centrum</h2> <p>It goes to the coordinators of BIN Centrum, who"
        " forward it to the members or decline it.</p>"
    ) in text
    assert "Message 2 of 2: BIN Elsdonk</h2>" in text
    assert ('<tr><th scope="row">BIN Centrum</th><td>3</td><td>0</td><td>—</td></tr>') in text
    assert (
        '<tr><th scope="row">BIN Elsdonk</th><td>1</td><td>1</td>'
        "<td>paused until they resume: 1</td></tr>"
    ) in text
    assert 'name="confirmed" value="1"' in text

    sent = client.post(f"/en/staff/messages/{message.pk}/submit/", {"confirmed": "1"})
    first, second = compose.parts_of(message)
    assert first == message
    assert sent.status_code == 302
    assert sent["Location"] == f"/en/staff/messages/{first.pk}/"
    page = client.get(sent["Location"])
    assert [str(m) for m in page.context["messages"]] == [
        "The message goes out as 2 separate messages; each is listed below."
    ]
    parts = page.context["parts"]
    assert [(part.message, part.names) for part in parts] == [
        (first, "BIN Centrum"),
        (second, "BIN Elsdonk"),
    ]
    page_text = " ".join(page.text.split())
    for part in (first, second):
        assert f'href="/en/staff/messages/{part.pk}/"' in page_text
    assert page_text.count("Awaiting forwarding by a coordinator") >= 2

    # Each BIN's coordinator forwards their own part; the officer sees both outcomes.
    compose.forward_message(first, coordinator_a)
    deliver_due()
    page = client.get(f"/en/staff/messages/{second.pk}/")
    outcomes = {part.message.pk: (part.state, part.summary) for part in page.context["parts"]}
    assert outcomes == {
        first.pk: ("Sent", "3 of 3 e-mails sent."),
        second.pk: ("Awaiting forwarding by a coordinator", ""),
    }
    # A coordinator sees only the part of their own BIN, without the others.
    staff(client, coordinator_b)
    theirs = client.get(f"/en/staff/messages/{second.pk}/")
    assert theirs.context["parts"] == []
    assert f'href="/en/staff/messages/{first.pk}/"' not in theirs.text


@pytest.mark.django_db(transaction=True)
def test_the_forwarding_note_appears_once_in_the_preview(
    client, coordinator_a, officer_a, bin_a, members
):
    message = compose.create_draft(
        officer_a, kind=MessageKind.FEEDBACK, networks=[bin_a], variants=TEXT
    )
    [waiting] = compose.submit_message(message, officer_a)
    compose.forward_message(waiting, coordinator_a, note="Beste buren, lees dit even.")
    page = staff(client, coordinator_a).get(f"/nl/staff/messages/{waiting.pk}/")
    preview = page.text.split('id="preview-heading"')[1].split("</section>")[0]
    assert preview.count("Beste buren, lees dit even.") == 1
    assert preview.count("Sluit uw <strong>ramen</strong> en deuren.") == 1


# --- Letters ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_letters_for_members_without_e_mail(client, coordinator_a, bin_a, members):
    street = factories.StreetFactory(municipality=bin_a.municipality, name_nl="Kerkstraat")
    for first_name in ("Mariette", "Jozef"):
        user = factories.UserFactory(email=None, first_name=first_name, last_name="Claes")
        factories.MembershipFactory(network=bin_a, user=user, street=street, house_number=12)
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    compose.submit_message(message, coordinator_a)
    staff(client, coordinator_a)
    page = client.get(f"/nl/staff/messages/{message.pk}/")
    assert page.context["overview"].letters == 2
    reauthenticated(client, coordinator_a)
    response = client.get(f"/nl/staff/messages/{message.pk}/letters.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    text = [" ".join(page.extract_text().split()) for page in reader.pages]
    # Sorted by address, then by record: both live at Kerkstraat 12.
    assert "Mariette Claes" in text[0] and "Jozef Claes" in text[1]
    for page_text in text:
        assert "Kerkstraat 12" in page_text
        assert "Inbraken in de wijk" in page_text
        assert "112 BE" in page_text
    entry = AuditEntry.objects.get(action="messaging.letters")
    assert len(entry.subjects) == 2


# --- The log and the dashboard ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 3])
def test_the_log_takes_the_same_queries_for_one_and_three_messages(
    client, coordinator_a, bin_a, django_assert_num_queries, count
):
    for _ in range(count):
        compose.create_draft(
            coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
        )
    staff(client, coordinator_a)
    client.get("/nl/staff/messages/")
    # Session, user, roles, the site's zone, the BINs (with their municipality's zone, for the
    # plans' editors), the page (its rows and their number in one query), what waits, and the
    # subjects and BIN names of both lists at once. The session remembers the second factor.
    # Drafts have no deliveries to count.
    with django_assert_num_queries(9):
        response = client.get("/nl/staff/messages/")
    assert len(response.context["rows"]) == count
    assert response.context["rows"][0].subject == "Inbraken in de wijk"


@pytest.mark.django_db
def test_the_log_counts_only_the_deliveries_of_messages_still_being_sent(
    client, coordinator_a, bin_a, members
):
    def queued():
        message = compose.create_draft(
            coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
        )
        queue_message(message, now=clock.now())
        return message

    done, busy = queued(), queued()
    first, second, third = done.deliveries.order_by("pk")
    done.deliveries.filter(pk__in=[first.pk, second.pk]).update(state=DeliveryState.SENT)
    done.deliveries.filter(pk=third.pk).update(state=DeliveryState.FAILED)
    busy.deliveries.filter(pk=busy.deliveries.first().pk).update(state=DeliveryState.SENT)
    finish_messages([done.pk, busy.pk], clock.now())
    done.refresh_from_db()
    assert (done.state, done.delivery_totals) == (MessageState.SENT, {"sent": 2, "failed": 1})
    staff(client, coordinator_a).get("/nl/staff/messages/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/nl/staff/messages/")

    rows = {message.pk: message for message in response.context["rows"]}
    assert (rows[done.pk].sent_count, rows[done.pk].undelivered) == (2, 1)
    assert (rows[busy.pk].sent_count, rows[busy.pk].undelivered) == (1, 0)
    counted = [q["sql"] for q in queries.captured_queries if '"messaging_delivery"' in q["sql"]]
    assert len(counted) == 1
    assert f"IN ({busy.pk})" in counted[0]
    # The sent message's page reads the stored totals too.
    page = client.get(f"/nl/staff/messages/{done.pk}/")
    assert page.context["total"] == 3
    # A sent message lists what became of its e-mails, without the outcomes that did not occur.
    assert [(key, count) for key, _label, count in page.context["outcomes"]] == [
        ("sent", 2),
        ("failed", 1),
    ]


@pytest.mark.django_db
def test_the_log_filters_by_bin(client, zone_admin, bin_a, bin_b):
    for network in (bin_a, bin_b):
        compose.create_draft(
            zone_admin, kind=MessageKind.PREVENTION, networks=[network], variants=TEXT
        )
    response = staff(client, zone_admin).get("/nl/staff/messages/", {"bin": "elsdonk"})
    assert [list(m.targets.all()) for m in response.context["rows"]] == [[bin_b]]


@pytest.mark.django_db
def test_the_dashboard_counts_what_waits(client, coordinator_a, officer_a, bin_a):
    message = compose.create_draft(
        officer_a, kind=MessageKind.FEEDBACK, networks=[bin_a], variants=TEXT
    )
    compose.submit_message(message, officer_a)
    compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    response = staff(client, coordinator_a).get("/nl/staff/")
    panel = next(p for p in response.context["panels"] if p.template.startswith("messaging"))
    assert (panel.context["to_forward"], panel.context["drafts"]) == (1, 1)


# --- The communication plan ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_plan_page_shows_the_defaults_and_writes_a_new_version(client, officer_a, bin_a):
    staff(client, officer_a)
    page = client.get("/nl/staff/messages/plan/centrum/")
    assert page.context["plan"].version == 0
    default = (
        "Police messages go to the coordinators, who forward them to the members or decline them."
    )
    assert escape(nl(default)) in page.text
    response = client.post(
        "/nl/staff/messages/plan/centrum/",
        {
            "coordinator_needs_approval": "on",
            "police_kinds": ["feedback", "prevention"],
            "coordinator_kinds": ["prevention"],
        },
    )
    assert response.status_code == 302
    plan = CommunicationPlan.objects.get(network=bin_a)
    assert (plan.version, plan.coordinator_needs_approval, plan.police_direct_to_members) == (
        1,
        True,
        False,
    )
    assert plan.allowed_kinds == {
        "police": ["feedback", "prevention"],
        "coordinator": ["prevention"],
    }


@pytest.mark.django_db
def test_a_municipality_contact_reads_the_plan_but_cannot_change_it(
    client, municipality_contact, bin_a
):
    staff(client, municipality_contact)
    page = client.get("/nl/staff/messages/plan/centrum/")
    assert page.status_code == 200
    assert page.context["editable"] is False
    assert client.post("/nl/staff/messages/plan/centrum/", {}).status_code == 403
    assert not CommunicationPlan.objects.exists()


@pytest.mark.django_db
def test_a_scheduled_message_waits(client, coordinator_a, bin_a, members):
    later = clock.now() + datetime.timedelta(days=2)
    data = compose_data([bin_a], scheduled_for=later.strftime("%Y-%m-%dT%H:%M"))
    staff(client, coordinator_a).post("/nl/staff/messages/new/", data)
    message = Message.objects.get()
    assert message.scheduled_for is not None
    client.post(f"/nl/staff/messages/{message.pk}/submit/", CONFIRMED)
    message.refresh_from_db()
    assert message.state == MessageState.SCHEDULED


@pytest.mark.django_db
def test_a_message_to_several_of_the_persons_bins_is_one_row_of_the_log(
    client, zone_admin, bin_a, bin_b
):
    message = compose.create_draft(
        zone_admin, kind=MessageKind.PREVENTION, networks=[bin_a, bin_b], variants=TEXT
    )
    response = staff(client, zone_admin).get("/nl/staff/messages/")
    assert [row.pk for row in response.context["rows"]] == [message.pk]
    assert response.context["page"].paginator.count == 1
    only_b = client.get(f"/nl/staff/messages/?bin={bin_b.slug}")
    assert [row.pk for row in only_b.context["rows"]] == [message.pk]


@pytest.mark.django_db
def test_the_log_names_a_messages_bins_in_the_order_of_every_bin_list(client, zone, zone_admin):
    # Network's order: the municipality first, then the BIN's name.
    later = factories.MunicipalityFactory(zone=zone, name_nl="Zwijndrecht")
    earlier = factories.MunicipalityFactory(zone=zone, name_nl="Aartselaar")
    networks = [
        factories.NetworkFactory(municipality=later, name="BIN Aa"),
        factories.NetworkFactory(municipality=earlier, name="BIN Zz"),
        factories.NetworkFactory(municipality=earlier, name="BIN Mm"),
    ]
    compose.create_draft(zone_admin, kind=MessageKind.PREVENTION, networks=networks, variants=TEXT)
    response = staff(client, zone_admin).get("/nl/staff/messages/")
    [row] = response.context["rows"]
    assert row.target_names == ["BIN Mm", "BIN Zz", "BIN Aa"]
    assert row.target_names == [
        network.name for network in Network.objects.filter(pk__in=[n.pk for n in networks])
    ]


@pytest.mark.django_db
def test_the_log_pages_and_filters_by_state(client, monkeypatch, coordinator_a, bin_a):
    monkeypatch.setattr(messaging_staff_views, "PAGE_SIZE", 2)
    drafts = [
        compose.create_draft(
            coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
        )
        for _ in range(5)
    ]
    compose.cancel_message(drafts[0], coordinator_a)
    staff(client, coordinator_a)

    def shown(query):
        response = client.get(f"/nl/staff/messages/?{query}")
        page = response.context["page"]
        return page.number, page.paginator.count, [row.pk for row in response.context["rows"]]

    newest_first = [draft.pk for draft in reversed(drafts)]
    assert shown("") == (1, 5, newest_first[:2])
    assert shown("page=3") == (3, 5, newest_first[4:])
    # Past the end: the last page, as the page links of any list do.
    assert shown("page=9") == (3, 5, newest_first[4:])
    assert shown("page=abc") == (1, 5, newest_first[:2])
    assert shown("state=draft&page=2") == (2, 4, newest_first[2:4])
    assert shown("state=cancelled") == (1, 1, [drafts[0].pk])
    # A state that does not exist filters nothing; a state without messages shows none.
    assert shown("state=nonsense") == (1, 5, newest_first[:2])
    assert shown("state=sent&page=4") == (1, 0, [])


def test_whoever_may_approve_or_forward_a_bins_messages_sees_its_log():
    # The log decides from the BINs it lists who may approve or forward there.
    for capability in (Capability.APPROVE_MESSAGES, Capability.FORWARD_POLICE_MESSAGES):
        for kind, reach in MATRIX[capability].items():
            assert MATRIX[Capability.VIEW_FIGURES][kind] == reach, (capability, kind)
