"""The pages behind the links of every e-mail, and the member's archive of what they received.

Token pages (/<lang>/u/<token>/…, outside i18n_patterns) open with the secret token of one
Delivery. Anyone the e-mail was forwarded to holds the same link, so they show and change only
what is harmless then: pausing, resuming, choosing which classes of messages arrive, leaving,
answering "Was this useful?". They never show
the member's name, address or e-mail address; for that the member asks for a login link. Every
change is a POST from a button, because mail scanners open every link of an e-mail.

The archive (/<lang>/me/messages/) needs a login, as the rest of "my data" does.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from nabuur.lib.languages import union_languages
from nabuur.members import services as member_services
from nabuur.members.forms import MessageClassesForm, PauseForm
from nabuur.members.models import CURRENT_STATUSES, Membership, MembershipStatus
from nabuur.members.views import resident_required
from nabuur.zones.site import host_zone

from . import services
from .feedback import FeedbackForm, member_networks, save_feedback
from .models import Delivery, DeliveryState, Feedback, Message, MessageVariant

ARCHIVE_PAGE_SIZE = 50
PAUSABLE = (MembershipStatus.ACTIVE, MembershipStatus.PAUSED)
NATIVE_NAMES = dict(settings.LANGUAGES)


def in_host_zone(deliveries):
    """`deliveries` narrowed, on a zone's own host name, to messages of that zone: an e-mail
    link or a received message of another zone is missing there."""
    zone = host_zone()
    if zone is None:
        return deliveries
    return deliveries.filter(message__in=Message.objects.filter(targets__municipality__zone=zone))


# Mail providers POST here without cookies or a CSRF token: the secret token is the proof.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token, lang=None):
    """The one-click unsubscribe endpoint of every e-mail (RFC 8058)."""
    delivery = in_host_zone(Delivery.objects.select_related("message")).filter(token=token).first()
    if delivery is None:
        raise Http404
    language = lang or delivery.language_list[0]
    translation.activate(language)
    request.LANGUAGE_CODE = language
    if request.method == "POST":
        services.unsubscribe(delivery, via=member_services.LEFT_BY_LINK)
        return render(request, "messaging/unsubscribed.html")
    return render(request, "messaging/unsubscribe.html", {"action": request.path})


# --- Token pages ------------------------------------------------------------------------------


@dataclass
class TokenPage:
    delivery: Delivery
    # The message's BINs the person is (or was) a member of.
    networks: list
    language: str
    languages: tuple

    @property
    def zone(self):
        return self.networks[0].municipality.zone if self.networks else None


def get_delivery_for_token(token):
    """The delivery whose secret token this is, or 404 — also once its person row is gone."""
    delivery = (
        in_host_zone(Delivery.objects.select_related("message", "user"))
        .filter(token=token, user__isnull=False)
        .first()
    )
    if delivery is None:
        raise Http404
    return delivery


def _open_token_page(request, name, lang, token):
    """(TokenPage, None), or (None, a redirect) when the BIN's regime does not allow `lang`.

    A member of a Dutch-only BIN gets Dutch whatever the link says; a Brussels member gets
    Dutch or French, as they choose.
    """
    delivery = get_delivery_for_token(token)
    networks = member_networks(delivery)
    allowed = union_languages({network.municipality.language_regime for network in networks})
    allowed = allowed or tuple(delivery.language_list)
    if lang not in allowed:
        language = next((code for code in delivery.language_list if code in allowed), allowed[0])
        url = reverse(name, kwargs={"lang": language, "token": token})
        query = request.META.get("QUERY_STRING", "")
        return None, redirect(f"{url}?{query}" if query else url)
    translation.activate(lang)
    request.LANGUAGE_CODE = lang
    return TokenPage(delivery, networks, lang, allowed), None


def _token_context(request, page, name):
    """What every token page's template needs: the switcher between the allowed languages
    (this same page in each), the police numbers of the BIN's zone, the BINs' names."""
    links = []
    if len(page.languages) > 1:
        query = request.META.get("QUERY_STRING", "")
        for code in page.languages:
            url = reverse(name, kwargs={"lang": code, "token": page.delivery.token})
            links.append(
                {
                    "code": code,
                    "name": NATIVE_NAMES[code],
                    "url": f"{url}?{query}" if query else url,
                    "current": code == page.language,
                }
            )
    zone = page.zone
    return {
        "language_links": links,
        "network_names": ", ".join(network.name for network in page.networks),
        "police_number": zone.non_emergency_number if zone else "101",
        "emergency_number": zone.emergency_number if zone else "112",
        "preferences_url": reverse(
            "messaging:preferences", kwargs={"lang": page.language, "token": page.delivery.token}
        ),
    }


def _variant(message, languages, preferred=None):
    """The message's language version to show: the preferred language if the person reads it,
    else the first of their languages, else any."""
    variants = {variant.language: variant for variant in message.variants.all()}
    order = [preferred, *languages] if preferred in languages else list(languages)
    return next((variants[code] for code in order if code in variants), None) or next(
        iter(variants.values()), None
    )


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request, lang, token):
    page, response = _open_token_page(request, "messaging:preferences", lang, token)
    if response is not None:
        return response
    memberships = list(
        Membership.objects.filter(
            user_id=page.delivery.user_id,
            network__in=page.networks,
            status__in=CURRENT_STATUSES,
        )
        .select_related("network")
        .order_by("network__name", "pk")
    )
    pause_forms = {
        membership.pk: _pause_form(membership)
        for membership in memberships
        if membership.status in PAUSABLE
    }
    class_forms = {
        membership.pk: MessageClassesForm(membership=membership, prefix=f"classes{membership.pk}")
        for membership in memberships
    }
    if request.method == "POST":
        membership = next(
            (m for m in memberships if str(m.pk) == request.POST.get("membership")), None
        )
        if membership is None:
            # Gone already (a second click) or never one of this e-mail's BINs.
            return redirect(request.path)
        action = request.POST.get("action")
        if action == "pause" and membership.pk in pause_forms:
            form = _pause_form(membership, request.POST)
            if form.is_valid():
                until = form.cleaned_data["paused_until"]
                member_services.pause_membership(membership, until)
                if until:
                    messages.success(request, _("Paused. We sent you an e-mail about it."))
                else:
                    messages.success(request, _("You receive messages again."))
                return redirect(request.path)
            pause_forms[membership.pk] = form
        elif action == "classes":
            form = MessageClassesForm(request.POST, prefix=f"classes{membership.pk}")
            if form.is_valid():
                member_services.set_message_classes(
                    membership, form.choices(), via=member_services.LEFT_BY_LINK
                )
                messages.success(request, _("Your choice of messages is saved."))
                return redirect(request.path)
            class_forms[membership.pk] = form
        elif action == "resume" and membership.status == MembershipStatus.PAUSED:
            member_services.pause_membership(membership, None)
            messages.success(request, _("You receive messages again."))
            return redirect(request.path)
        elif action == "leave":
            member_services.leave_membership(membership, via=member_services.LEFT_BY_LINK)
            messages.success(
                request,
                _("You left %(bin)s. We sent you an e-mail about it.")
                % {"bin": membership.network.name},
            )
            return redirect(request.path)
        else:
            return redirect(request.path)
    context = {
        **_token_context(request, page, "messaging:preferences"),
        "memberships": [(m, pause_forms.get(m.pk), class_forms[m.pk]) for m in memberships],
    }
    return render(request, "messaging/preferences.html", context)


def _pause_form(membership, data=None):
    form = PauseForm(data, prefix=f"bin{membership.pk}")
    # One form per BIN on the page: the hint's and error's ids carry the prefix, and so must
    # the field's reference to them.
    field = form["paused_until"]
    described = [f"{field.auto_id}_hint"]
    if data is not None and not form.is_valid():
        described.append(f"{field.auto_id}_error")
    form.fields["paused_until"].widget.attrs["aria-describedby"] = " ".join(described)
    return form


@never_cache
def privacy(request, lang, token):
    """The privacy notice of the zone that sent the e-mail, in the e-mail's language."""
    page, response = _open_token_page(request, "messaging:privacy", lang, token)
    if response is not None:
        return response
    with translation.override(page.language):
        if page.zone is None:
            return redirect("public:privacy")
        return redirect("public:zone_privacy", zone_slug=page.zone.slug)


@never_cache
@require_http_methods(["GET", "POST"])
def useful(request, lang, token):
    """ "Was this useful?": a GET (the e-mail's Yes / No link) only shows the buttons."""
    page, response = _open_token_page(request, "messaging:useful", lang, token)
    if response is not None:
        return response
    delivery = page.delivery
    feedback = Feedback.objects.filter(delivery=delivery).first()
    form = FeedbackForm(request.POST or None)
    saved = urgent = False
    if request.method == "POST" and form.is_valid():
        comment = form.cleaned_data["comment"]
        feedback = save_feedback(delivery, useful=form.cleaned_data["useful"], comment=comment)
        saved = True
        urgent = bool(comment.strip()) and feedback.urgent
        # The comment is saved; the form starts empty again for a change of mind.
        form = FeedbackForm()
    variant = _variant(delivery.message, delivery.language_list, page.language)
    answer = request.GET.get("answer")
    context = {
        **_token_context(request, page, "messaging:useful"),
        "form": form,
        "feedback": feedback,
        "saved": saved,
        "urgent": urgent,
        "subject": variant.subject if variant else "",
        "chosen": answer if answer in ("yes", "no") and not saved else "",
    }
    return render(request, "messaging/useful.html", context)


# --- The member's archive ---------------------------------------------------------------------


def get_delivery_for_member(user, delivery_id):
    """A message the signed-in person received (a sent delivery of theirs), or 404."""
    return get_object_or_404(
        in_host_zone(Delivery.objects.select_related("message")).prefetch_related(
            "message__variants", "message__targets"
        ),
        pk=delivery_id,
        user=user,
        state=DeliveryState.SENT,
    )


def _answer(delivery):
    feedback = getattr(delivery, "feedback", None)
    return feedback.useful if feedback is not None else None


@resident_required
def archive(request):
    deliveries = (
        in_host_zone(Delivery.objects.filter(user=request.user, state=DeliveryState.SENT))
        .select_related("message", "feedback")
        .prefetch_related(
            # The list shows subjects only: leave the bodies in the database.
            Prefetch(
                "message__variants",
                queryset=MessageVariant.objects.only("message_id", "language", "subject"),
            ),
            "message__targets",
        )
        .order_by("-sent_at", "-pk")
    )
    page = Paginator(deliveries, ARCHIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    language = translation.get_language()
    rows = []
    for delivery in page:
        variant = _variant(delivery.message, delivery.language_list, language)
        rows.append(
            {
                "delivery": delivery,
                "subject": variant.subject if variant else "",
                "language": variant.language if variant else "",
                "networks": ", ".join(sorted(n.name for n in delivery.message.targets.all())),
                "useful": _answer(delivery),
            }
        )
    return render(request, "messaging/member/archive.html", {"rows": rows, "page": page})


@resident_required
def archive_message(request, delivery_id):
    delivery = get_delivery_for_member(request.user, delivery_id)
    variants = {variant.language: variant for variant in delivery.message.variants.all()}
    sections, seen = [], set()
    for code in delivery.language_list:
        variant = variants.get(code) or next(iter(variants.values()), None)
        if variant is None or variant.pk in seen:
            continue
        seen.add(variant.pk)
        sections.append(
            {
                "language": variant.language,
                "subject": variant.subject,
                "body_html": mark_safe(variant.body_html),  # noqa: S308 - sanitized on save
            }
        )
    language = translation.get_language()
    link_language = language if language in delivery.language_list else delivery.language_list[0]
    context = {
        "delivery": delivery,
        "sections": sections,
        "title": _variant(delivery.message, delivery.language_list, language),
        "networks": ", ".join(sorted(n.name for n in delivery.message.targets.all())),
        "feedback": getattr(delivery, "feedback", None),
        "useful_url": reverse(
            "messaging:useful", kwargs={"lang": link_language, "token": delivery.token}
        ),
    }
    return render(request, "messaging/member/message.html", context)
