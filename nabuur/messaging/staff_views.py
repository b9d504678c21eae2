"""Staff pages of messaging: the message log, compose, the review steps and the plan.

access (nabuur.messaging.access, nabuur.staff.access) → form (staff_forms) → service (compose,
plans, letters) → render (templates/messaging/staff/).
"""

from dataclasses import dataclass
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from nabuur.accounts.decorators import require_recent_login
from nabuur.lib.paging import counted_page_of
from nabuur.networks.models import Network
from nabuur.staff import waiting
from nabuur.staff.access import get_network_for
from nabuur.staff.permissions import Capability, can, networks_where
from nabuur.zones.models import Municipality

from . import compose, escalation, letters, recipients
from .access import get_message_for
from .delivery import delivery_totals
from .models import (
    RELEASED_STATES,
    AuthorSide,
    CommunicationPlan,
    Message,
    MessageKind,
    MessageState,
    MessageVariant,
    Outcome,
)
from .plans import current_plan, may_edit_plan, save_plan
from .staff_forms import (
    ComposeForm,
    ForwardForm,
    PlanForm,
    ReasonForm,
    SubmitForm,
    VariantsForm,
    follow_choices,
)

C = Capability
PAGE_SIZE = 25
# While a message is in these states its page shows the sending progress live.
IN_FLIGHT = {MessageState.QUEUED, MessageState.SENDING}


# Outcomes of e-mails that are not lost but wait, and leave their message free to be sent.
HELD = (Outcome.WAITING_QUIET_HOURS, Outcome.WAITING_PAUSE)
# Outcomes of e-mails that did not arrive.
UNDELIVERED = (Outcome.FAILED, Outcome.BOUNCED)


def progress_summary(counts):
    """One or two sentences: how many e-mails went out of how many, and how many wait."""
    total = sum(counts.values())
    summary = ngettext(
        "%(sent)s of %(total)s e-mail sent.", "%(sent)s of %(total)s e-mails sent.", total
    ) % {"sent": counts.get(Outcome.SENT, 0), "total": total}
    held = sum(counts.get(outcome, 0) for outcome in HELD)
    if held:
        waiting = ngettext(
            "%(count)s e-mail waits for quiet hours or the end of a pause, and goes out then.",
            "%(count)s e-mails wait for quiet hours or the end of a pause, and go out then.",
            held,
        ) % {"count": held}
        summary = f"{summary} {waiting}"
    return summary


def outcome_rows(counts, in_flight):
    """(Outcome value, label, how many) for the message page: every outcome while the message
    is being sent (the page updates them in place), afterwards those that occurred."""
    return [
        (outcome.value, outcome.label, counts.get(outcome, 0))
        for outcome in Outcome
        if in_flight or counts.get(outcome) or outcome == Outcome.SENT
    ]


# What the log shows of a message itself; its subject and its BINs' names come as plain values
# (_label_log_rows): prefetching the variants and BINs cost Django more than two plain queries.
LOG_FIELDS = ("kind", "state", "author_side", "created_at", "delivery_totals")


# The subjects and BIN names of a page of the log, in SQL of our own: every visit of the log
# asks both, and Django took longer to build them than the database to answer. The BINs come
# in Network's order (municipality, then name).
_LOG_SUBJECTS = (
    f"SELECT message_id, language, subject FROM {MessageVariant._meta.db_table} "  # noqa: S608
    "WHERE message_id IN ({ids}) ORDER BY id"
)
_LOG_TARGET_NAMES = (
    "SELECT target.message_id, network.name "  # noqa: S608 — names of our own tables
    f"FROM {Message.targets.through._meta.db_table} target "
    f"JOIN {Network._meta.db_table} network ON network.id = target.network_id "
    f"JOIN {Municipality._meta.db_table} municipality "
    "ON municipality.id = network.municipality_id "
    "WHERE target.message_id IN ({ids}) ORDER BY municipality.name_nl, network.name"
)


# A page of the log, newest first, with the length of the whole log (lib.paging). A message to
# several of the person's BINs is one row: its id is taken from its targets once.
_LOG_PAGE = (
    f"SELECT id, {', '.join(LOG_FIELDS)}, COUNT(*) OVER () AS list_length "  # noqa: S608
    f"FROM {Message._meta.db_table} WHERE id IN (SELECT message_id "
    f"FROM {Message.targets.through._meta.db_table} "
    "WHERE network_id IN ({networks})) {state}ORDER BY created_at DESC, id DESC"
)


def _log_page(network_ids, state, number):
    """Page `number` of the messages to these BINs (in this state, if one is given)."""
    sql = _LOG_PAGE.format(
        networks=", ".join(["%s"] * len(network_ids)), state="AND state = %s " if state else ""
    )
    params = [*network_ids, *([state] if state else [])]

    def read(offset, limit):
        return list(Message.objects.raw(f"{sql} LIMIT %s OFFSET %s", [*params, limit, offset]))

    def count():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS log", params)  # noqa: S608
            return cursor.fetchone()[0]

    return counted_page_of(read, count, number, PAGE_SIZE)


def _label_log_rows(messages, language):
    """Set on each message its subject in `language` (else in its first language), the names
    of its BINs, the labels of its class, state and side, and the address of its page."""
    ids = {message.pk for message in messages}
    if not ids:
        return
    # A message's page lies under the log's URL (messaging/staff_urls.py): one reverse() serves
    # every row.
    log_url = reverse("messaging_staff:list")
    subjects, names = {}, {}
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(_LOG_SUBJECTS.format(ids=placeholders), [*ids])
        for message_id, variant_language, subject in cursor.fetchall():
            subjects.setdefault(message_id, {})[variant_language] = subject
        cursor.execute(_LOG_TARGET_NAMES.format(ids=placeholders), [*ids])
        for message_id, name in cursor.fetchall():
            names.setdefault(message_id, []).append(name)
    # get_FOO_display() rebuilds and translates its choices on every call; once a page is enough.
    kinds, states, sides = (
        {value: str(label) for value, label in choices.choices}
        for choices in (MessageKind, MessageState, AuthorSide)
    )
    for message in messages:
        by_language = subjects.get(message.pk, {})
        message.subject = by_language.get(language) or next(iter(by_language.values()), "")
        message.target_names = names.get(message.pk, [])
        message.kind_label = kinds[message.kind]
        message.state_label = states[message.state]
        message.side_label = sides.get(message.author_side, "")
        message.url = f"{log_url}{message.pk}/"


def _log_rows_html(rows):
    """The message log's table rows (<tr>) as HTML, every value escaped.

    Written here and not in the template, as the member list's are (members.staff_views
    .rows_html): a page of rows of template variables cost the log more Python than its
    queries.
    """
    no_subject = escape(_("(no subject yet)"))
    html = []
    for message in rows:
        cells = (
            message.kind_label,
            ", ".join(message.target_names),
            message.side_label or "—",
            message.state_label,
            str(message.sent_count),
            str(message.waiting_count),
            str(message.undelivered),
        )
        html.append(
            f'<tr><th scope="row"><a href="{escape(message.url)}">'
            f"{escape(message.subject) if message.subject else no_subject}</a></th>"
            + "".join(f"<td>{escape(cell)}</td>" for cell in cells)
            + "</tr>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 — every value above is escaped


@login_required
def message_list(request):
    """The message log of the person's BINs, what waits for them first; filter by BIN."""
    visible = networks_where(request.user, C.VIEW_FIGURES).order_by("name")
    # With the municipality's zone: may_edit_plan() asks whether each BIN lies in the scope.
    networks = list(
        visible.select_related("municipality").only("name", "slug", "municipality__zone")
    )
    if not networks:
        raise PermissionDenied
    chosen = next((n for n in networks if n.slug == request.GET.get("bin")), None)
    state = request.GET.get("state", "")
    network_ids = [network.pk for network in networks]
    page = _log_page(
        [chosen.pk] if chosen else network_ids,
        state if state in MessageState.values else None,
        request.GET.get("page"),
    )
    rows = list(page.object_list)
    counts = delivery_totals(rows)
    for message in rows:
        by_outcome = counts[message.pk]
        message.sent_count = by_outcome.get(Outcome.SENT, 0)
        message.undelivered = sum(by_outcome.get(outcome, 0) for outcome in UNDELIVERED)
        # Still to go out: now, after quiet hours or a pause, or on a retry.
        message.waiting_count = sum(by_outcome.values()) - message.sent_count - message.undelivered
    # Whoever may approve or forward a BIN's messages also sees its figures (a test holds the
    # matrix to that), so the BINs already read decide both, without a query of their own.
    waiting = Message.objects.filter(
        Q(
            state=MessageState.AWAITING_APPROVAL,
            targets__in=[n.pk for n in networks if can(request.user, C.APPROVE_MESSAGES, n)],
        )
        | Q(
            state=MessageState.AWAITING_FORWARD,
            targets__in=[n.pk for n in networks if can(request.user, C.FORWARD_POLICE_MESSAGES, n)],
        )
        # The person's drafts of the BINs they see here: on a zone's own host name, its own.
        | Q(
            author=request.user,
            state__in=compose.EDITABLE_STATES,
            targets__in=network_ids,
        )
    )
    waiting = list(waiting.distinct().only(*LOG_FIELDS).order_by("created_at"))
    # Both lists at once: two queries for the page, not two for each list.
    _label_log_rows([*rows, *waiting], request.LANGUAGE_CODE)
    query = "&".join(
        f"{key}={value}"
        for key, value in (("bin", chosen.slug if chosen else ""), ("state", state))
        if value
    )
    return render(
        request,
        "messaging/staff/message_list.html",
        {
            "networks": networks,
            "chosen": chosen,
            "state": state,
            "states": MessageState.choices,
            "page": page,
            "rows": rows,
            "rows_html": _log_rows_html(rows),
            "waiting": waiting,
            "query": query,
            "may_compose": can(request.user, C.COMPOSE_MESSAGES),
            "plan_networks": [n for n in networks if may_edit_plan(request.user, n)],
        },
    )


@login_required
def message_new(request):
    if not can(request.user, C.COMPOSE_MESSAGES):
        raise PermissionDenied
    form = ComposeForm(request.POST or None, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            message = compose.create_draft(
                request.user,
                kind=data["kind"],
                networks=form.targets(),
                variants=form.variants(),
                follows=data["follows"],
                scheduled_for=data["scheduled_for"],
            )
        except compose.Blocked as blocked:
            form.add_error(None, blocked.messages)
        else:
            messages.success(request, _("The draft has been saved. Check it, then send it."))
            return redirect("messaging_staff:detail", pk=message.pk)
    return render(request, "messaging/staff/compose.html", {"form": form})


@dataclass
class PartRow:
    """One of the messages a draft became when it was split, as its page lists it."""

    message: Message
    names: str
    state: str
    # How far its e-mails got, once it went to the members; else "".
    summary: str


def part_rows(message, user):
    """The messages `message`'s draft became, those `user` may read (their BINs' figures),
    with each one's state and delivery; [] when it was not split, or the person reads only
    this one (a BIN's coordinator, their own BIN's part)."""
    parts = compose.parts_of(message)
    parts = [
        part
        for part in parts
        if any(can(user, C.VIEW_FIGURES, network) for network in part.targets.all())
    ]
    if len(parts) < 2:
        return []
    totals = delivery_totals(parts)
    return [
        PartRow(
            message=part,
            names=", ".join(network.name for network in part.targets.all()),
            state=capfirst(part.get_state_display()),
            summary=progress_summary(totals[part.pk]) if part.state in RELEASED_STATES else "",
        )
        for part in parts
    ]


def _detail(request, message, *, action_errors=(), **forms):
    """The message page, with the forms that apply to this person and this state."""
    overview = compose.message_overview(message, request.user)
    counts = overview.counts
    in_flight = message.state in IN_FLIGHT
    context = {
        "message": message,
        "overview": overview,
        "released": message.state in RELEASED_STATES,
        "outcomes": outcome_rows(counts, in_flight),
        "total": sum(counts.values()),
        "summary": progress_summary(counts),
        "in_flight": in_flight,
        "submit_form": forms.get("submit_form") or SubmitForm(),
        "reject_form": forms.get("reject_form") or ReasonForm(prefix="reject"),
        "forward_form": forms.get("forward_form") or ForwardForm(),
        "decline_form": forms.get("decline_form") or ReasonForm(prefix="decline", required=False),
        "action_errors": action_errors,
        "parts": part_rows(message, request.user),
        "may_send_overdue": escalation.may_send_overdue(message, request.user),
        # "Reminder sent to … on …", "Handed over to … on …" (nabuur.staff.waiting).
        "escalation_trail": waiting.trail(message),
    }
    return render(request, "messaging/staff/message_detail.html", context)


@login_required
def message_detail(request, pk):
    message = get_message_for(request.user, C.VIEW_FIGURES, pk)
    return _detail(request, message)


@login_required
def message_progress(request, pk):
    """The sending progress as JSON, polled by static/js/message-progress.js."""
    message = get_message_for(request.user, C.VIEW_FIGURES, pk)
    counts = delivery_totals([message])[message.pk]
    return JsonResponse(
        {
            "state": message.state,
            "state_label": message.get_state_display(),
            "total": sum(counts.values()),
            "summary": progress_summary(counts),
            # Every outcome, as the page lists them while the message is being sent.
            "counts": {value: count for value, _label, count in outcome_rows(counts, True)},
            "skipped": recipients.skipped(message) if message.state in RELEASED_STATES else {},
            "done": message.state not in IN_FLIGHT,
        }
    )


@login_required
def message_edit(request, pk):
    message = get_message_for(request.user, C.COMPOSE_MESSAGES, pk, every=True)
    if message.author_id != request.user.pk or message.state not in compose.EDITABLE_STATES:
        raise PermissionDenied
    targets = list(message.targets.all())
    initial = {"scheduled_for": message.scheduled_for, "follows": message.follows}
    for variant in message.variants.all():
        initial[f"subject_{variant.language}"] = variant.subject
        initial[f"body_{variant.language}"] = variant.body_markdown
    form = VariantsForm(
        request.POST or None,
        initial=initial,
        languages=compose.required_languages(targets),
        follow_choices=follow_choices(targets).exclude(pk=message.pk),
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["follows"] and message.kind != MessageKind.FEEDBACK:
            form.add_error("follows", _("Only a feedback message follows up on another one."))
        else:
            compose.update_draft(
                message,
                request.user,
                variants=form.variants(),
                scheduled_for=data["scheduled_for"],
                follows=data["follows"],
            )
            messages.success(request, _("The draft has been saved."))
            return redirect("messaging_staff:detail", pk=message.pk)
    return render(request, "messaging/staff/edit.html", {"form": form, "message": message})


@require_POST
@login_required
def message_submit(request, pk):
    message = get_message_for(request.user, C.COMPOSE_MESSAGES, pk, every=True)
    form = SubmitForm(request.POST)
    errors = []
    if form.is_valid():
        justification = form.cleaned_data["justification"]
        try:
            if not form.cleaned_data["confirmed"]:
                # First say whom it reaches, per BIN and channel, and whether it is split.
                parts = compose.sending_parts(message, request.user, justification=justification)
                return render(
                    request,
                    "messaging/staff/confirm.html",
                    {"message": message, "parts": parts, "justification": justification},
                )
            sent = compose.submit_message(message, request.user, justification=justification)
        except compose.Blocked as blocked:
            errors = blocked.messages
        else:
            if len(sent) > 1:
                text = _(
                    "The message goes out as %(count)s separate messages; each is listed below."
                ) % {"count": len(sent)}
            else:
                text = _("The message is on its way: %(state)s.") % {
                    "state": sent[0].get_state_display()
                }
            messages.success(request, text)
            return redirect("messaging_staff:detail", pk=sent[0].pk)
    return _detail(request, message, action_errors=errors, submit_form=form)


@require_POST
@login_required
def message_approve(request, pk):
    message = get_message_for(request.user, C.APPROVE_MESSAGES, pk, every=True)
    try:
        compose.approve_message(message, request.user)
    except compose.Blocked as blocked:
        return _detail(request, message, action_errors=blocked.messages)
    messages.success(request, _("The message is approved."))
    return redirect("messaging_staff:detail", pk=message.pk)


@require_POST
@login_required
def message_reject(request, pk):
    message = get_message_for(request.user, C.APPROVE_MESSAGES, pk, every=True)
    form = ReasonForm(request.POST, prefix="reject")
    if not form.is_valid():
        return _detail(request, message, reject_form=form)
    try:
        compose.reject_message(message, request.user, reason=form.cleaned_data["reason"])
    except compose.Blocked as blocked:
        return _detail(request, message, action_errors=blocked.messages, reject_form=form)
    messages.success(request, _("The message is sent back to its author."))
    return redirect("messaging_staff:detail", pk=message.pk)


@require_POST
@login_required
def message_forward(request, pk):
    message = get_message_for(request.user, C.FORWARD_POLICE_MESSAGES, pk, every=True)
    form = ForwardForm(request.POST)
    if not form.is_valid():
        return _detail(request, message, forward_form=form)
    try:
        compose.forward_message(message, request.user, note=form.cleaned_data["note"])
    except compose.Blocked as blocked:
        return _detail(request, message, action_errors=blocked.messages, forward_form=form)
    messages.success(request, _("The message is forwarded to the members."))
    return redirect("messaging_staff:detail", pk=message.pk)


@require_POST
@login_required
def message_send_overdue(request, pk):
    """The officer sends a police message the coordinators did not forward in time, where the
    communication plan allows it (nabuur.messaging.escalation)."""
    message = get_message_for(request.user, C.APPROVE_MESSAGES, pk, every=True)
    try:
        escalation.send_overdue(message, request.user)
    except compose.Blocked as blocked:
        return _detail(request, message, action_errors=blocked.messages)
    messages.success(request, _("The message is sent to the members."))
    return redirect("messaging_staff:detail", pk=message.pk)


@require_POST
@login_required
def message_decline(request, pk):
    message = get_message_for(request.user, C.FORWARD_POLICE_MESSAGES, pk, every=True)
    form = ReasonForm(request.POST, prefix="decline", required=False)
    if not form.is_valid():
        return _detail(request, message, decline_form=form)
    try:
        compose.decline_message(message, request.user, reason=form.cleaned_data["reason"])
    except compose.Blocked as blocked:
        return _detail(request, message, action_errors=blocked.messages, decline_form=form)
    messages.success(request, _("The message will not go to the members."))
    return redirect("messaging_staff:detail", pk=message.pk)


@require_POST
@login_required
def message_cancel(request, pk):
    message = get_message_for(request.user, C.COMPOSE_MESSAGES, pk)
    try:
        compose.cancel_message(message, request.user)
    except compose.Blocked as blocked:
        return _detail(request, message, action_errors=blocked.messages)
    messages.success(request, _("The message is cancelled."))
    return redirect("messaging_staff:detail", pk=message.pk)


@require_POST
@login_required
def message_test(request, pk):
    message = get_message_for(request.user, C.VIEW_FIGURES, pk)
    try:
        compose.send_test_to_self(message, request.user)
    except compose.Blocked as blocked:
        return _detail(request, message, action_errors=blocked.messages)
    messages.success(
        request, _("A test e-mail is on its way to %(email)s.") % {"email": request.user.email}
    )
    return redirect("messaging_staff:detail", pk=message.pk)


@login_required
def message_letters(request, pk):
    # Scope first, so that a message outside it answers 404 before any password prompt.
    message = get_message_for(request.user, C.VIEW_MEMBERS, pk)
    return _letters_after_reauthentication(request, message)


@require_recent_login
def _letters_after_reauthentication(request, message):
    networks = compose.rights(request.user, list(message.targets.all())).letter_networks
    pdf = letters.letters_pdf(message, request.user, networks)
    if pdf is None:
        messages.info(request, _("Every member of these BINs has an e-mail address: no letters."))
        return redirect("messaging_staff:detail", pk=message.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="message-{message.pk}-letters.pdf"'
    return response


@login_required
def plan(request, slug):
    """A BIN's communication plan: the current version, its history, and a new version."""
    network = get_network_for(request.user, C.VIEW_NETWORKS, slug)
    editable = may_edit_plan(request.user, network)
    current = current_plan(network)
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        initial=PlanForm.initial_for(current),
    )
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            new = save_plan(
                network,
                request.user,
                police_direct_to_members=data["police_direct_to_members"],
                coordinator_needs_approval=data["coordinator_needs_approval"],
                officer_sends_overdue=data["officer_sends_overdue"],
                allowed_kinds=form.allowed_kinds(),
            )
            messages.success(
                request, _("Version %(version)s of the plan is saved.") % {"version": new.version}
            )
            return redirect("messaging_staff:plan", slug=network.slug)
    history = CommunicationPlan.objects.filter(network=network).select_related("created_by")
    return render(
        request,
        "messaging/staff/plan.html",
        {
            "network": network,
            "plan": current,
            "history": history,
            "form": form,
            "editable": editable,
            "kinds": dict(MessageKind.choices),
            "police_kinds": current.kinds_for(AuthorSide.POLICE),
            "coordinator_kinds": current.kinds_for(AuthorSide.COORDINATOR),
        },
    )
