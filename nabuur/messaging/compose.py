"""Verbs of composing: draft, submit, approve or reject, forward or decline, schedule, cancel.

Every verb checks `can(...)` itself, writes a MessageEvent (the approval trail), an audit entry
and tells the people concerned, in one transaction. The communication plan of the targets
decides the path:
- a coordinator's message goes to members, or first to the officer when the plan asks;
- a police message goes to the coordinators, who forward it (with an optional note) or decline
  it; where the plan says so it goes straight to members, the coordinators getting a copy.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nabuur.audit.services import record
from nabuur.lib import clock
from nabuur.lib.languages import union_languages
from nabuur.members.models import Membership, MembershipStatus
from nabuur.staff.permissions import Capability, Kind, can, scopes_for

from . import guardrails
from .markdown import render_html, render_text
from .models import AuthorSide, Message, MessageEvent, MessageState, MessageVariant
from .plans import current_plan
from .services import queue_message

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


def is_police_for(user, network):
    """The officer of the BIN, or a zone administrator over it, writes as the police."""
    if can(user, Capability.APPROVE_MESSAGES, network):
        return True
    return Kind.ZONE_ADMIN in scopes_for(user).kinds and can(
        user, Capability.COMPOSE_MESSAGES, network
    )


def author_side(user, networks):
    return (
        AuthorSide.POLICE
        if all(is_police_for(user, network) for network in networks)
        else AuthorSide.COORDINATOR
    )


def required_languages(networks):
    """The languages the recipients' municipalities require, official first language first."""
    return union_languages({network.municipality.language_regime for network in networks})


def missing_languages(message):
    present = {variant.language for variant in message.variants.all()}
    return [lang for lang in required_languages(message.targets.all()) if lang not in present]


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


def recipient_count(message):
    return (
        Membership.objects.filter(
            network__in=message.targets.all(),
            status__in=[MembershipStatus.ACTIVE, MembershipStatus.PAUSED],
            user__email__isnull=False,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values("user_id")
        .distinct()
        .count()
    )


def _event(message, state, actor, note="", *, action, notify=()):
    from .notifications import notify_state

    MessageEvent.objects.create(
        message=message, state=state, actor=actor, note=note, created_at=clock.now()
    )
    record(
        actor,
        f"messaging.{action}",
        target=message,
        details={"state": str(state), "targets": sorted(n.pk for n in message.targets.all())},
    )
    for person in notify:
        transaction.on_commit(lambda person=person: notify_state(message, state, person, note))


def _check_compose(user, networks, kind):
    if not networks:
        raise Blocked(_("Choose at least one BIN."))
    for network in networks:
        if not can(user, Capability.COMPOSE_MESSAGES, network):
            raise PermissionDenied
    side = author_side(user, networks)
    for network in networks:
        if kind not in current_plan(network).kinds_for(side):
            raise Blocked(
                _("The communication plan of %(bin)s does not let you send this class.")
                % {"bin": network.name}
            )
    return side


def create_draft(user, *, kind, networks, variants, follows=None, scheduled_for=None):
    """A new draft by `user` to `networks`; `variants` is {language: (subject, markdown)}."""
    networks = list(networks)
    side = _check_compose(user, networks, kind)
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
        _event(message, MessageState.DRAFT, user, action="draft")
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
        record(user, "messaging.edit", target=message)


def _people(networks, capability):
    """The people who hold `capability` over one of `networks` (coordinators, officers)."""
    from nabuur.staff.models import RoleAssignment

    users = {
        assignment.user
        for assignment in RoleAssignment.objects.filter(ended_on__isnull=True).select_related(
            "user", "network", "municipality"
        )
        if any(can(assignment.user, capability, network) for network in networks)
    }
    return sorted(users, key=lambda person: person.pk)


def _release(message, user, now):
    """The message may go to members: schedule it, or queue it at once."""
    if message.scheduled_for and message.scheduled_for > now:
        message.state = MessageState.SCHEDULED
        message.save(update_fields=["state"])
        _event(message, MessageState.SCHEDULED, user, action="schedule")
        return 0
    count = queue_message(message, now=now)
    _event(message, MessageState.QUEUED, user, action="queue")
    return count


def submit_message(message, user, *, justification="", now=None):
    """The author sends the draft on its way; returns the message (or its per-BIN copies).

    Refused while a required language is missing or a guardrail finds something, unless the
    author is police and writes a justification (logged in the audit trail).
    """
    now = now or clock.now()
    networks = list(message.targets.select_related("municipality__zone"))
    if message.author_id != user.pk or message.state not in EDITABLE_STATES:
        raise PermissionDenied
    side = _check_compose(user, networks, message.kind)
    missing = missing_languages(message)
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
        message.plan_version = current_plan(networks[0]).version
        message.override_justification = justification.strip() if found else ""
        message.save(update_fields=["author_side", "plan_version", "override_justification"])
        if found:
            record(
                user,
                "messaging.guardrail_override",
                target=message,
                details={"kinds": sorted({f.kind for items in found.values() for f in items})},
            )
        if side == AuthorSide.COORDINATOR:
            if any(current_plan(n).coordinator_needs_approval for n in networks):
                _to_state(message, MessageState.AWAITING_APPROVAL)
                _event(
                    message,
                    MessageState.AWAITING_APPROVAL,
                    user,
                    action="submit",
                    notify=_people(networks, Capability.APPROVE_MESSAGES),
                )
                return [message]
            _release(message, user, now)
            return [message]
        direct = [n for n in networks if current_plan(n).police_direct_to_members]
        via = [n for n in networks if n not in direct]
        messages = []
        if direct:
            message.targets.set(direct)
            _release(message, user, now)
            for person in _people(direct, Capability.FORWARD_POLICE_MESSAGES):
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
                notify=_people([network], Capability.FORWARD_POLICE_MESSAGES),
            )
            messages.append(copy)
    return messages


def _copy_to_coordinator(message, person):
    from .notifications import notify_state

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
    if not networks or not all(can(user, capability, n) for n in networks):
        raise PermissionDenied
    return networks


def approve_message(message, user, *, now=None):
    """The officer approves a coordinator's message; it goes to members (or waits its time)."""
    now = now or clock.now()
    _decide(message, user, Capability.APPROVE_MESSAGES, MessageState.AWAITING_APPROVAL)
    with transaction.atomic():
        _to_state(message, MessageState.APPROVED)
        _event(message, MessageState.APPROVED, user, action="approve", notify=[message.author])
        _release(message, user, now)
    return message


def reject_message(message, user, *, reason):
    """The officer rejects a coordinator's message, with a reason the author reads."""
    if not reason.strip():
        raise Blocked(_("Say why you reject the message."))
    _decide(message, user, Capability.APPROVE_MESSAGES, MessageState.AWAITING_APPROVAL)
    with transaction.atomic():
        _to_state(message, MessageState.REJECTED)
        _event(
            message, MessageState.REJECTED, user, reason, action="reject", notify=[message.author]
        )
    return message


def forward_message(message, user, *, note="", now=None):
    """A coordinator forwards a police message to the BIN's members, with an optional note."""
    now = now or clock.now()
    _decide(message, user, Capability.FORWARD_POLICE_MESSAGES, MessageState.AWAITING_FORWARD)
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
            message, MessageState.FORWARDED, user, note, action="forward", notify=[message.author]
        )
        _release(message, user, now)
    return message


def decline_message(message, user, *, reason=""):
    """A coordinator decides not to forward a police message to the BIN's members."""
    _decide(message, user, Capability.FORWARD_POLICE_MESSAGES, MessageState.AWAITING_FORWARD)
    with transaction.atomic():
        _to_state(message, MessageState.DECLINED)
        _event(
            message, MessageState.DECLINED, user, reason, action="decline", notify=[message.author]
        )
    return message


def schedule(message, user, when):
    """Set the moment the message goes out once released (None: at once)."""
    if message.author_id != user.pk or message.state not in EDITABLE_STATES:
        raise PermissionDenied
    message.scheduled_for = when
    message.save(update_fields=["scheduled_for"])
    record(user, "messaging.set_schedule", target=message)
    return message


def cancel_message(message, user):
    """The author (or anyone who may compose for all its BINs) stops it before it is queued."""
    networks = list(message.targets.all())
    allowed = message.author_id == user.pk or (
        networks and all(can(user, Capability.COMPOSE_MESSAGES, n) for n in networks)
    )
    if not allowed:
        raise PermissionDenied
    if message.state not in CANCELLABLE_STATES:
        raise Blocked(_("This message can no longer be cancelled."))
    with transaction.atomic():
        _to_state(message, MessageState.CANCELLED)
        _event(message, MessageState.CANCELLED, user, action="cancel")
    return message


def queue_due(now):
    """Queue the scheduled messages whose time has come; returns how many."""
    count = 0
    due = Message.objects.filter(state=MessageState.SCHEDULED, scheduled_for__lte=now)
    for message in due:
        with transaction.atomic():
            queue_message(message, now=now)
            _event(message, MessageState.QUEUED, None, action="queue")
        count += 1
    return count


def update_draft(message, user, *, variants, scheduled_for=None, follows=None):
    """The author rewrites the draft: its language versions, its time and what it follows."""
    with transaction.atomic():
        set_variants(message, user, variants, _audit=False)
        message.scheduled_for = scheduled_for
        message.follows = follows
        message.save(update_fields=["scheduled_for", "follows"])
        record(user, "messaging.edit", target=message)
    return message


def send_test_to_self(message, user, *, now=None):
    """E-mail the message to its author or reviewer, in every language version, as members
    will get it. The links in it lead nowhere: no delivery row stands behind them."""
    from .delivery import make_sender
    from .emails import render_message
    from .services import message_id_domain

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
    record(user, "messaging.test_send", target=message, subjects=[user])
