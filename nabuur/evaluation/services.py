"""The verbs of the charter and the evaluation. Each writes its audit entry (ids only)."""

import datetime
import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from nabuur.accounts.models import User
from nabuur.lib import clock
from nabuur.members.models import Membership, MembershipStatus
from nabuur.messaging.plans import current_plan
from nabuur.networks.models import Network, NetworkStatus
from nabuur.staff.auditing import record
from nabuur.staff.models import COORDINATOR_ROLES, OFFICER_ROLES, Role, RoleAssignment
from nabuur.staff.permissions import Capability, Kind, can, capacity, kind_of
from nabuur.zones.site import only_host_zone

from . import emails, figures
from .models import (
    CHARTER_PARTIES,
    EVALUATION_PARTIES,
    BudgetLine,
    CharterSignature,
    CharterState,
    CharterVersion,
    Evaluation,
    EvaluationSignature,
    EvaluationState,
    Party,
    SurveyAnswer,
    SurveyInvitation,
)


class Refused(Exception):
    """The action cannot be done now; the message says why (shown to the person)."""


# The partner each capacity signs for; a zone administrator signs nothing.
PARTY_OF = {
    Kind.OFFICER: Party.OFFICER,
    Kind.COORDINATOR: Party.COORDINATOR,
    Kind.MUNICIPALITY_CONTACT: Party.MUNICIPALITY,
}


def party_for(user, network):
    """As which partner `user` signs for `network`: their capacity among the roles that may
    sign its charter (officer, coordinator, municipality contact), or None."""
    return PARTY_OF.get(capacity(user, network, Capability.SIGN_CHARTER))


# --- Charter ----------------------------------------------------------------------------------


# The order in which a person's roles are tried; they are listed under the first they hold.
CONTACT_ROLES = [*COORDINATOR_ROLES, *OFFICER_ROLES, Role.MUNICIPALITY_CONTACT]


def current_contacts(network):
    """The partners of the BIN today (a role's last day included), from the role assignments,
    ordered by party and id."""
    today = clock.today()
    roles = (
        RoleAssignment.objects.held_on(today)
        .filter(
            Q(network=network, role__in=[*COORDINATOR_ROLES, *OFFICER_ROLES])
            | Q(
                municipality_id=network.municipality_id,
                role__in=[Role.GENERAL_COORDINATOR, Role.MUNICIPALITY_CONTACT],
            )
        )
        .select_related("user")
        .order_by("pk")
    )
    contacts = []
    seen = set()
    # A person who holds two roles of one party (coordinator of the BIN and general coordinator
    # of its municipality, officer and deputy) is one contact, under their first role.
    for assignment in sorted(roles, key=lambda a: CONTACT_ROLES.index(a.role)):
        if assignment.is_coordinator and not assignment.is_screened:
            continue
        party = PARTY_OF[kind_of(assignment.role)]
        user = assignment.user
        if (party, user.pk) in seen:
            continue
        seen.add((party, user.pk))
        contacts.append(
            {
                "party": party.value,
                "role": assignment.role,
                "user": user.pk,
                "name": user.full_name,
                "email": user.email or "",
                "phone": user.phone,
            }
        )
    order = {party.value: index for index, party in enumerate(CHARTER_PARTIES)}
    return sorted(contacts, key=lambda c: (order[c["party"]], c["user"]))


def _contact_keys(contacts):
    # A set: a version frozen before contacts were listed once holds some of them twice.
    return sorted({(c["party"], c["user"]) for c in contacts})


def _area(network):
    """The area as data, worded in each reader's language when shown (CharterVersion.area_lines)."""
    return [
        {
            "street": {
                lang: getattr(segment.street, f"name_{lang}") for lang in ("nl", "fr", "de")
            },
            "from": segment.number_from,
            "to": segment.number_to,
            "side": segment.side,
        }
        for segment in network.segments.select_related("street")
    ]


def latest_charter(network):
    return CharterVersion.objects.filter(network=network).order_by("-version").first()


def charter_in_force(network):
    return CharterVersion.objects.filter(network=network, state=CharterState.IN_FORCE).first()


def _new_version(network, actor, reason, previous):
    charter = CharterVersion.objects.create(
        network=network,
        version=(previous.version if previous else 0) + 1,
        contacts=current_contacts(network),
        plan_version=current_plan(network).version,
        area=_area(network),
        member_contribution=previous.member_contribution if previous else "",
        reason=reason,
        created_at=clock.now(),
        created_by=actor,
    )
    if previous:
        BudgetLine.objects.bulk_create(
            BudgetLine(charter=charter, item=line.item, amount=line.amount, paid_by=line.paid_by)
            for line in previous.budget.all()
        )
    return charter


def start_charter(network, actor):
    """Start the next version of the BIN's charter as a draft (or return the open draft)."""
    if not can(actor, Capability.SIGN_CHARTER, network):
        raise PermissionDenied
    with transaction.atomic():
        Network.objects.select_for_update().filter(pk=network.pk).first()
        draft = CharterVersion.objects.filter(network=network, state=CharterState.DRAFT).first()
        if draft:
            return draft
        charter = _new_version(network, actor, "", latest_charter(network))
        record(
            actor,
            "evaluation.charter_started",
            target=charter,
            capability=Capability.SIGN_CHARTER,
            details={"network": network.pk, "version": charter.version},
        )
    return charter


def _drop_signatures(charter, actor, why):
    dropped = charter.signatures.count()
    if dropped:
        charter.signatures.all().delete()
        record(
            actor,
            "evaluation.charter_signatures_dropped",
            target=charter,
            capability=Capability.SIGN_CHARTER,
            details={"signatures": dropped, "why": why},
        )


def update_budget(charter, actor, *, lines, member_contribution):
    """Replace the draft's budget plan. Signatures given so far no longer hold and are dropped.

    `lines` is a list of dicts with item, amount and paid_by.
    """
    if not can(actor, Capability.SIGN_CHARTER, charter.network):
        raise PermissionDenied
    if not charter.is_draft:
        raise Refused(_("A signed charter version cannot change; start a new version."))
    with transaction.atomic():
        charter.budget.all().delete()
        BudgetLine.objects.bulk_create(BudgetLine(charter=charter, **line) for line in lines)
        charter.member_contribution = member_contribution
        charter.save(update_fields=["member_contribution"])
        _drop_signatures(charter, actor, "budget")
        record(
            actor,
            "evaluation.charter_budget_saved",
            target=charter,
            capability=Capability.SIGN_CHARTER,
            details={"lines": len(lines)},
        )
    return charter


def sign_charter(charter, actor):
    """The partner signs the draft; once coordinator, officer and municipality have signed, it
    takes effect and the version in force before it is replaced."""
    network = charter.network
    party = party_for(actor, network)
    if party is None:
        raise PermissionDenied
    now = clock.now()
    with transaction.atomic():
        charter = CharterVersion.objects.select_for_update().get(pk=charter.pk)
        if not charter.is_draft:
            raise Refused(_("This charter version is no longer waiting for signatures."))
        if charter.signatures.filter(party=party).exists():
            raise Refused(_("Your side has already signed this version."))
        CharterSignature.objects.create(charter=charter, party=party, user=actor, signed_at=now)
        record(
            actor,
            "evaluation.charter_signed",
            target=charter,
            capability=Capability.SIGN_CHARTER,
            details={"party": party.value, "version": charter.version},
        )
        signed = set(charter.signatures.values_list("party", flat=True))
        if signed >= {p.value for p in CHARTER_PARTIES}:
            CharterVersion.objects.filter(network=network, state=CharterState.IN_FORCE).update(
                state=CharterState.SUPERSEDED
            )
            charter.state = CharterState.IN_FORCE
            charter.in_force_at = now
            charter.save(update_fields=["state", "in_force_at"])
            record(
                actor,
                "evaluation.charter_in_force",
                target=charter,
                capability=Capability.SIGN_CHARTER,
            )
    return charter


def record_fod(charter, actor, *, sent_on, answered_on, answer):
    """Note when the signed charter went to the FOD Binnenlandse Zaken and what it answered.

    Whoever may record the exchange (the partners and the zone administrator, who usually sends
    the copy) may do so; PermissionDenied otherwise, Refused for a draft."""
    if not can(actor, Capability.RECORD_FOD_EXCHANGE, charter.network):
        raise PermissionDenied
    if charter.is_draft:
        raise Refused(_("Only a signed charter goes to the FOD."))
    charter.sent_to_fod_on = sent_on
    charter.fod_answered_on = answered_on
    charter.fod_answer = answer
    with transaction.atomic():
        charter.save(update_fields=["sent_to_fod_on", "fod_answered_on", "fod_answer"])
        record(
            actor,
            "evaluation.charter_fod",
            target=charter,
            capability=Capability.RECORD_FOD_EXCHANGE,
        )
    return charter


def _partners(contacts):
    ids = {c["user"] for c in contacts}
    return list(User.objects.filter(pk__in=ids, is_active=True, email__isnull=False).order_by("pk"))


def refresh_charter(network):
    """If the BIN's contacts or its plan changed since its latest charter version, start a new
    version (or bring the draft up to date, dropping its signatures) and, once committed, tell
    the partners. Returns True if a version changed; False without a change or a charter.

    Called right after a role or plan change (see receivers.py) and by the hourly job; the
    network row is locked so that two refreshes of one BIN never write two versions.
    """
    with transaction.atomic():
        Network.objects.select_for_update().filter(pk=network.pk).first()
        latest = latest_charter(network)
        if latest is None:
            return False
        contacts = current_contacts(network)
        plan_version = current_plan(network).version
        contacts_changed = _contact_keys(contacts) != _contact_keys(latest.contacts)
        plan_changed = plan_version != latest.plan_version
        if not (contacts_changed or plan_changed):
            return False
        reason = "contacts" if contacts_changed else "plan"
        if latest.is_draft:
            latest.contacts = contacts
            latest.plan_version = plan_version
            latest.reason = reason
            latest.save(update_fields=["contacts", "plan_version", "reason"])
            _drop_signatures(latest, None, reason)
            charter = latest
        else:
            charter = _new_version(network, None, reason, latest)
        record(
            None,
            "evaluation.charter_changed",
            target=charter,
            details={"network": network.pk, "version": charter.version, "why": reason},
        )
        for person in _partners(contacts):
            transaction.on_commit(
                lambda person=person, charter=charter: emails.send_charter_changed(person, charter)
            )
    return True


def refresh_charters(now=None):
    """The hourly safety net behind the immediate refreshes: `refresh_charter` for each BIN
    with a charter (a role that ends on a later date, a change made without a service).
    Returns how many BINs changed."""
    networks = Network.objects.filter(charters__isnull=False).distinct().order_by("pk")
    return sum(refresh_charter(network) for network in networks)


# --- Evaluation -------------------------------------------------------------------------------


def evaluation_partners(network):
    """The officers and coordinators of the BIN today, who fill in and sign its evaluation."""
    contacts = [
        c for c in current_contacts(network) if c["party"] in {p.value for p in EVALUATION_PARTIES}
    ]
    return _partners(contacts)


def open_evaluation(network, year, *, actor=None, period_start=None, period_end=None):
    """Open the evaluation of `network` for `year` (the calendar year unless another period is
    given) and tell its officer and coordinators. Returns the existing one if already open."""
    with transaction.atomic():
        evaluation, created = Evaluation.objects.get_or_create(
            network=network,
            year=year,
            defaults={
                "period_start": period_start or datetime.date(year, 1, 1),
                "period_end": period_end or datetime.date(year, 12, 31),
                "opened_at": clock.now(),
            },
        )
        if not created:
            return evaluation
        record(
            actor,
            "evaluation.opened",
            target=evaluation,
            details={"network": network.pk, "year": year},
        )
        for person in evaluation_partners(network):
            transaction.on_commit(
                lambda person=person: emails.send_evaluation_opened(person, evaluation)
            )
    return evaluation


def open_due_evaluations(now=None):
    """At the start of a year, open last year's evaluation of every BIN that ran in it."""
    today = clock.today() if now is None else timezone.localdate(now)
    year = today.year - 1
    networks = (
        Network.objects.filter(status__in=[NetworkStatus.ACTIVE, NetworkStatus.SUSPENDED])
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=datetime.date(year, 12, 31)))
        .exclude(evaluations__year=year)
        .select_related("municipality")
        .order_by("pk")
    )
    opened = 0
    for network in networks:
        open_evaluation(network, year)
        opened += 1
    return opened


def save_evaluation(evaluation, actor, data):
    """Write the qualitative part (and the period) of an open evaluation."""
    if not can(actor, Capability.EDIT_EVALUATION, evaluation.network):
        raise PermissionDenied
    if not evaluation.is_editable:
        raise Refused(_("A signed evaluation cannot change."))
    for name, value in data.items():
        setattr(evaluation, name, value)
    with transaction.atomic():
        evaluation.save(update_fields=list(data))
        record(
            actor,
            "evaluation.saved",
            target=evaluation,
            capability=Capability.EDIT_EVALUATION,
            details={"fields": sorted(data)},
        )
    return evaluation


def sign_evaluation(evaluation, actor):
    """The officer or a coordinator signs. The first signature freezes the figures and the
    text; once both sides have signed the evaluation is read-only for good."""
    network = evaluation.network
    if not can(actor, Capability.EDIT_EVALUATION, network):
        raise PermissionDenied
    party = party_for(actor, network)
    if party not in EVALUATION_PARTIES:
        raise PermissionDenied
    now = clock.now()
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
        evaluation.network = network
        if evaluation.state == EvaluationState.SIGNED:
            raise Refused(_("This evaluation has already been signed."))
        if evaluation.signatures.filter(party=party).exists():
            raise Refused(_("Your side has already signed this evaluation."))
        fields = ["state"]
        if evaluation.figures is None:
            evaluation.figures = figures.compute(evaluation)
            evaluation.frozen_at = now
            fields += ["figures", "frozen_at"]
        EvaluationSignature.objects.create(
            evaluation=evaluation, party=party, user=actor, signed_at=now
        )
        signed = set(evaluation.signatures.values_list("party", flat=True))
        if signed >= {p.value for p in EVALUATION_PARTIES}:
            evaluation.state = EvaluationState.SIGNED
            evaluation.signed_at = now
            fields.append("signed_at")
        else:
            evaluation.state = EvaluationState.SIGNING
        evaluation.save(update_fields=fields)
        record(
            actor,
            "evaluation.signed",
            target=evaluation,
            capability=Capability.EDIT_EVALUATION,
            details={"party": party.value, "state": evaluation.state},
        )
    return evaluation


# --- Survey -----------------------------------------------------------------------------------


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def survey_recipients(evaluation):
    """The BIN's active members with an e-mail address, one per person."""
    memberships = (
        Membership.objects.filter(
            network=evaluation.network,
            status=MembershipStatus.ACTIVE,
            user__is_active=True,
            user__email__isnull=False,
        )
        .exclude(user__email="")
        .select_related("user", "network__municipality")
        .order_by("pk")
    )
    seen, people = set(), []
    for membership in memberships:
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            people.append(membership)
    return people


def start_survey(evaluation, actor):
    """E-mail the member survey to the BIN's active members (once per evaluation)."""
    if not can(actor, Capability.EDIT_EVALUATION, evaluation.network):
        raise PermissionDenied
    if not evaluation.is_editable:
        raise Refused(_("A signed evaluation cannot change."))
    if evaluation.survey_sent_at:
        raise Refused(_("The survey has already been sent."))
    recipients = survey_recipients(evaluation)
    tokens = []
    with transaction.atomic():
        for membership in recipients:
            token = secrets.token_urlsafe(24)
            SurveyInvitation.objects.create(
                evaluation=evaluation, user=membership.user, token_hash=_hash(token)
            )
            tokens.append((membership, token))
        evaluation.survey_sent_at = clock.now()
        evaluation.survey_invited = len(recipients)
        evaluation.save(update_fields=["survey_sent_at", "survey_invited"])
        record(
            actor,
            "evaluation.survey_sent",
            target=evaluation,
            capability=Capability.EDIT_EVALUATION,
            details={"invited": len(recipients)},
        )
        for membership, token in tokens:
            transaction.on_commit(
                lambda m=membership, t=token: emails.send_survey_invitation(m, evaluation, t)
            )
    return len(recipients)


def invitation_for(token):
    """The unanswered invitation of this link whose evaluation is still open, or None."""
    # On a zone's own host name, only that zone's surveys: a link of another zone is missing.
    invitations = only_host_zone(
        SurveyInvitation.objects, "evaluation__network__municipality__zone"
    )
    invitation = (
        invitations.select_related("evaluation__network__municipality")
        .filter(token_hash=_hash(token))
        .first()
    )
    return invitation


def answer_survey(token, *, feeling_of_safety, usefulness, remark):
    """Store one anonymous answer and mark the invitation answered, once."""
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update().filter(token_hash=_hash(token)).first()
        )
        if invitation is None:
            raise Refused(_("This survey link is not valid."))
        if invitation.answered:
            raise Refused(_("This survey has already been answered with this link."))
        if invitation.evaluation.figures is not None:
            raise Refused(_("The survey is closed: the evaluation has been signed."))
        invitation.answered = True
        invitation.save(update_fields=["answered"])
        SurveyAnswer.objects.create(
            evaluation_id=invitation.evaluation_id,
            feeling_of_safety=feeling_of_safety,
            usefulness=usefulness,
            remark=remark,
        )
        # No actor and no subject: the log must not tell who answered, only that a member
        # (the survey goes to members only) did.
        record(None, "evaluation.survey_answered", target=invitation.evaluation, role=Kind.MEMBER)
    return invitation.evaluation
