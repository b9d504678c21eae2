"""Verbs of composing: draft, submit, approve or reject, forward or decline, schedule, cancel;
and the message page's overview of one message for one person.

Every verb checks the person's capacity itself, writes a MessageEvent (the approval trail), an
audit entry and tells the people concerned, in one transaction. The communication plan of the
targets decides the path:
- a coordinator's message goes to members, or first to the officer when the plan asks;
- a police message goes to the coordinators, who forward it (with an optional note) or decline
  it; where the plan says so it goes straight to members, the coordinators getting a copy.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from nabuur.lib import clock
from nabuur.lib.languages import union_languages
from nabuur.staff.auditing import record
from nabuur.staff.models import COORDINATOR_ROLES, OFFICER_ROLES, partners_of
from nabuur.staff.permissions import Capability, Kind, can, capacity

from . import guardrails, recipients
from .delivery import delivery_totals, make_sender
from .emails import render_message
from .markdown import render_html, render_text
from .models import (
    RELEASED_STATES,
    AuthorSide,
    Feedback,
    Message,
    MessageEvent,
    MessageState,
    MessageVariant,
)
from .notifications import notify_state
from .plans import current_plan
from .services import message_id_domain, queue_message

EDITABLE_STATES = {MessageState.DRAFT, MessageState.REJECTED}
CANCELLABLE_STATES = {
    MessageState.DRAFT,
    MessageState.AWAITING_APPROVAL,
    MessageState.APPROVED,
    MessageState.AWAITING_FORWARD,
    MessageState.SCHEDULED,
}


class Blocked(ValidationError):
    """The message cannot go on as it is; `messages` says why, in the author's language."""


# The capacities in which a person writes as the police.
POLICE = {Kind.OFFICER, Kind.ZONE_ADMIN}
# What a person may do with a message, each over every one of its BINs.
ACTIONS = (
    Capability.COMPOSE_MESSAGES,
    Capability.APPROVE_MESSAGES,
    Capability.FORWARD_POLICE_MESSAGES,
)


@dataclass(frozen=True)
class Rights:
    """What one person may do with a message to some BINs, as the permission table says."""

    user_id: int
    # The capabilities of ACTIONS they hold over every one of the BINs.
    everywhere: frozenset
    # The side they write from: the police when they write to every BIN as its officer or a
    # zone administrator, else a coordinator; None when they may not write to one of them.
    side: str | None
    # The BINs whose member list they see (and so the letters they may print).
    letter_networks: list

    def may_cancel(self, message):
        """The author, or anyone who may write to all its BINs, may cancel a message."""
        return message.author_id == self.user_id or Capability.COMPOSE_MESSAGES in self.everywhere


def rights(user, networks):
    """What `user` may do with a message to `networks`, asked of staff.permissions at once."""
    everywhere = frozenset(
        capability
        for capability in ACTIONS
        if networks and all(can(user, capability, network) for network in networks)
    )
    kinds = {capacity(user, network, Capability.COMPOSE_MESSAGES) for network in networks}
    letter_networks = [n for n in networks if can(user, Capability.VIEW_MEMBERS, n)]
    if not kinds or None in kinds:
        side = None
    else:
        side = AuthorSide.POLICE if kinds <= POLICE else AuthorSide.COORDINATOR
    return Rights(user.pk, everywhere, side, letter_networks)


def required_languages(networks):
    """The languages the recipients' municipalities require, official first language first."""
    return union_languages({network.municipality.language_regime for network in networks})


def _missing_languages(message, networks):
    present = {variant.language for variant in message.variants.all()}
    return [lang for lang in required_languages(networks) if lang not in present]


def findings(message):
    """Guardrail findings per language: {language: [Finding, …]} (only languages with some)."""
    zone = message.targets.first().municipality.zone if message.targets.exists() else None
    result = {}
    for variant in message.variants.all():
        text = f"{variant.subject}\n{variant.body_markdown}\n{message.forward_note}"
        found = guardrails.check(text, variant.language, zone=zone)
        if found:
            result[variant.language] = found
    return result


def _event(message, state, actor, note="", *, action, capability, notify=()):
    """Write the trail's step and its audit entry; tell `notify` once it is committed.

    The entry's role is the capacity `actor` holds `capability` in over the first BIN.
    """
    targets = list(message.targets.all())
    MessageEvent.objects.create(
        message=message, state=state, actor=actor, note=note, created_at=clock.now()
    )
    record(
        actor,
        f"messaging.{action}",
        place=targets[0] if targets else None,
        capability=capability,
        target=message,
        details={"state": str(state), "targets": sorted(n.pk for n in targets)},
    )
    for person in notify:
        transaction.on_commit(lambda person=person: notify_state(message, state, person, note))


def _check_compose(user, networks, kind):
    """(the side `user` writes from, {network: its current plan}); refused unless they may
    write to every one of `networks` and each BIN's plan lets that side send `kind`."""
    if not networks:
        raise Blocked(_("Choose at least one BIN."))
    side = rights(user, networks).side
    if side is None:
        raise PermissionDenied
    plans = {network: current_plan(network) for network in networks}
    for network, plan in plans.items():
        if kind not in plan.kinds_for(side):
            raise Blocked(
                _("The communication plan of %(bin)s does not let you send this class.")
                % {"bin": network.name}
            )
    return side, plans


def create_draft(user, *, kind, networks, variants, follows=None, scheduled_for=None):
    """A new draft by `user` to `networks`; `variants` is {language: (subject, markdown)}."""
    networks = list(networks)
    side, _plans = _check_compose(user, networks, kind)
    with transaction.atomic():
        message = Message.objects.create(
            kind=kind,
            author=user,
            author_side=side,
            follows=follows,
            scheduled_for=scheduled_for,
            created_at=clock.now(),
        )
        message.targets.set(networks)
        set_variants(message, user, variants, _audit=False)
        _event(
            message,
            MessageState.DRAFT,
            user,
            action="draft",
            capability=Capability.COMPOSE_MESSAGES,
        )
    return message


def set_variants(message, user, variants, *, _audit=True):
    """Replace the message's language versions while it is a draft."""
    if message.state not in EDITABLE_STATES or message.author_id != user.pk:
        raise PermissionDenied
    allowed = set(required_languages(message.targets.all()))
    message.variants.all().delete()
    for language, (subject, body) in variants.items():
        if language not in allowed or not subject.strip() or not body.strip():
            continue
        MessageVariant.objects.create(
            message=message,
            language=language,
            subject=subject.strip(),
            body_markdown=body,
            body_html=render_html(body),
            body_text=render_text(body),
        )
    if _audit:
        _record_edit(user, message)


def _record_edit(user, message):
    record(
        user,
        "messaging.edit",
        place=message.targets.first(),
        capability=Capability.COMPOSE_MESSAGES,
        target=message,
    )


def _people(networks, roles):
    """The people who act in one of `roles` for one of `networks` today, oldest account first."""
    today = clock.today()
    people = {person for network in networks for person in partners_of(network, roles, today)}
    return sorted(people, key=lambda person: person.pk)


def _release(message, user, now, capability):
    """The message may go to members: schedule it, or queue it at once."""
    if message.scheduled_for and message.scheduled_for > now:
        message.state = MessageState.SCHEDULED
        message.save(update_fields=["state"])
        _event(message, MessageState.SCHEDULED, user, action="schedule", capability=capability)
        return 0
    count = queue_message(message, now=now)
    _event(message, MessageState.QUEUED, user, action="queue", capability=capability)
    return count


def submit_message(message, user, *, justification="", now=None):
    """The author sends the draft on its way; returns the message (or its per-BIN copies).

    Refused while a required language is missing or a guardrail finds something, unless the
    author is police and writes a justification (logged in the audit trail). Where the
    message goes to members at once, `queue_message` freezes its recipients.
    """
    now = now or clock.now()
    capability = Capability.COMPOSE_MESSAGES
    networks = list(message.targets.select_related("municipality__zone"))
    if message.author_id != user.pk or message.state not in EDITABLE_STATES:
        raise PermissionDenied
    side, plans = _check_compose(user, networks, message.kind)
    missing = _missing_languages(message, networks)
    if missing:
        raise Blocked(_("Missing language versions: %(langs)s.") % {"langs": ", ".join(missing)})
    found = findings(message)
    if found and (side != AuthorSide.POLICE or not justification.strip()):
        kinds = sorted({str(f.label) for items in found.values() for f in items})
        raise Blocked(
            _("The text contains: %(kinds)s. Rewrite it before sending.")
            % {"kinds": ", ".join(kinds)}
        )
    with transaction.atomic():
        message.author_side = side
        message.plan_version = plans[networks[0]].version
        message.override_justification = justification.strip() if found else ""
        message.save(update_fields=["author_side", "plan_version", "override_justification"])
        if found:
            record(
                user,
                "messaging.guardrail_override",
                place=networks[0],
                capability=capability,
                target=message,
                details={"kinds": sorted({f.kind for items in found.values() for f in items})},
            )
        if side == AuthorSide.COORDINATOR:
            if any(plan.coordinator_needs_approval for plan in plans.values()):
                _to_state(message, MessageState.AWAITING_APPROVAL)
                _event(
                    message,
                    MessageState.AWAITING_APPROVAL,
                    user,
                    action="submit",
                    capability=capability,
                    notify=_people(networks, OFFICER_ROLES),
                )
                return [message]
            _release(message, user, now, capability)
            return [message]
        direct = [n for n in networks if plans[n].police_direct_to_members]
        via = [n for n in networks if n not in direct]
        messages = []
        if direct:
            message.targets.set(direct)
            _release(message, user, now, capability)
            for person in _people(direct, COORDINATOR_ROLES):
                transaction.on_commit(lambda person=person: _copy_to_coordinator(message, person))
            messages.append(message)
        for index, network in enumerate(via):
            copy = message if (not direct and index == 0) else _copy(message, network)
            copy.targets.set([network])
            _to_state(copy, MessageState.AWAITING_FORWARD)
            _event(
                copy,
                MessageState.AWAITING_FORWARD,
                user,
                action="submit",
                capability=capability,
                notify=_people([network], COORDINATOR_ROLES),
            )
            messages.append(copy)
    return messages


def _copy_to_coordinator(message, person):
    notify_state(message, MessageState.QUEUED, person, "")


def _copy(message, network):
    copy = Message.objects.create(
        kind=message.kind,
        author=message.author,
        author_side=message.author_side,
        plan_version=current_plan(network).version,
        follows=message.follows,
        copied_from=message,
        scheduled_for=message.scheduled_for,
        override_justification=message.override_justification,
        created_at=message.created_at,
    )
    for variant in message.variants.all():
        variant.pk = None
        variant.message = copy
        variant.save()
    return copy


def _to_state(message, state):
    message.state = state
    message.save(update_fields=["state"])


def _decide(message, user, capability, expected):
    networks = list(message.targets.all())
    if message.state != expected:
        raise Blocked(_("This message is no longer waiting for that."))
    if capability not in rights(user, networks).everywhere:
        raise PermissionDenied
    return networks


def approve_message(message, user, *, now=None):
    """The officer approves a coordinator's message; it goes to members (or waits its time)."""
    now = now or clock.now()
    approve = Capability.APPROVE_MESSAGES
    _decide(message, user, approve, MessageState.AWAITING_APPROVAL)
    with transaction.atomic():
        _to_state(message, MessageState.APPROVED)
        _event(
            message,
            MessageState.APPROVED,
            user,
            action="approve",
            capability=approve,
            notify=[message.author],
        )
        _release(message, user, now, approve)
    return message


def reject_message(message, user, *, reason):
    """The officer rejects a coordinator's message, with a reason the author reads."""
    if not reason.strip():
        raise Blocked(_("Say why you reject the message."))
    _decide(message, user, Capability.APPROVE_MESSAGES, MessageState.AWAITING_APPROVAL)
    with transaction.atomic():
        _to_state(message, MessageState.REJECTED)
        _event(
            message,
            MessageState.REJECTED,
            user,
            reason,
            action="reject",
            capability=Capability.APPROVE_MESSAGES,
            notify=[message.author],
        )
    return message


def forward_message(message, user, *, note="", now=None):
    """A coordinator forwards a police message to the BIN's members, with an optional note."""
    now = now or clock.now()
    forward = Capability.FORWARD_POLICE_MESSAGES
    _decide(message, user, forward, MessageState.AWAITING_FORWARD)
    note = note.strip()
    if note:
        message.forward_note = note
        found = findings(message)
        if found:
            raise Blocked(_("Your note contains details that may not be sent; rewrite it."))
    with transaction.atomic():
        if note:
            for variant in message.variants.all():
                body = f"{note}\n\n---\n\n{variant.body_markdown}"
                variant.body_html = render_html(body)
                variant.body_text = render_text(body)
                variant.save(update_fields=["body_html", "body_text"])
        message.state = MessageState.FORWARDED
        message.save(update_fields=["state", "forward_note"])
        _event(
            message,
            MessageState.FORWARDED,
            user,
            note,
            action="forward",
            capability=forward,
            notify=[message.author],
        )
        _release(message, user, now, forward)
    return message


def decline_message(message, user, *, reason=""):
    """A coordinator decides not to forward a police message to the BIN's members."""
    _decide(message, user, Capability.FORWARD_POLICE_MESSAGES, MessageState.AWAITING_FORWARD)
    with transaction.atomic():
        _to_state(message, MessageState.DECLINED)
        _event(
            message,
            MessageState.DECLINED,
            user,
            reason,
            action="decline",
            capability=Capability.FORWARD_POLICE_MESSAGES,
            notify=[message.author],
        )
    return message


def schedule(message, user, when):
    """Set the moment the message goes out once released (None: at once)."""
    if message.author_id != user.pk or message.state not in EDITABLE_STATES:
        raise PermissionDenied
    message.scheduled_for = when
    message.save(update_fields=["scheduled_for"])
    record(
        user,
        "messaging.set_schedule",
        place=message.targets.first(),
        capability=Capability.COMPOSE_MESSAGES,
        target=message,
    )
    return message


def cancel_message(message, user):
    """The author (or anyone who may compose for all its BINs) stops it before it is queued."""
    if not rights(user, list(message.targets.all())).may_cancel(message):
        raise PermissionDenied
    if message.state not in CANCELLABLE_STATES:
        raise Blocked(_("This message can no longer be cancelled."))
    with transaction.atomic():
        _to_state(message, MessageState.CANCELLED)
        _event(
            message,
            MessageState.CANCELLED,
            user,
            action="cancel",
            capability=Capability.COMPOSE_MESSAGES,
        )
    return message


def queue_due(now):
    """Queue the scheduled messages whose time has come; returns how many."""
    count = 0
    due = Message.objects.filter(state=MessageState.SCHEDULED, scheduled_for__lte=now)
    for message in due:
        with transaction.atomic():
            queue_message(message, now=now)
            _event(message, MessageState.QUEUED, None, action="queue", capability=None)
        count += 1
    return count


def update_draft(message, user, *, variants, scheduled_for=None, follows=None):
    """The author rewrites the draft: its language versions, its time and what it follows."""
    with transaction.atomic():
        set_variants(message, user, variants, _audit=False)
        message.scheduled_for = scheduled_for
        message.follows = follows
        message.save(update_fields=["scheduled_for", "follows"])
        _record_edit(user, message)
    return message


def send_test_to_self(message, user, *, now=None):
    """E-mail the message to its author or reviewer, in every language version, as members
    will get it. The links in it lead nowhere: no delivery row stands behind them."""
    if not user.email:
        raise Blocked(_("Your account has no e-mail address."))
    languages = [variant.language for variant in message.variants.all()]
    if not languages:
        raise Blocked(_("Write the message in at least one language."))
    now = now or clock.now()
    template = render_message(message, languages, now=now)
    data = template.personalise(
        to=user.email,
        message_id_header=f"test.{message.pk}.{int(now.timestamp())}@{message_id_domain()}",
        token="0" * 32,
    )
    sender = make_sender()
    try:
        sender.send(settings.DEFAULT_FROM_EMAIL, user.email, data)
    finally:
        sender.close()
    record(
        user,
        "messaging.test_send",
        place=message.targets.first(),
        capability=Capability.VIEW_FIGURES,
        target=message,
        subjects=[user],
    )


# --- The message page ----------------------------------------------------------------------


@dataclass
class Overview:
    """What the message page shows one person: what they may do with the message now, what
    still blocks it, whom it reaches and how far it got."""

    message: Message
    targets: list
    may_edit: bool
    may_approve: bool
    may_forward: bool
    may_cancel: bool
    # The author writes as the police: only they may send despite a guardrail finding.
    is_police: bool
    # The language versions, in the order of the languages the BINs require.
    variants: list
    # While it is a draft: the required languages without a version, the guardrail findings.
    missing: list
    findings: dict
    # Whom it reaches (a recipients.Reach): foreseen until it is queued, then as recorded.
    reach: object
    # How many of its letters this person may print, once it is queued.
    letters: int
    # {Outcome: how many} of its e-mails.
    counts: dict
    events: list
    votes: dict
    comments: list


def message_overview(message, user):
    """The message page of `message` for `user`, who may read it (`access.get_message_for`)."""
    targets = list(message.targets.all())
    editable = message.state in EDITABLE_STATES
    may = rights(user, targets)
    rank = {language: index for index, language in enumerate(required_languages(targets))}
    missing = _missing_languages(message, targets) if editable else []
    found = findings(message) if editable else {}
    reach = recipients.reach(message)
    letters = 0
    if message.state in RELEASED_STATES and reach.letters and may.letter_networks:
        # Only the letters to the members of the BINs whose member list the person sees.
        if len(may.letter_networks) == len(targets):
            letters = reach.letters
        else:
            letters = len(recipients.letter_recipients(message, may.letter_networks))
    feedback = Feedback.objects.filter(delivery__message=message)
    return Overview(
        message=message,
        targets=targets,
        may_edit=editable and message.author_id == user.pk,
        may_approve=message.state == MessageState.AWAITING_APPROVAL
        and Capability.APPROVE_MESSAGES in may.everywhere,
        may_forward=message.state == MessageState.AWAITING_FORWARD
        and Capability.FORWARD_POLICE_MESSAGES in may.everywhere,
        may_cancel=message.state in CANCELLABLE_STATES and may.may_cancel(message),
        is_police=message.author_side == AuthorSide.POLICE
        or (editable and may.side == AuthorSide.POLICE),
        variants=sorted(message.variants.all(), key=lambda v: rank.get(v.language, len(rank))),
        missing=missing,
        findings=found,
        reach=reach,
        letters=letters,
        counts=delivery_totals([message])[message.pk],
        events=list(message.events.select_related("actor")),
        votes=feedback.aggregate(
            yes=Count("id", filter=Q(useful=True)), no=Count("id", filter=Q(useful=False))
        ),
        comments=list(feedback.exclude(comment="").order_by("-updated_at")[:50]),
    )
