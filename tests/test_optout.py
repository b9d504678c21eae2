"""Members choose, per BIN, which optional classes of messages they receive (#16 point 6): the
recipient rule applies the choice, the preview counts it, the member's pages set it (audited),
their data export holds it, and the evaluation counts it; the coverage of a BIN is frozen with
the evaluation's figures (#17 point 7)."""

import datetime
from collections import Counter

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import translation

from nabuur.audit.models import AuditEntry
from nabuur.evaluation import figures, services
from nabuur.lib import clock
from nabuur.members.models import MESSAGE_CLASS_FIELDS, MembershipStatus
from nabuur.members.personal_data import export_memberships
from nabuur.messaging import recipients
from nabuur.messaging.emails import render_message
from nabuur.messaging.models import (
    OPTIONAL_KINDS,
    Delivery,
    Message,
    MessageKind,
    SkippedRecipient,
    SkipReason,
)
from nabuur.messaging.recipients import Reach
from nabuur.messaging.services import queue_message
from nabuur.networks.models import Network

from . import factories
from .i18n import nl
from .test_delivery import add_variant

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2027, 3, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    # A token page activates the link's language in the thread; later tests expect Dutch.
    yield
    translation.activate("nl")


def make_message(*targets, kind=MessageKind.PREVENTION):
    message = Message.objects.create(kind=kind)
    message.targets.set(targets)
    return message


def member(network, *, user=None, **fields):
    return factories.MembershipFactory(
        network=network, user=user or factories.UserFactory(), **fields
    )


# --- The recipient rule -----------------------------------------------------------------------


def test_every_optional_class_has_a_membership_field_and_the_others_none():
    assert set(OPTIONAL_KINDS.values()) == set(MESSAGE_CLASS_FIELDS)
    assert set(MessageKind) - set(OPTIONAL_KINDS) == {
        MessageKind.FEEDBACK,
        MessageKind.MISSING_PERSON,
    }


def test_queueing_skips_who_opted_out_and_reaches_once_who_did_so_in_one_bin_only(bin_a, bin_b):
    everywhere = member(bin_a, receives_information=False).user
    member(bin_b, user=everywhere, receives_information=False)
    only_in_a = member(bin_a, receives_information=False).user
    member(bin_b, user=only_in_a)
    other_class = member(bin_a, receives_newsletter=False).user
    letter_opted_out = member(
        bin_a, user=factories.UserFactory(email=None), receives_information=False
    ).user
    letter = member(bin_a, user=factories.UserFactory(email=None)).user
    message = make_message(bin_a, bin_b, kind=MessageKind.INFORMATION)

    with clock.frozen_at(NOW):
        preview = recipients.preview(message)
        queued = queue_message(message, now=NOW)
        letters = recipients.letter_recipients(message, [bin_a, bin_b])

    skipped = dict(SkippedRecipient.objects.filter(message=message).values_list("user", "reason"))
    assert preview == Reach(
        emails=queued, letters=len(letters), skipped=dict(Counter(skipped.values()))
    )
    assert preview == Reach(emails=2, letters=1, skipped={SkipReason.OPTED_OUT: 2})
    assert skipped == {
        everywhere.pk: SkipReason.OPTED_OUT,
        letter_opted_out.pk: SkipReason.OPTED_OUT,
    }
    # Once, through the BIN where they did not opt out.
    deliveries = Delivery.objects.filter(message=message).values_list("user", "next_attempt_at")
    assert sorted(deliveries) == sorted([(only_in_a.pk, NOW), (other_class.pk, NOW)])
    assert [m.user for m in letters] == [letter]


@pytest.mark.parametrize("kind", [MessageKind.FEEDBACK, MessageKind.MISSING_PERSON])
def test_nobody_can_refuse_feedback_or_a_missing_person_notice(bin_a, kind):
    opted_out_of_everything = member(bin_a, **dict.fromkeys(MESSAGE_CLASS_FIELDS, False)).user
    message = make_message(bin_a, kind=kind)

    assert recipients.preview(message, TODAY) == Reach(emails=1, letters=0, skipped={})
    queue_message(message, now=NOW)
    assert list(Delivery.objects.values_list("user", flat=True)) == [opted_out_of_everything.pk]


def test_the_message_page_says_in_words_how_many_chose_not_to_receive_it(client, bin_a, officer_a):
    member(bin_a)
    member(bin_a, receives_prevention=False)
    member(bin_a, receives_prevention=False)
    message = make_message(bin_a)
    TOTP.activate(officer_a, generate_totp_secret())
    client.force_login(officer_a)

    text = client.get(f"/nl/staff/messages/{message.pk}/").text

    not_reached = nl("Not reached: %(reason)s", reason=nl("chose not to receive this class"))
    assert f"<dt>{not_reached}</dt><dd>2</dd>" in text
    assert f"<dt>{nl('Recipients by e-mail')}</dt><dd>1</dd>" in text


@pytest.mark.parametrize(
    ("kind", "label", "named"),
    [
        (MessageKind.INVITATION, "meeting or activity invitation", True),
        (MessageKind.FEEDBACK, "feedback after an incident", False),
    ],
)
def test_the_footer_names_a_class_the_member_may_refuse(bin_a, kind, label, named):
    message = make_message(bin_a, kind=kind)
    add_variant(message)

    raw = render_message(message, ["nl"], now=NOW).raw.decode()

    footer = nl(
        "Class of this message: %(kind)s. You choose which classes you receive in your "
        "preferences.",
        kind=nl(label),
    )
    # Once in the text part, once in the HTML part.
    assert raw.count(footer) == (2 if named else 0)


# --- The member chooses -----------------------------------------------------------------------

CHECKBOX = "utrecht-checkbox utrecht-checkbox--html-input"


@pytest.fixture
def resident(bin_a):
    return member(bin_a).user


@pytest.fixture
def logged_in(client, resident):
    client.force_login(resident, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_membership_page_shows_every_optional_class_ticked(logged_in, resident):
    membership = resident.memberships.get()

    text = logged_in.get(f"/nl/me/bin/{membership.pk}/").text

    assert '<html lang="nl"' in text
    assert "<legend " in text and nl("Which messages do you want to receive from this BIN?") in text
    for index, name in enumerate(MESSAGE_CLASS_FIELDS):
        assert (
            f'<input type="checkbox" name="classes-receives" value="{name}" '
            f'id="id_classes-receives_{index}" class="{CHECKBOX}" checked>'
        ) in text


def test_a_member_chooses_on_their_membership_page_and_it_is_audited(logged_in, resident):
    membership = resident.memberships.get()
    url = f"/nl/me/bin/{membership.pk}/"

    response = logged_in.post(
        url,
        {"action": "classes", "classes-receives": ["receives_information", "receives_invitation"]},
    )

    assert response.status_code == 302
    assert response.url == url
    membership.refresh_from_db()
    assert {name: getattr(membership, name) for name in MESSAGE_CLASS_FIELDS} == {
        "receives_prevention": False,
        "receives_information": True,
        "receives_newsletter": False,
        "receives_invitation": True,
    }
    entry = AuditEntry.objects.get(action="members.message_classes")
    assert (entry.actor_id, entry.actor_role, entry.subjects, entry.zone_id, entry.details) == (
        resident.pk,
        "member",
        [resident.pk],
        membership.network.municipality.zone_id,
        {"via": "page", "receives_prevention": False, "receives_newsletter": False},
    )
    assert (entry.object_type, entry.object_id) == ("members.membership", str(membership.pk))
    page = logged_in.get(url).text
    assert nl("Your choice of messages is saved.") in page
    assert f'value="receives_prevention" id="id_classes-receives_0" class="{CHECKBOX}">' in page
    # Choosing what already holds changes nothing and writes no entry.
    logged_in.post(
        url,
        {"action": "classes", "classes-receives": ["receives_information", "receives_invitation"]},
    )
    assert AuditEntry.objects.filter(action="members.message_classes").count() == 1


def test_an_unknown_class_is_refused_with_a_message_not_an_error(logged_in, resident):
    membership = resident.memberships.get()

    response = logged_in.post(
        f"/nl/me/bin/{membership.pk}/", {"action": "classes", "classes-receives": ["weather"]}
    )

    assert response.status_code == 200
    assert 'class="error-summary"' in response.text
    membership.refresh_from_db()
    assert all(getattr(membership, name) for name in MESSAGE_CLASS_FIELDS)
    assert not AuditEntry.objects.filter(action="members.message_classes").exists()


def test_a_member_chooses_through_the_link_in_an_email(client, bin_a, bin_b):
    membership = member(bin_a)
    in_b = member(bin_b, user=membership.user)
    delivery = factories.DeliveryFactory(
        message=factories.MessageFactory(targets=[bin_a, bin_b]), user=membership.user
    )
    url = f"/nl/u/{delivery.token}/"
    page = client.get(url).text
    assert f'name="classes{in_b.pk}-receives" value="receives_newsletter"' in page

    response = client.post(
        url,
        {
            "membership": in_b.pk,
            "action": "classes",
            f"classes{in_b.pk}-receives": [
                "receives_prevention",
                "receives_information",
                "receives_invitation",
            ],
        },
    )

    assert response.status_code == 302
    in_b.refresh_from_db()
    membership.refresh_from_db()
    assert (in_b.receives_newsletter, membership.receives_newsletter) == (False, True)
    entry = AuditEntry.objects.get(action="members.message_classes")
    assert entry.details == {"via": "link", "receives_newsletter": False}


def test_the_member_data_export_holds_the_choices(bin_a):
    membership = member(bin_a, receives_newsletter=False)

    (exported,) = export_memberships(membership.user)

    assert {name: exported[name] for name in MESSAGE_CLASS_FIELDS} == {
        "receives_prevention": True,
        "receives_information": True,
        "receives_newsletter": False,
        "receives_invitation": True,
    }


# --- The evaluation ---------------------------------------------------------------------------


def at(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


@pytest.fixture
def evaluation(bin_a):
    Network.objects.filter(pk=bin_a.pk).update(dwellings=8)
    bin_a.refresh_from_db()
    return services.open_evaluation(bin_a, 2025)


def test_the_evaluation_counts_who_opted_out_of_each_class_live_and_frozen(
    bin_a, evaluation, officer_a, coordinator_a
):
    joined = at(2024, 6, 1, 9)
    no_tips = member(bin_a, approved_at=joined, receives_prevention=False)
    nothing = member(bin_a, approved_at=joined, **dict.fromkeys(MESSAGE_CLASS_FIELDS, False))
    member(bin_a, approved_at=joined)
    # Left before the end of the period: not a member at its end, not counted.
    member(
        bin_a,
        approved_at=joined,
        left_at=at(2025, 5, 1, 9),
        status=MembershipStatus.LEFT,
        receives_prevention=False,
    )

    live = figures.compute(evaluation)
    opted_out = {kind: live[f"opted_out_{kind.value}"] for kind in OPTIONAL_KINDS}
    assert opted_out == {
        MessageKind.PREVENTION: {"value": 2, "ids": sorted([no_tips.pk, nothing.pk])},
        MessageKind.INFORMATION: {"value": 1, "ids": [nothing.pk]},
        MessageKind.NEWSLETTER: {"value": 1, "ids": [nothing.pk]},
        MessageKind.INVITATION: {"value": 1, "ids": [nothing.pk]},
    }

    evaluation = services.sign_evaluation(evaluation, officer_a)
    nothing.receives_information = True
    nothing.save(update_fields=["receives_information"])
    evaluation.refresh_from_db()

    frozen = figures.figures_of(evaluation)
    assert frozen["opted_out_information"] == {"value": 1, "ids": [nothing.pk]}
    assert figures.compute(evaluation)["opted_out_information"]["value"] == 0
    assert list(figures.linked_rows(evaluation, "opted_out_prevention")) == sorted(
        [no_tips, nothing], key=lambda m: m.pk
    )


def test_the_coverage_is_frozen_with_the_figures_when_the_evaluation_is_signed(
    client, bin_a, evaluation, officer_a
):
    member(bin_a, approved_at=at(2024, 6, 1, 9))
    member(bin_a, approved_at=at(2024, 6, 1, 9))
    assert figures.rates(figures.compute(evaluation))["coverage"] == 25.0

    evaluation = services.sign_evaluation(evaluation, officer_a)
    # A later address import finds more dwellings, and another member joins.
    Network.objects.filter(pk=bin_a.pk).update(dwellings=20)
    member(bin_a)
    evaluation.refresh_from_db()

    frozen = figures.figures_of(evaluation)
    assert (frozen["dwellings"], frozen["households"]) == (
        {"value": 8, "ids": []},
        {"value": 2, "ids": []},
    )
    assert figures.rates(frozen)["coverage"] == 25.0
    assert figures.rates(figures.compute(evaluation))["coverage"] == 15.0
    TOTP.activate(officer_a, generate_totp_secret())
    client.force_login(officer_a)
    page = client.get("/nl/staff/evaluation/bin/centrum/2025/").text
    coverage = nl(
        "%(percent)s %% (%(households)s of %(dwellings)s dwellings)",
        percent="25,0",
        households=2,
        dwellings=8,
    )
    assert f"<dt>{nl('Coverage')}</dt><dd>{coverage}</dd>" in page


def test_an_evaluation_signed_before_coverage_was_frozen_shows_none(evaluation):
    values = figures.compute(evaluation)
    del values["dwellings"], values["households"]

    assert figures.rates(values)["coverage"] is None
