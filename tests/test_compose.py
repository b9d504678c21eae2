import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import translation

from nabuur.audit.models import AuditEntry
from nabuur.messaging import compose
from nabuur.messaging.models import Delivery, MessageKind, MessageState
from nabuur.messaging.plans import save_plan

from . import factories

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
TEXT = {"nl": ("Inbraken in de wijk", "Sluit je **ramen** en deuren.")}


def trail(message):
    return list(message.events.values_list("state", flat=True))


@pytest.fixture
def members(bin_a):
    return [factories.MembershipFactory(network=bin_a).user for _ in range(2)]


@pytest.mark.django_db(transaction=True)
def test_a_coordinators_message_goes_straight_to_members(coordinator_a, bin_a, members):
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    assert compose.message_overview(message, coordinator_a).reach.emails == 2
    [result] = compose.submit_message(message, coordinator_a, now=NOW)
    result.refresh_from_db()
    assert result.state == MessageState.QUEUED
    assert trail(result) == [MessageState.DRAFT, MessageState.QUEUED]
    assert Delivery.objects.filter(message=result).count() == 2
    assert result.variants.get().body_html == "<p>Sluit je <strong>ramen</strong> en deuren.</p>"


@pytest.mark.django_db(transaction=True)
def test_approval_when_the_plan_asks_for_it(coordinator_a, officer_a, bin_a, members):
    save_plan(
        bin_a,
        officer_a,
        police_direct_to_members=False,
        coordinator_needs_approval=True,
        allowed_kinds={"coordinator": ["prevention"], "police": ["prevention"]},
    )
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    compose.submit_message(message, coordinator_a, now=NOW)
    message.refresh_from_db()
    assert message.state == MessageState.AWAITING_APPROVAL
    assert [m.to for m in mail.outbox] == [[officer_a.email]]
    with pytest.raises(PermissionDenied):
        compose.approve_message(message, coordinator_a, now=NOW)
    compose.reject_message(message, officer_a, reason="Te vaag.")
    message.refresh_from_db()
    assert message.state == MessageState.REJECTED
    assert message.events.last().note == "Te vaag."
    compose.submit_message(message, coordinator_a, now=NOW)
    compose.approve_message(message, officer_a, now=NOW)
    message.refresh_from_db()
    assert trail(message) == [
        MessageState.DRAFT,
        MessageState.AWAITING_APPROVAL,
        MessageState.REJECTED,
        MessageState.AWAITING_APPROVAL,
        MessageState.APPROVED,
        MessageState.QUEUED,
    ]
    assert message.state == MessageState.QUEUED
    # Each entry names the capacity its person acted in.
    entries = AuditEntry.objects.filter(action__startswith="messaging.").order_by("seq")
    assert list(entries.values_list("action", "actor_role")) == [
        ("messaging.plan_saved", "officer"),
        ("messaging.draft", "coordinator"),
        ("messaging.submit", "coordinator"),
        ("messaging.reject", "officer"),
        ("messaging.submit", "coordinator"),
        ("messaging.approve", "officer"),
        ("messaging.queue", "officer"),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_police_message_waits_for_each_bins_coordinator(
    officer_a, coordinator_a, coordinator_b, bin_a, bin_b, members
):
    factories.RoleFactory(role="officer", network=bin_b, user=officer_a)
    message = compose.create_draft(
        officer_a, kind=MessageKind.FEEDBACK, networks=[bin_a, bin_b], variants=TEXT
    )
    first, second = compose.submit_message(message, officer_a, now=NOW)
    assert [list(m.targets.all()) for m in (first, second)] == [[bin_a], [bin_b]]
    assert {m.state for m in (first, second)} == {MessageState.AWAITING_FORWARD}
    with pytest.raises(PermissionDenied):
        compose.forward_message(first, coordinator_b, now=NOW)
    compose.forward_message(first, coordinator_a, note="Lees dit even.", now=NOW)
    compose.decline_message(second, coordinator_b, reason="Al gemeld.")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (MessageState.QUEUED, MessageState.DECLINED)
    assert first.variants.get().body_text.startswith("Lees dit even.\n\n")
    assert Delivery.objects.filter(message=first).count() == 2


@pytest.mark.django_db(transaction=True)
def test_police_straight_to_members_with_a_copy_to_coordinators(
    officer_a, coordinator_a, bin_a, members
):
    save_plan(
        bin_a,
        officer_a,
        police_direct_to_members=True,
        coordinator_needs_approval=False,
        allowed_kinds={"police": ["feedback"], "coordinator": []},
    )
    message = compose.create_draft(
        officer_a, kind=MessageKind.FEEDBACK, networks=[bin_a], variants=TEXT
    )
    [result] = compose.submit_message(message, officer_a, now=NOW)
    result.refresh_from_db()
    assert result.state == MessageState.QUEUED
    assert [m.to for m in mail.outbox] == [[coordinator_a.email]]


@pytest.mark.django_db
def test_guardrails_block_coordinators_and_police_may_override(coordinator_a, officer_a, bin_a):
    text = {"nl": ("Inbraak", "Een wagen met nummerplaat 1-ABC-123 reed rond.")}
    draft = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=text
    )
    with pytest.raises(compose.Blocked):
        compose.submit_message(draft, coordinator_a, justification="Moet.", now=NOW)
    police = compose.create_draft(
        officer_a, kind=MessageKind.MISSING_PERSON, networks=[bin_a], variants=text
    )
    with pytest.raises(compose.Blocked):
        compose.submit_message(police, officer_a, now=NOW)
    compose.submit_message(police, officer_a, justification="Gestolen wagen, parket akkoord.")
    police.refresh_from_db()
    assert police.override_justification == "Gestolen wagen, parket akkoord."
    assert AuditEntry.objects.get(action="messaging.guardrail_override").details == {
        "kinds": ["plate"]
    }


@pytest.mark.django_db
def test_missing_languages_block_sending(coordinator_a, bin_a, municipality):
    municipality.language_regime = "nl-first"
    municipality.save()
    draft = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
    )
    assert compose.message_overview(draft, coordinator_a).missing == ["fr"]
    with pytest.raises(compose.Blocked):
        compose.submit_message(draft, coordinator_a, now=NOW)


@pytest.mark.django_db
def test_the_plan_and_scope_limit_who_sends_what(coordinator_a, coordinator_b, bin_a):
    with pytest.raises(compose.Blocked):
        compose.create_draft(
            coordinator_a, kind=MessageKind.MISSING_PERSON, networks=[bin_a], variants=TEXT
        )
    with pytest.raises(PermissionDenied):
        compose.create_draft(
            coordinator_b, kind=MessageKind.PREVENTION, networks=[bin_a], variants=TEXT
        )


@pytest.mark.django_db
def test_scheduled_messages_are_queued_when_due_and_can_be_cancelled(coordinator_a, bin_a, members):
    later = NOW + datetime.timedelta(hours=2)
    kept = compose.create_draft(
        coordinator_a,
        kind=MessageKind.NEWSLETTER,
        networks=[bin_a],
        variants=TEXT,
        scheduled_for=later,
    )
    dropped = compose.create_draft(
        coordinator_a,
        kind=MessageKind.NEWSLETTER,
        networks=[bin_a],
        variants=TEXT,
        scheduled_for=later,
    )
    compose.submit_message(kept, coordinator_a, now=NOW)
    compose.submit_message(dropped, coordinator_a, now=NOW)
    compose.cancel_message(dropped, coordinator_a)
    assert compose.queue_due(NOW) == 0
    assert compose.queue_due(later) == 1
    kept.refresh_from_db()
    dropped.refresh_from_db()
    assert (kept.state, dropped.state) == (MessageState.QUEUED, MessageState.CANCELLED)
    with pytest.raises(compose.Blocked):
        compose.cancel_message(kept, coordinator_a)


PLATE_TEXT = {"nl": ("Opsporing", "Wie zag de wagen 1-ABC-123 op 3 mei in de Kerkstraat?")}


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_forwards_with_a_note_after_a_police_override(
    officer_a, coordinator_a, bin_a, members
):
    police = compose.create_draft(
        officer_a, kind=MessageKind.FEEDBACK, networks=[bin_a], variants=PLATE_TEXT
    )
    [waiting] = compose.submit_message(
        police, officer_a, justification="Opsporing met akkoord van het parket.", now=NOW
    )
    assert waiting.state == MessageState.AWAITING_FORWARD
    # The note is checked, not the police's text the officer justified.
    with translation.override("en"), pytest.raises(compose.Blocked) as refused:
        compose.forward_message(waiting, coordinator_a, note="Bel mij op 0470 12 34 56.", now=NOW)
    assert refused.value.messages == [
        "Your note contains details that may not be sent: telephone number “0470 12 34 56”."
        " Rewrite it."
    ]
    waiting.refresh_from_db()
    assert (waiting.state, waiting.forward_note) == (MessageState.AWAITING_FORWARD, "")
    compose.forward_message(waiting, coordinator_a, note="Beste buren, kijk even mee.", now=NOW)
    waiting.refresh_from_db()
    assert waiting.state == MessageState.QUEUED
    assert waiting.forward_note == "Beste buren, kijk even mee."
    assert waiting.variants.get().body_text == (
        "Beste buren, kijk even mee.\n\n---\n\n"
        "Wie zag de wagen 1-ABC-123 op 3 mei in de Kerkstraat?\n"
    )
    assert Delivery.objects.filter(message=waiting).count() == 2


@pytest.mark.django_db
def test_the_parts_say_how_a_police_message_to_two_bins_is_split(officer_a, bin_a, bin_b, members):
    factories.RoleFactory(role="officer", network=bin_b, user=officer_a)
    factories.MembershipFactory(network=bin_b)
    factories.MembershipFactory(network=bin_b, user=factories.UserFactory(email=None))
    factories.MembershipFactory(network=bin_b, status="paused")
    # Police messages go straight to A's members; B's coordinators forward their own copy.
    save_plan(
        bin_a,
        officer_a,
        police_direct_to_members=True,
        coordinator_needs_approval=False,
        allowed_kinds={"police": ["prevention"], "coordinator": ["prevention"]},
    )
    message = compose.create_draft(
        officer_a, kind=MessageKind.PREVENTION, networks=[bin_a, bin_b], variants=TEXT
    )
    direct, forwarded = compose.sending_parts(message, officer_a)
    assert (direct.route, direct.networks) == (compose.Route.MEMBERS, [bin_a])
    assert (forwarded.route, forwarded.networks) == (compose.Route.FORWARDING, [bin_b])
    assert [(n, r.emails, r.letters, r.skipped) for n, r in direct.reach] == [(bin_a, 2, 0, {})]
    assert [(n, r.emails, r.letters, r.skipped) for n, r in forwarded.reach] == [
        (bin_b, 1, 1, {"paused": 1})
    ]
    # Nothing was sent while asking.
    message.refresh_from_db()
    assert message.state == MessageState.DRAFT
    sent = compose.submit_message(message, officer_a, now=NOW)
    assert [(m.state, list(m.targets.all())) for m in sent] == [
        (MessageState.QUEUED, [bin_a]),
        (MessageState.AWAITING_FORWARD, [bin_b]),
    ]
    assert compose.parts_of(sent[1]) == sent
    assert compose.parts_of(sent[0]) == sent


@pytest.mark.django_db
def test_a_coordinators_message_to_two_bins_is_one_part_counting_each_person_once(
    coordinator_a, bin_a, bin_b
):
    factories.RoleFactory(role="coordinator", network=bin_b, user=coordinator_a)
    both = factories.MembershipFactory(network=bin_a).user
    factories.MembershipFactory(network=bin_b, user=both)
    factories.MembershipFactory(network=bin_b)
    message = compose.create_draft(
        coordinator_a, kind=MessageKind.PREVENTION, networks=[bin_a, bin_b], variants=TEXT
    )
    [part] = compose.sending_parts(message, coordinator_a)
    assert (part.route, part.networks) == (compose.Route.MEMBERS, [bin_a, bin_b])
    assert [(n, r.emails) for n, r in part.reach] == [(bin_a, 1), (bin_b, 2)]
    # The person in both BINs gets one e-mail.
    assert part.total.emails == 2
    assert compose.parts_of(message) == [message]


@pytest.mark.django_db
def test_the_authors_signature_and_the_partners_names_are_no_finding(
    officer_a, coordinator_a, bin_a
):
    officer_a.first_name, officer_a.last_name = "Jan", "Peeters"
    officer_a.save()
    coordinator_a.first_name, coordinator_a.last_name = "Marie", "Claes"
    coordinator_a.save()
    signed = {
        "nl": (
            "Inbraken in de wijk",
            "Vragen? Uw coördinator Marie Claes helpt u graag.\n\nInspecteur Jan Peeters",
        )
    }
    message = compose.create_draft(
        officer_a, kind=MessageKind.PREVENTION, networks=[bin_a], variants=signed
    )
    assert compose.findings(message) == {}
    # Another person's name is still one.
    message.variants.update(body_markdown="Verdachte: Tine Van den Broeck.")
    assert [finding.kind for finding in compose.findings(message)["nl"]] == ["name"]
