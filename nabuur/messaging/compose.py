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
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from nabuur.lib import clock
from nabuur.lib.languages import union_languages
from nabuur.staff.auditing import record
from nabuur.staff.models import COORDINATOR_ROLES, OFFICER_ROLES, partners_of
from nabuur.staff.permissions import Capability, can, capacity

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
    variant_in,
)
from .notifications import notify_state
from .plans import POLICE, current_plan, current_plans
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


def _zone_of(message):
    return message.targets.first().municipality.zone if message.targets.exists() else None


def _allowed_names(message):
    """The names a message may carry: its author's signature and its BINs' partners'."""
    people = _people(list(message.targets.all()), COORDINATOR_ROLES + OFFICER_ROLES)
    if message.author is not None:
        people.append(message.author)
    return [person.full_name for person in people]


def findings(message):
    """Guardrail findings in the author's text, per language: {language: [Finding, …]} (only
    languages with some). A coordinator's forwarding note is checked on its own
    (`note_findings`): the police's text may have been sent with a justification."""
    zone, names = _zone_of(message), _allowed_names(message)
    result = {}
    for variant in message.variants.all():
        text = f"{variant.subject}\n{variant.body_markdown}"
        found = guardrails.check(text, variant.language, zone=zone, allowed_names=names)
        if found:
            result[variant.language] = found
    return result


def note_findings(message, note):
    """Guardrail findings in a coordinator's forwarding `note`, read with the word lists of
    each language the message is written in (the note goes above every version)."""
    zone, names = _zone_of(message), _allowed_names(message)
    found = {}
    for variant in message.variants.all():
        for finding in guardrails.check(note, variant.language, zone=zone, allowed_names=names):
            found.setdefault((finding.start, finding.end), finding)
    return [found[span] for span in sorted(found)]


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
    plans = current_plans(networks)
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


class Route(StrEnum):
    """Where one of the messages that sending makes goes first."""

    MEMBERS = "members"
    APPROVAL = "approval"
    FORWARDING = "forwarding"


def _routes(side, plans, networks):
    """[(Route, its BINs)]: the messages that sending to `networks` makes, as their plans say;
    the first is the message itself, the others are copies.

    A coordinator's message stays one, to the members or first to the officer. A police
    message goes as one to the BINs whose plan sends it straight to members, and as one copy
    per other BIN, which that BIN's coordinators forward or decline on their own.
    """
    if side == AuthorSide.COORDINATOR:
        needs_approval = any(plan.coordinator_needs_approval for plan in plans.values())
        return [(Route.APPROVAL if needs_approval else Route.MEMBERS, networks)]
    direct = [n for n in networks if plans[n].police_direct_to_members]
    routes = [(Route.MEMBERS, direct)] if direct else []
    return routes + [(Route.FORWARDING, [n]) for n in networks if n not in direct]


def _check_submit(message, user, justification):
    """(networks, side, plans, findings) of a draft `user` may send as it is; else refused.

    Refused while a required language is missing or a guardrail finds something, unless the
    author is police and writes a justification.
    """
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
    return networks, side, plans, found


@dataclass
class Part:
    """One of the messages that sending a draft makes, as its author confirms it."""

    route: str
    networks: list
    # [(network, recipients.Reach)]: whom it reaches in each of its BINs once released.
    reach: list
    # With several BINs: whom it reaches in all, each person once; else None.
    total: object
    # A police message straight to members: the BINs' coordinators get a copy.
    copy_to_coordinators: bool


def sending_parts(message, user, *, justification=""):
    """What `submit_message` would do now, for its author to confirm first: the messages the
    draft becomes, where each goes first and whom it reaches in each BIN and by which channel
    (`recipients.preview`). Refused as `submit_message` would refuse it; changes nothing."""
    networks, side, plans, _found = _check_submit(message, user, justification)
    parts = []
    for route, part_networks in _routes(side, plans, networks):
        reach = [(n, recipients.preview(message, networks=[n])) for n in part_networks]
        total = None
        if len(part_networks) > 1:
            total = recipients.preview(message, networks=part_networks)
        police_direct = route == Route.MEMBERS and side == AuthorSide.POLICE
        parts.append(Part(route, part_networks, reach, total, police_direct))
    return parts


def parts_of(message):
    """The messages one draft became when it was sent, as they are now: the message itself
    first, then its per-BIN copies; only the message when it was not split."""
    original = message.copied_from_id or message.pk
    return list(
        Message.objects.filter(Q(pk=original) | Q(copied_from=original))
        .prefetch_related("targets")
        .order_by("pk")
    )


def submit_message(message, user, *, justification="", now=None):
    """The author sends the draft on its way; returns the messages it became (`_routes`):
    the message itself first, then its per-BIN copies.

    Refused as `_check_submit` says; a police author's justification for sending despite a
    finding is kept and audited. Where a message goes to members at once, `queue_message`
    freezes its recipients.
    """
    now = now or clock.now()
    capability = Capability.COMPOSE_MESSAGES
    networks, side, plans, found = _check_submit(message, user, justification)
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
        messages = []
        for index, (route, part_networks) in enumerate(_routes(side, plans, networks)):
            part = message if index == 0 else _copy(message, part_networks[0])
            part.targets.set(part_networks)
            if route == Route.APPROVAL:
                _to_state(part, MessageState.AWAITING_APPROVAL)
                _event(
                    part,
                    MessageState.AWAITING_APPROVAL,
                    user,
                    action="submit",
                    capability=capability,
                    notify=_people(part_networks, OFFICER_ROLES),
                )
            elif route == Route.FORWARDING:
                _to_state(part, MessageState.AWAITING_FORWARD)
                _event(
                    part,
                    MessageState.AWAITING_FORWARD,
                    user,
                    action="submit",
                    capability=capability,
                    notify=_people(part_networks, COORDINATOR_ROLES),
                )
            else:
                _release(part, user, now, capability)
                if side == AuthorSide.POLICE:
                    for person in _people(part_networks, COORDINATOR_ROLES):
                        transaction.on_commit(
                            lambda part=part, person=person: _copy_to_coordinator(part, person)
                        )
            messages.append(part)
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
    # Only what the coordinator wrote: the police's text was checked when it was submitted,
    # and may have been sent despite a finding, with a justification.
    found = note_findings(message, note) if note else []
    if found:
        details = ", ".join(f"{finding.label} “{finding.text}”" for finding in found)
        raise Blocked(
            _("Your note contains details that may not be sent: %(details)s. Rewrite it.")
            % {"details": details}
        )
    with transaction.atomic():
        message.forward_note = note
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

    @property
    def heading_variant(self):
        """The variant whose subject heads the page: the one in the reader's language."""
        return variant_in(self.variants, get_language())


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
