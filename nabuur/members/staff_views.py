"""The coordinator's pages: member list, add by hand, edit, unsubscribe, measures, export.

Mounted at /<lang>/staff/members/<slug>/ so the second factor is required (see
nabuur.accounts.middleware). Every view fetches the BIN through nabuur.staff.access (404 outside
the person's scope, 403 inside it without the capability), then calls a service.
"""

import smtplib
from datetime import timedelta
from html import escape
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, F, Q, Window
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from nabuur.accounts.decorators import require_recent_login
from nabuur.accounts.models import User
from nabuur.lib.dates import short_date
from nabuur.lib.languages import regime_languages
from nabuur.lib.paging import page_number
from nabuur.lib.rows import converted, converters
from nabuur.lib.text import fold
from nabuur.networks.finder import find_networks
from nabuur.staff import waiting
from nabuur.staff.access import get_network_for, get_zone_for
from nabuur.staff.auditing import record_view
from nabuur.staff.permissions import Capability, can, capacity
from nabuur.zones.models import Street
from nabuur.zones.site import use_zone

from . import services
from .addresses import locate
from .counts import SUMS
from .export import member_list_csv, member_list_xlsx
from .forms import (
    AssignAddressForm,
    CloseAddressForm,
    DeclineForm,
    MeasureForm,
    MemberByHandForm,
    MemberEditForm,
    MemberSearchForm,
    ReasonForm,
)
from .models import (
    CURRENT_STATUSES,
    AddressRequest,
    AddressRequestStatus,
    Basis,
    Membership,
    MembershipStatus,
    address_line,
)
from .services import EmailTaken, MembershipExists, PersonBlocked
from .services.coordinator import EmailLocked, email_lock

PAGE_SIZE = 50
MEASURE_FORM_KEY = "members.measure_form"
# The export's columns (export.member_list_rows) …
EXPORT_FIELDS = (
    "status",
    "requested_at",
    "confirmed_at",
    "house_number",
    "house_number_suffix",
    "box",
    "postcode",
    "network_id",
    "user__first_name",
    "user__last_name",
    "user__email",
    "user__phone",
    "street__name_nl",
    "street__name_fr",
    "street__name_de",
)
# … and the list page's, read as plain values: a page of 50 rows builds no model instances.
ROW_FIELDS = (
    "pk",
    "user_id",
    "status",
    "requested_at",
    "confirmed_at",
    "street_id",
    "house_number",
    "house_number_suffix",
    "box",
    "user__first_name",
    "user__last_name",
    "user__email",
)


def staff_page(view):
    return login_required(never_cache(view))


def _get_membership(network, membership_id):
    """A membership of this BIN (any status), or 404: the id of another BIN looks missing."""
    return get_object_or_404(
        Membership.objects.select_related("user", "street", "network__municipality__zone"),
        pk=membership_id,
        network=network,
    )


def _back_to_list(request, network):
    """Where an action on a member returns: the member list as the coordinator left it (search,
    filters, sort, page), carried in `next`, or else the BIN's plain list.

    Only a page of this BIN's list on this site: anything else (another host, a scheme, "//")
    is ignored, so a crafted link cannot send a coordinator elsewhere after an action.
    """
    list_url = reverse("members_staff:list", args=[network.slug])
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith(list_url) else list_url


def _next_query(back, network):
    """The `?next=…` that carries `back` through the member's pages ("" for the plain list)."""
    if back == reverse("members_staff:list", args=[network.slug]):
        return ""
    return "?next=" + quote(back, safe="/")


# The streets where members of the BIN live (names only, in Street's Meta.ordering), for the
# search form, and the BIN's memberships per status (counts.SUMS): every page of the list needs
# both, so they come in one statement, each row marked by what it is (0 a street, 1 a status).
# SQL of our own: Django takes three times longer to build it than the database takes to answer
# (docs/performance.md).
_STREETS_AND_COUNTS = (
    f"SELECT 0 AS kind, id, name_nl, name_fr, name_de, NULL, NULL "  # noqa: S608
    f"FROM {Street._meta.db_table} "
    f"WHERE id IN (SELECT street_id FROM {Membership._meta.db_table} WHERE network_id = %s) "
    f"UNION ALL SELECT 1, NULL, NULL, NULL, NULL, sums.* FROM ({SUMS}) AS sums "
    f"ORDER BY kind, {', '.join(Street._meta.ordering)}"
)
STREET_FIELDS = ("id", "name_nl", "name_fr", "name_de")


def streets_and_counts(network):
    """(the streets where members of `network` live, with only their names; {status:
    memberships of `network`}, statuses without any left out), in one query."""
    streets, counts = [], {}
    with connection.cursor() as cursor:
        cursor.execute(_STREETS_AND_COUNTS, [network.pk, network.pk])
        for kind, *street, status, count in cursor.fetchall():
            if kind == 0:
                streets.append(Street.from_db(connection.alias, STREET_FIELDS, street))
            else:
                counts[status] = count
    return streets, counts


def filtered_members(network, data, streets):
    """(form, queryset) for the list's search, filters and sort; the query stays one query.

    A search word matches the person's folded name or e-mail (Membership.search_text, so 'maes'
    finds 'Maës') or a street of the BIN by any of its names; the `streets` are the ones the
    form lists (streets_and_counts), so matching them costs no query.
    """
    form = MemberSearchForm(data, streets=streets)
    form.is_valid()
    options = getattr(form, "cleaned_data", {})
    members = Membership.objects.filter(network=network)
    status = options.get("status")
    members = (
        members.filter(status=status) if status else members.filter(status__in=CURRENT_STATUSES)
    )
    if options.get("street"):
        members = members.filter(street_id=options["street"])
    street_names = {street.pk: [fold(name) for name in street.names()] for street in streets}
    for word in map(fold, (options.get("q") or "").split()):
        if not word:
            continue  # punctuation alone ("-", "&") folds to nothing and matches everything
        on_street = [pk for pk, names in street_names.items() if any(word in n for n in names)]
        members = members.filter(Q(search_text__contains=word) | Q(street_id__in=on_street))
    sort = options.get("sort") or "name"
    return form, members.order_by(*MemberSearchForm.SORTS[sort])


# The colour of each status's badge (lib/_badge.html); the label always says it in words.
STATUS_BADGES = {
    MembershipStatus.ACTIVE: "success",
    MembershipStatus.PENDING: "warning",
    MembershipStatus.SUSPENDED: "danger",
    MembershipStatus.LEFT: "inactive",
}


def list_rows(values, street_names, list_url):
    """What the member list shows of each membership (dicts of ROW_FIELDS, in order).

    A member's pages lie under the list's URL (members/staff_urls.py), so one reverse() of the
    list serves every row.
    """
    # get_status_display() rebuilds and translates the choices on every call; once per page
    # is enough. The street names come with the search form's streets.
    labels = {status: str(label) for status, label in MembershipStatus.choices}
    by_post = _("letters by post")
    rows = []
    for value in values:
        first, last = value["user__first_name"], value["user__last_name"]
        full_name = f"{first} {last}".strip()
        pending = value["status"] == MembershipStatus.PENDING
        rows.append(
            {
                "pk": value["pk"],
                "url": f"{list_url}{value['pk']}/",
                "user_id": value["user_id"],
                "name": f"{last}, {first}",
                "full_name": full_name,
                "email": value["user__email"] or by_post,
                "address": address_line(
                    street_names[value["street_id"]],
                    value["house_number"],
                    value["house_number_suffix"],
                    value["box"],
                ),
                "status": value["status"],
                "status_label": labels[value["status"]],
                "badge": STATUS_BADGES.get(value["status"], "neutral"),
                # A waiting request's buttons name whom they act on, for screen readers.
                "approve_label": _("Approve %(name)s") % {"name": full_name} if pending else "",
                "decline_label": _("Decline %(name)s") % {"name": full_name} if pending else "",
                "confirmed": value["confirmed_at"] is not None,
                "joined": short_date(localdate(value["requested_at"])),
            }
        )
    return rows


def rows_html(rows, *, next_query, may_manage):
    """The member list's table rows (<tr>) as HTML, every value escaped.

    Written here and not in the template: fifty rows of template variables cost the page
    about 2 ms of Python, more than all of its queries; these f-strings cost it 0.1 ms
    (docs/performance.md). The markup is what the template would write, and the browser tests
    check it like every page (the HTML validator, axe, the keyboard).
    """
    next_query = escape(next_query)
    approve, decline = escape(_("Approve")), escape(_("Decline"))
    unconfirmed = escape(_("e-mail not confirmed yet"))
    html = []
    for row in rows:
        url = escape(row["url"])
        html.append(
            f'<tr><th scope="row"><a href="{url}{next_query}">{escape(row["name"])}</a></th>'
            f"<td>{escape(row['email'])}</td><td>{escape(row['address'])}</td>"
            f'<td><span class="utrecht-status-badge utrecht-status-badge--{row["badge"]}">'
            f"{escape(row['status_label'])}</span></td><td>{escape(row['joined'])}</td>"
        )
        if may_manage:
            html.append("<td>")
            if row["approve_label"]:
                # All approve buttons submit the page's one form (id member-actions), each to
                # its own address: fifty forms would each carry a CSRF field.
                html.append(
                    f'<button type="submit" form="member-actions" formaction="{url}approve/'
                    f'{next_query}" aria-label="{escape(row["approve_label"])}">{approve}</button> '
                    if row["confirmed"]
                    else f"{unconfirmed} "
                )
                html.append(
                    f'<a href="{url}decline/{next_query}" '
                    f'aria-label="{escape(row["decline_label"])}">{decline}</a>'
                )
            html.append("</td>")
        html.append("</tr>\n")
    return mark_safe("".join(html))  # noqa: S308 — every value above is escaped


def member_page(members, number_asked, total=None):
    """One page of `members` as dicts of ROW_FIELDS (a Paginator's Page), whatever the size.

    The page's ids come from an index in the list's order ("members_current_by_name",
    "members_list", …, which carry the search text and street), and only those 50 rows are
    joined to their person, in one query. With a `total` (the status counts already hold it)
    the ids are a subquery of that query. Without one (a search, a street) the subquery also
    counts the matches with COUNT(*) OVER (), since counting a search costs as much as finding
    its page. A page past the end shows the last page, as Paginator.get_page does.
    """
    paginator = Paginator(members, PAGE_SIZE)
    number = page_number(number_asked)
    page_ids = members.values(page_id=F("pk"))
    order_by = members.query.order_by
    rows = None
    if total is None:
        offset = (number - 1) * PAGE_SIZE
        counted = page_ids.annotate(found=Window(Count("*")))[offset : offset + PAGE_SIZE]
        rows = _page_rows(counted, order_by, counted=True)
        total = rows[0]["found"] if rows else (0 if number == 1 else members.count())
    paginator.count = total
    if number > paginator.num_pages:
        number, rows = paginator.num_pages, None
    if rows is None:
        offset = (number - 1) * PAGE_SIZE
        rows = _page_rows(page_ids[offset : offset + PAGE_SIZE], order_by)
    return Page(rows, number, paginator)


def _field(name):
    """The model field of a ROW_FIELDS or MemberSearchForm.SORTS name (without its "-")."""
    if name == "pk":
        return Membership._meta.pk
    if name.startswith("user__"):
        return User._meta.get_field(name.removeprefix("user__"))
    return Membership._meta.get_field(name)


def _column(field_name):
    """The SQL of a ROW_FIELDS or MemberSearchForm.SORTS name ("-" for descending)."""
    field = _field(field_name.lstrip("-"))
    table = "person" if field.model is User else "membership"
    sql = f"{table}.{field.column}"
    return f"{sql} DESC" if field_name.startswith("-") else sql


# A page's rows with their person's name and address (ROW_FIELDS), in SQL of our own: Django
# took twice as long to build this query as the database to answer it. The page's ids come in
# a subquery built by the ORM from the list's search and filters (`page_id`, and `found` when it
# counts the matches).
_PAGE_ROWS = (
    f"SELECT {', '.join(map(_column, ROW_FIELDS))}{{found}} "  # noqa: S608 — our own names
    "FROM ({ids}) page "
    f"JOIN {Membership._meta.db_table} membership ON membership.id = page.page_id "
    f"JOIN {User._meta.db_table} person ON person.id = membership.user_id "
    "ORDER BY {order}"
)


def _page_rows(page_ids, order_by, *, counted=False):
    """Dicts of ROW_FIELDS (and "found", if `counted`) for the memberships of the query
    `page_ids`, in the list's order. The person's columns join only the page's rows, never the
    counting or the ids; and the ids already passed the search and the filters, so the rows
    need only their order again (without the filters a second time the database plans the
    query in half the time)."""
    ids_sql, params = page_ids.query.sql_with_params()
    sql = _PAGE_ROWS.format(
        found=", page.found" if counted else "",
        ids=ids_sql,
        order=", ".join(map(_column, order_by)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        values = cursor.fetchall()
    # As Django's own query gives them (SQLite returns times without their zone).
    found = converters([_field(name) for name in ROW_FIELDS])
    names = (*ROW_FIELDS, "found") if counted else ROW_FIELDS
    return [dict(zip(names, converted(row, found), strict=True)) for row in values]


@staff_page
def member_list(request, slug):
    network = get_network_for(request.user, Capability.VIEW_MEMBERS, slug)
    use_zone(request, network.municipality.zone)
    streets, counts = streets_and_counts(network)
    form, members = filtered_members(network, request.GET, streets)
    options = getattr(form, "cleaned_data", {})
    total = None
    # Without a search or a street the status counts already hold the number of rows.
    if not (options.get("q") or "").split() and not options.get("street"):
        status = options.get("status")
        total = counts.get(status, 0) if status else sum(counts.get(s, 0) for s in CURRENT_STATUSES)
    page = member_page(members, request.GET.get("page"), total)
    list_url = reverse("members_staff:list", args=[network.slug])
    rows = list_rows(page.object_list, form.street_names, list_url)
    record_view(
        request,
        "members.view_list",
        [row["user_id"] for row in rows],
        target=network,
        details={"page": page.number, "memberships": [row["pk"] for row in rows]},
    )
    query = request.GET.copy()
    query.pop("page", None)
    # An action on a row, or on the member's page, comes back to this very page of the list.
    here = request.get_full_path() if request.GET else list_url
    context = {
        "network": network,
        "form": form,
        "page": page,
        "rows": rows,
        "counts": [(label, counts.get(value, 0)) for value, label in MembershipStatus.choices],
        "may_manage": can(request.user, Capability.MANAGE_MEMBERS, network),
        # A request with a confirmed address can be approved from the list.
        "approvable": any(row["approve_label"] and row["confirmed"] for row in rows),
        "query": query.urlencode(),
    }
    context["rows_html"] = rows_html(
        rows, next_query=_next_query(here, network), may_manage=context["may_manage"]
    )
    return render(request, "members/staff/member_list.html", context)


@require_POST
@staff_page
def approve(request, slug, membership_id):
    network = get_network_for(request.user, Capability.MANAGE_MEMBERS, slug)
    membership = _get_membership(network, membership_id)
    if services.approve_membership(request.user, membership):
        messages.success(
            request, _("%(name)s is now a member.") % {"name": membership.user.full_name}
        )
    else:
        messages.info(request, _("This request was already handled."))
    return redirect(_back_to_list(request, network))


@staff_page
def decline(request, slug, membership_id):
    """Decline a waiting request: the GET shows who and asks for a reason, the POST declines."""
    network = get_network_for(request.user, Capability.MANAGE_MEMBERS, slug)
    membership = _get_membership(network, membership_id)
    back = _back_to_list(request, network)
    if membership.status != MembershipStatus.PENDING:
        messages.info(request, _("This request was already handled."))
        return redirect(back)
    form = DeclineForm(
        request.POST if request.method == "POST" else None,
        by_email=bool(membership.user.email),
    )
    if form.is_valid():
        if services.decline_membership(request.user, membership, form.cleaned_data["reason"]):
            messages.success(request, _("The request was declined."))
        else:
            messages.info(request, _("This request was already handled."))
        return redirect(back)
    record_view(request, "members.view_member", [membership.user], target=membership)
    context = {"network": network, "membership": membership, "form": form, "back": back}
    return render(request, "members/staff/decline.html", context)


@staff_page
def add(request, slug):
    network = get_network_for(request.user, Capability.MANAGE_MEMBERS, slug)
    languages = regime_languages(network.municipality.language_regime)
    form = MemberByHandForm(request.POST or None, languages=languages)
    if request.method == "POST" and form.is_valid():
        membership = _add_by_hand(request, form, network, languages)
        if membership is not None:
            messages.success(
                request, _("%(name)s is now a member.") % {"name": membership.user.full_name}
            )
            return redirect("members_staff:member", slug=network.slug, membership_id=membership.pk)
    return render(request, "members/staff/add.html", {"network": network, "form": form})


def _add_by_hand(request, form, network, languages):
    data = form.cleaned_data
    location = locate(data["street"], data["house_number"], data["postcode"])
    if not location.found and not location.outside_every_bin:
        form.add_error("street", _("We do not find this street with this postcode."))
        return None
    if network not in location.networks:
        form.add_error(None, _("This address is outside %(bin)s.") % {"bin": network.name})
        return None
    if data["basis"] == Basis.BUSINESS and not network.bin_type.for_businesses:
        form.add_error("basis", _("%(bin)s is a network for residents.") % {"bin": network.name})
        return None
    language = data.get("language") if data.get("language") in languages else languages[0]
    try:
        return services.add_member_by_hand(
            request.user,
            network,
            street=location.street,
            house_number=location.house_number,
            house_number_suffix=location.suffix,
            box=data["box"],
            postcode=data["postcode"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            basis=data["basis"],
            enterprise_number=data["enterprise_number"],
            language=language,
            channel=data["channel"],
            source_note=data["source_note"],
        )
    except MembershipExists:
        form.add_error("email", _("This person is already a member of this network."))
    except PersonBlocked:
        form.add_error(
            None, _("This person was permanently suspended in this zone and cannot join again.")
        )
    except (OSError, smtplib.SMTPException):
        form.add_error(None, _("We could not send the welcome e-mail just now. Try again later."))
    return None


@staff_page
def member(request, slug, membership_id):
    """One member: details, edit form, measures; a request to join is approved or declined
    here too. Viewing it is recorded in the audit log."""
    network = get_network_for(request.user, Capability.VIEW_MEMBERS, slug)
    membership = _get_membership(network, membership_id)
    user = membership.user
    may_manage = can(request.user, Capability.MANAGE_MEMBERS, network)
    back = _back_to_list(request, network)
    next_query = _next_query(back, network)
    form = MemberEditForm(
        request.POST or None,
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email or "",
            "phone": user.phone,
            "box": membership.box,
        },
        email_lock=email_lock(request.user, user) if may_manage else None,
    )
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                changed = services.edit_member(request.user, membership, **form.cleaned_data)
            except EmailTaken:
                form.add_error("email", _("Another person already uses this e-mail address."))
            except EmailLocked as locked:
                form.add_error("email", str(locked))
            except (OSError, smtplib.SMTPException):
                form.add_error(
                    None,
                    _(
                        "We could not send the e-mail that tells the old address, so nothing was "
                        "changed. Please try again later."
                    ),
                )
            else:
                if changed:
                    messages.success(request, _("The member's details are saved."))
                here = reverse("members_staff:member", args=[slug, membership.pk])
                return redirect(here + next_query)
    else:
        record_view(request, "members.view_member", [user], target=membership)
    # A measure form that came back with errors (see take_measure) is shown once, as typed.
    returned = request.session.pop(MEASURE_FORM_KEY, None)
    if returned and returned["membership"] == membership.pk:
        measure_form = MeasureForm(returned["data"])
    else:
        measure_form = MeasureForm()
    measures = list(
        membership.measures.select_related("proposed_by", "confirmed_by", "letter_posted_by")
    )
    context = {
        "network": network,
        "membership": membership,
        "form": form,
        "measures": measures,
        # "Reminder sent to … on …", "Handed over to … on …" (nabuur.staff.waiting).
        "escalation_trail": waiting.trail(membership) + waiting.trail(*measures),
        # Which side this person takes measures for: a proposal of their own side waits for
        # the other one, so it gets no Confirm button.
        "measure_side": capacity(request.user, network, Capability.MEMBER_MEASURES),
        "measure_form": measure_form,
        "may_manage": may_manage,
        "may_take_measures": can(request.user, Capability.MEMBER_MEASURES, network),
        # The zone is the controller: its administrators erase a person at their request.
        "may_erase": can(request.user, Capability.MANAGE_ZONE, network),
        "is_current": membership.status in CURRENT_STATUSES,
        "is_request": membership.status == MembershipStatus.PENDING,
        "back": back,
        "next_query": next_query,
    }
    return render(request, "members/staff/member.html", context)


@staff_page
def unsubscribe(request, slug, membership_id):
    network = get_network_for(request.user, Capability.MANAGE_MEMBERS, slug)
    membership = _get_membership(network, membership_id)
    back = _back_to_list(request, network)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.unsubscribe_on_request(request.user, membership, form.cleaned_data["reason"]):
            messages.success(
                request,
                _("%(name)s no longer is a member.") % {"name": membership.user.full_name},
            )
        return redirect(back)
    context = {
        "network": network,
        "membership": membership,
        "form": form,
        "next_query": _next_query(back, network),
    }
    return render(request, "members/staff/unsubscribe.html", context)


@staff_page
def erase(request, slug, membership_id):
    """A zone administrator erases what the zone holds about a member, at their request (the
    zone is the controller); the person's other zones keep theirs."""
    network = get_network_for(request.user, Capability.MANAGE_ZONE, slug)
    membership = _get_membership(network, membership_id)
    zone = network.municipality.zone
    if request.method == "POST":
        name = membership.user.full_name
        services.erase_account(membership.user, zone, actor=request.user)
        messages.success(
            request,
            _("The personal data that %(zone)s held about %(name)s are erased.")
            % {"zone": zone.name, "name": name},
        )
        return redirect("members_staff:list", slug=network.slug)
    context = {"network": network, "membership": membership, "zone": zone}
    return render(request, "members/staff/erase.html", context)


@staff_page
def export(request, slug, file_format):
    # The scope check comes first, so that a BIN outside it answers 404 before any login step.
    network = get_network_for(request.user, Capability.VIEW_MEMBERS, slug)
    return _export_after_reauthentication(request, network, file_format)


@require_recent_login
def _export_after_reauthentication(request, network, file_format):
    streets, _counts = streets_and_counts(network)
    _, members = filtered_members(network, request.GET, streets)
    rows = list(members.select_related("user", "street").only(*EXPORT_FIELDS))
    record_view(
        request,
        "members.export_list",
        [row.user_id for row in rows],
        target=network,
        details={"format": file_format, "memberships": [row.pk for row in rows]},
    )
    if file_format == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(member_list_xlsx(rows), content_type=content_type)
    else:
        response = HttpResponse(member_list_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{network.slug}-members.{file_format}"'
    return response


# --- Sign-ups from outside every BIN: the zone's police decide ---------------------------------


def _open_requests(zone):
    return AddressRequest.objects.filter(zone=zone, status=AddressRequestStatus.OPEN)


@staff_page
def address_requests(request, zone_slug):
    """The sign-ups whose address lies outside every BIN, oldest first."""
    zone = get_zone_for(request.user, Capability.MANAGE_MEMBERS, zone_slug)
    waiting = list(_open_requests(zone).order_by("requested_at", "pk"))
    # services.expire_address_requests deletes a request nobody handled after these days.
    keep = timedelta(days=zone.retention_address_requests_days)
    for item in waiting:
        item.deleted_on = item.requested_at + keep
    record_view(
        request,
        "members.address_requests_viewed",
        [],
        target=zone,
        details={"requests": [item.pk for item in waiting]},
    )
    return render(
        request, "members/staff/address_requests.html", {"zone": zone, "waiting": waiting}
    )


@staff_page
def address_request(request, zone_slug, pk):
    """One sign-up from outside every BIN: suggest a BIN, assign it, or close the request."""
    zone = get_zone_for(request.user, Capability.MANAGE_MEMBERS, zone_slug)
    # Another zone's request looks missing; a handled one of this zone says so (a double click).
    item = get_object_or_404(AddressRequest.objects.select_related("zone"), zone=zone, pk=pk)
    if item.status != AddressRequestStatus.OPEN:
        messages.info(request, _("This request was already handled."))
        return redirect("members_staff:address_requests", zone_slug=zone.slug)
    action = request.POST.get("action") if request.method == "POST" else None
    assign_form = AssignAddressForm(
        request.POST if action == "assign" else None,
        zone=zone,
        postcode=item.postcode,
        initial={"house_number": "".join(c for c in item.house_number if c.isdigit())},
    )
    close_form = CloseAddressForm(request.POST if action == "close" else None)
    if action == "assign" and assign_form.is_valid():
        handled = _assign(request, item, assign_form)
    elif action == "close" and close_form.is_valid():
        handled = _close(request, item, close_form)
    else:
        handled = False
    if handled:
        return redirect("members_staff:address_requests", zone_slug=zone.slug)
    found = find_networks(f"{item.street_name} {item.house_number}, {item.postcode}")
    record_view(request, "members.address_request_viewed", [], target=item, place=zone)
    return render(
        request,
        "members/staff/address_request.html",
        {
            "zone": zone,
            "item": item,
            "suggestions": found.networks,
            "assign_form": assign_form,
            "close_form": close_form,
        },
    )


def _assign(request, item, form):
    """Put the request's person in the chosen BIN; False when the form gets an error to show."""
    data = form.cleaned_data
    try:
        membership = services.assign_address_request(
            request.user,
            item,
            network=data["network"],
            street=data["street"],
            house_number=data["house_number"],
            house_number_suffix=data["house_number_suffix"],
        )
    except services.AlreadyHandled:
        messages.error(request, _("Someone else handled this request a moment ago."))
    except MembershipExists:
        form.add_error("network", _("This person is already a member of that BIN."))
        return False
    except (OSError, smtplib.SMTPException):
        form.add_error(
            None, _("We could not send the confirmation e-mail just now. Please try again later.")
        )
        return False
    else:
        if membership is None:
            messages.warning(
                request,
                _("This person was permanently suspended in this zone and cannot join again."),
            )
        else:
            messages.success(
                request,
                _("The person is asked by e-mail to confirm their membership of %(name)s.")
                % {"name": data["network"].name},
            )
    return True


def _close(request, item, form):
    """Close the request and tell the person; False when the form gets an error to show."""
    try:
        services.close_address_request(request.user, item, reason=form.cleaned_data["reason"])
    except services.AlreadyHandled:
        messages.error(request, _("Someone else handled this request a moment ago."))
    except (OSError, smtplib.SMTPException):
        form.add_error(
            None,
            _(
                "We could not send the e-mail to the person just now. The request stays open: "
                "try again later."
            ),
        )
        return False
    else:
        messages.success(request, _("The request is closed and the person told."))
    return True
