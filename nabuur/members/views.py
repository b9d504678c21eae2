"""The resident's pages: join, confirm, login link, and "my data" (/me/)."""

import functools
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.lib.errors import too_many_requests
from nabuur.lib.languages import facility_language, facility_request_ends, regime_languages
from nabuur.lib.text import fold
from nabuur.networks.models import Network
from nabuur.operations.models import RateCounter
from nabuur.staff.audit_labels import about_you
from nabuur.zones.site import host_zone, only_host_zone, site_zone

from . import ratelimit, services, tasks
from .access import get_membership_for_member, own_memberships
from .addresses import locate
from .export import person_zip
from .forms import (
    AddressForm,
    DetailsForm,
    JoinForm,
    LoginForm,
    MessageClassesForm,
    PauseForm,
    QuietHoursForm,
)
from .models import Basis, Measure, MeasureState
from .services import Confirmation
from .services.login_links import LoginLinkRefused, logs_in_by_link

HOUR = 3600


def _too_many(request, scope, key):
    """The site's 429 page, saying how long until the limit of (scope, key) lets go."""
    return too_many_requests(request, retry_after=RateCounter.objects.seconds_left(scope, key))


def _join_context(request):
    """The BIN the visitor came from (?bin=slug), its zone and the languages to offer."""
    network = None
    slug = request.GET.get("bin") or request.POST.get("bin")
    if slug:
        # A BIN of another zone's site is not offered here (one install, several zones).
        network = (
            only_host_zone(Network.objects, "municipality__zone")
            .select_related("municipality__zone", "bin_type")
            .filter(slug=slug)
            .first()
        )
    if network is not None:
        zone = network.municipality.zone
        languages = regime_languages(network.municipality.language_regime)
    else:
        # The zone of the site the visitor is on: its languages and documents.
        zone = site_zone(request)
        languages = zone.public_languages if zone else ("nl",)
    return network, zone, languages


@never_cache
def join(request):
    network, zone, languages = _join_context(request)
    form = JoinForm(request.POST or None, languages=languages)
    if request.method == "POST":
        if form.is_spam:
            # Answer as if it worked, so a robot learns nothing.
            return redirect("members:join_sent")
        # Only a complete form counts against the limit: mistakes must not use it up.
        if form.is_valid():
            ip = ratelimit.client_ip(request)
            if not ratelimit.allow("join-ip", ip, settings.NABUUR_JOIN_LIMIT_PER_IP, HOUR):
                return _too_many(request, "join-ip", ip)
            response = _handle_join(request, form, network, zone)
            if response is not None:
                return response
    documents = services.current_documents(zone) if zone else []
    context = {"form": form, "network": network, "zone": zone, "documents": documents}
    return render(request, "members/join.html", context)


# The demo mailbox (nabuur.mailbox) shows a visitor the e-mails to the address they signed up
# with in this browser: {"email": …, "since": ISO time}. Only in the demo, where no e-mail leaves.
DEMO_MAIL_SESSION_KEY = "demo_mail"


def _sent(request, email, since):
    """The "check your mailbox" page; in the demo, first keep the address the mail goes to."""
    if settings.DEMO:
        request.session[DEMO_MAIL_SESSION_KEY] = {"email": email, "since": since.isoformat()}
    return redirect("members:join_sent")


def _handle_join(request, form, requested_network, zone):
    """Decide the BIN from the address and queue the sign-up; None when the form gets an error.

    What is decided here depends on the address typed, never on the e-mail address: whether
    that person is new, a member already or blocked is for the worker to find out (members.tasks),
    so the answer is the same page, as quick, for everyone.
    """
    # The demo mailbox stamps e-mails with the real time, whatever the clock says.
    started = timezone.now()
    data = form.cleaned_data
    address_key = fold(f"{data['street']} {data['house_number']} {data['box']} {data['postcode']}")
    if not ratelimit.allow(
        "join-address", address_key, settings.NABUUR_JOIN_LIMIT_PER_ADDRESS, 24 * HOUR
    ):
        return _too_many(request, "join-address", address_key)
    location = locate(data["street"], data["house_number"], data["postcode"])
    person = {
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "email": data["email"],
        "phone": data["phone"],
        "basis": data["basis"],
        "enterprise_number": data["enterprise_number"],
    }
    if location.outside_every_bin:
        zone = location.zone or zone
        tasks.request_address_check.enqueue(
            zone.pk,
            [document.pk for document in services.current_documents(zone)],
            {
                "street_name": data["street"],
                "house_number": data["house_number"],
                "box": data["box"],
                "postcode": data["postcode"],
                "language": data.get("language", ""),
                **person,
            },
        )
        return _sent(request, data["email"], started)
    if not location.found:
        form.add_error(
            "street",
            _(
                "We do not find this street with this postcode. Check the spelling of the "
                "street and the postcode."
            ),
        )
        return None
    network = location.networks[0]
    if requested_network is not None and requested_network in location.networks:
        network = requested_network
    if data["basis"] == Basis.BUSINESS and not network.bin_type.for_businesses:
        form.add_error(
            "basis",
            _("%(bin)s is a network for residents: choose “live” or “work”.")
            % {"bin": network.name},
        )
        return None
    languages = regime_languages(network.municipality.language_regime)
    language = data.get("language") if data.get("language") in languages else languages[0]
    tasks.join.enqueue(
        network.pk,
        location.street.pk,
        [document.pk for document in services.current_documents(network.municipality.zone)],
        {
            "house_number": location.house_number,
            "house_number_suffix": location.suffix,
            "box": data["box"],
            "postcode": data["postcode"],
            "language": language,
            **person,
        },
    )
    return _sent(request, data["email"], started)


def join_sent(request):
    return render(request, "members/join_sent.html")


@never_cache
def confirm(request, token):
    if request.method == "POST":
        state, membership = services.confirm_membership(token)
    else:
        state, membership = services.check_confirmation(token)
    context = {"state": state.value, "membership": membership, "token": token}
    status = 404 if state is Confirmation.UNKNOWN else 200
    return render(request, "members/confirm.html", context, status=status)


# --- Login by e-mailed link -------------------------------------------------------------------


@never_cache
def login_request(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        ip = ratelimit.client_ip(request)
        ip_ok = ratelimit.allow("login-ip", ip, settings.NABUUR_JOIN_LIMIT_PER_IP, HOUR)
        email_ok = ratelimit.allow(
            "login-email", email, settings.NABUUR_JOIN_LIMIT_PER_ADDRESS, HOUR
        )
        if not ip_ok:
            return _too_many(request, "login-ip", ip)
        # Past the per-address limit we silently send nothing: the answer stays the same. The
        # worker finds out whether the address is a member's (members.tasks).
        if email_ok:
            # The link leads to the site the person asked on, when they are a member there.
            zone = host_zone()
            tasks.send_login_link.enqueue(email, zone.pk if zone else None)
        return redirect("members:login_sent")
    return render(request, "members/login.html", {"form": form})


def login_sent(request):
    return render(request, "members/login_sent.html")


def _login_link_refused(request):
    """The link's person holds a role: staff log in with their password and second factor."""
    return render(request, "members/login_link.html", {"for_staff": True}, status=403)


@never_cache
def login_link(request, token):
    if request.method == "POST":
        try:
            user = services.use_login_link(token)
        except LoginLinkRefused:
            return _login_link_refused(request)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session["nabuur_login"] = "email_link"
            return redirect("members:me")
        return render(request, "members/login_link.html", {"valid": False}, status=410)
    link = services.valid_login_link(token)
    if link is not None and not logs_in_by_link(link.user):
        return _login_link_refused(request)
    return render(request, "members/login_link.html", {"valid": link is not None, "token": token})


# --- My data ----------------------------------------------------------------------------------


def resident_required(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("members:login")
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def _current_municipalities(user):
    """The municipalities of the person's current memberships, each once."""
    memberships = own_memberships(user).select_related("network__municipality")
    return list({m.network.municipality_id: m.network.municipality for m in memberships}.values())


def _person_languages(municipalities, user):
    """The languages every one of the person's BINs allows, e.g. nl and fr in Brussels."""
    allowed = None
    for regime in {municipality.language_regime for municipality in municipalities}:
        languages = regime_languages(regime)
        allowed = [lang for lang in (allowed or languages) if lang in languages]
    return allowed or [user.language or settings.LANGUAGE_CODE]


# Language names as they read inside a sentence ("en néerlandais", "auf Französisch").
LANGUAGES_IN_A_SENTENCE = {
    "nl": pgettext_lazy("language name inside a sentence", "Dutch"),
    "fr": pgettext_lazy("language name inside a sentence", "French"),
    "de": pgettext_lazy("language name inside a sentence", "German"),
}


def _language_requests(municipalities, user, offered):
    """Where the person may ask for a facility language (one of the `offered` languages):
    whether their request holds and its end (docs/data-sources.md, "A resident's request for
    the facility language")."""
    requests = []
    for municipality in municipalities:
        facility = facility_language(municipality.language_regime)
        if facility not in offered:
            continue
        asked = user.language == facility
        ends = facility_request_ends(user.language_asked_on) if asked else None
        requests.append(
            {
                "municipality": municipality,
                "official": municipality.languages[0],
                "facility": facility,
                "official_name": LANGUAGES_IN_A_SENTENCE[municipality.languages[0]],
                "facility_name": LANGUAGES_IN_A_SENTENCE[facility],
                "holds": asked and clock.today() < ends,
                "last_day": ends - timedelta(days=1) if ends else None,
                "ends": ends,
            }
        )
    return requests


def audit_entries_about(user, limit=50):
    """Audit entries that concern `user`, written by someone else (staff, the system)."""
    if connection.vendor == "postgresql":
        entries = AuditEntry.objects.filter(subjects__contains=[user.pk])
    else:
        table = AuditEntry._meta.db_table
        entries = AuditEntry.objects.filter(
            # SQLite has no JSON "contains" lookup; the table name is ours, the id a parameter.
            pk__in=RawSQL(  # noqa: S611
                f"SELECT e.id FROM {table} e, json_each(e.subjects) s WHERE s.value = %s",  # noqa: S608
                [user.pk],
            )
        )
    # On a zone's own host name, only what happened in that zone.
    zone = host_zone()
    if zone is not None:
        entries = entries.filter(zone_id=zone.pk)
    return list(entries.exclude(actor_id=user.pk).order_by("-seq")[:limit])


@resident_required
def me(request):
    user = request.user
    memberships = list(
        own_memberships(user)
        .select_related("network__municipality", "street")
        .order_by("network__name")
    )
    municipalities = _current_municipalities(user)
    languages = _person_languages(municipalities, user)
    language_requests = _language_requests(municipalities, user, languages)
    language = user.language
    # After a request ended the form shows the official language again: saving one's phone
    # number must not renew a request without the person choosing it.
    for entry in language_requests:
        if entry["ends"] and not entry["holds"]:
            language = entry["official"]
    details_form = DetailsForm(
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "language": language,
        },
        languages=languages,
    )
    measures = (
        Measure.objects.filter(membership__in=own_memberships(user), state=MeasureState.CONFIRMED)
        .select_related("membership__network")
        .order_by("-confirmed_at")
    )
    audit_entries = audit_entries_about(user)
    # In words, never the stored codes (members.view_list, coordinator); several looks on one
    # day read as one sentence.
    audit_sentences = []
    for entry in audit_entries:
        sentence = about_you(entry)
        if not audit_sentences or audit_sentences[-1] != sentence:
            audit_sentences.append(sentence)
    context = {
        "memberships": memberships,
        "details_form": details_form,
        "measures": measures,
        "audit_entries": audit_entries,
        "audit_sentences": audit_sentences,
        "language_requests": language_requests,
    }
    return render(request, "members/me.html", context)


@resident_required
def me_details(request):
    user = request.user
    municipalities = _current_municipalities(user)
    form = DetailsForm(request.POST or None, languages=_person_languages(municipalities, user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        language = data.get("language", user.language)
        with transaction.atomic():
            if "language" in data:
                # Choosing the facility language is the request (renewed by choosing it again);
                # recorded first, so the e-mail that confirms the details is written in it.
                user.record_language_request(
                    language, [m.language_regime for m in municipalities], clock.today()
                )
            services.update_details(
                user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                language=language,
            )
        messages.success(request, _("Your details are saved. We sent you an e-mail about it."))
        return redirect("members:me")
    return render(request, "members/me_details.html", {"form": form})


@resident_required
def me_membership(request, membership_id):
    membership = get_membership_for_member(request.user, membership_id)
    forms = {
        "pause": PauseForm(initial={"paused_until": membership.paused_until}, prefix="pause"),
        "quiet": QuietHoursForm(
            initial={"quiet_from": membership.quiet_from, "quiet_to": membership.quiet_to},
            prefix="quiet",
        ),
        "classes": MessageClassesForm(membership=membership, prefix="classes"),
        "address": AddressForm(
            initial={
                "street": membership.street.name,
                "house_number": f"{membership.house_number}{membership.house_number_suffix}",
                "box": membership.box,
                "postcode": membership.postcode,
            },
            prefix="address",
        ),
    }
    action = request.POST.get("action")
    if request.method == "POST" and action in forms:
        form_class = type(forms[action])
        form = forms[action] = form_class(request.POST, prefix=action)
        if form.is_valid() and _change_membership(request, membership, action, form):
            return redirect("members:membership", membership_id=membership.pk)
    context = {"membership": membership, **{f"{name}_form": f for name, f in forms.items()}}
    return render(request, "members/me_membership.html", context)


def _change_membership(request, membership, action, form):
    data = form.cleaned_data
    if action == "pause":
        services.pause_membership(membership, data["paused_until"])
        if data["paused_until"]:
            messages.success(request, _("Paused. We sent you an e-mail about it."))
        else:
            messages.success(request, _("You receive messages again."))
        return True
    if action == "quiet":
        services.set_quiet_hours(membership, data["quiet_from"], data["quiet_to"])
        messages.success(request, _("Quiet hours saved. We sent you an e-mail about it."))
        return True
    if action == "classes":
        services.set_message_classes(membership, form.choices(), via=services.LEFT_ON_PAGE)
        messages.success(request, _("Your choice of messages is saved."))
        return True
    location = locate(data["street"], data["house_number"], data["postcode"])
    if not location.found and not location.outside_every_bin:
        form.add_error("street", _("We do not find this street with this postcode."))
        return False
    if membership.network not in location.networks:
        form.add_error(
            None,
            _(
                "This address is outside %(bin)s. Leave %(bin)s and join again with your new "
                "address: the address decides the network."
            )
            % {"bin": membership.network.name},
        )
        return False
    services.change_address(
        membership,
        street=location.street,
        house_number=location.house_number,
        house_number_suffix=location.suffix,
        box=data["box"],
        postcode=data["postcode"],
    )
    messages.success(request, _("Your address is saved. We sent you an e-mail about it."))
    return True


@resident_required
def me_leave(request, membership_id):
    membership = get_membership_for_member(request.user, membership_id)
    if request.method == "POST":
        services.leave_membership(membership, via=services.LEFT_ON_PAGE)
        messages.success(
            request,
            _("You left %(bin)s. We sent you an e-mail about it.") % {"bin": membership.network},
        )
        return redirect("members:me")
    return render(request, "members/me_leave.html", {"membership": membership})


@resident_required
def me_export(request):
    # Each zone answers for what it holds: on a zone's own site, that zone's data.
    zone = host_zone()
    response = HttpResponse(person_zip(request.user, zone), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="nabuur-my-data.zip"'
    return response


@resident_required
def me_erase(request):
    # On a zone's own site the person is forgotten by that zone; their account goes with the
    # last zone that holds them. An install without host names serves every zone on one site.
    zone = host_zone()
    if request.method == "POST":
        user = request.user
        logout(request)
        whole = services.erase_account(user, zone)
        return render(request, "members/erased.html", {"zone": zone, "whole": whole})
    return render(request, "members/me_erase.html", {"zone": zone})


@require_POST
def me_logout(request):
    logout(request)
    return redirect("members:login")
