"""The API's documentation page, and the zone administrator's page for API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nabuur.accounts.decorators import confirm_recent_login_to_change
from nabuur.staff.access import get_zone_for
from nabuur.staff.permissions import Capability

from . import services
from .api import api
from .errors import error_body
from .forms import AddZoneForm, RevokeForm, TokenForm
from .models import ApiToken

METHODS = ("get", "post", "put", "patch", "delete")


def docs(request):
    """The OpenAPI document as a plain page: Swagger UI would need a CDN and inline scripts.

    In English, like the document it shows: it is written for the developers of other systems.
    """
    schema = api.get_openapi_schema()
    operations = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                operations.append(
                    {
                        "method": method.upper(),
                        "path": path,
                        "id": operation["operationId"],
                        "summary": operation.get("summary", ""),
                        "description": operation.get("description", ""),
                        "parameters": operation.get("parameters", []),
                        "responses": sorted(operation["responses"].items()),
                        "token": bool(operation.get("security")),
                    }
                )
    with translation.override("en"):
        return render(
            request,
            "api/docs.html",
            {
                "info": schema["info"],
                "description_paragraphs": [
                    " ".join(part.split()) for part in schema["info"]["description"].split("\n\n")
                ],
                "operations": operations,
            },
        )


def root(request):
    return redirect("api:docs")


def not_found(request, rest=""):
    """Any other address under /api/v1/: a JSON 404 like the API's own."""
    return JsonResponse(error_body(request, "not_found"), status=404)


# --- The zone administrator's tokens ----------------------------------------------------------


def _tokens_of(zone):
    return (
        ApiToken.objects.filter(token_zones__zone=zone)
        .select_related("created_by")
        .prefetch_related("token_zones__zone")
        .order_by("revoked_at", "-created_at")
    )


@login_required
def tokens(request, slug):
    """The zone's API tokens: create one (its secret shown once), add the zone to a token made
    in another zone, revoke one."""
    zone = get_zone_for(request.user, Capability.MANAGE_ZONE, slug)
    confirm_recent_login_to_change(request)
    form = TokenForm(request.POST if request.POST.get("action") == "create" else None)
    add_form = AddZoneForm(request.POST if request.POST.get("action") == "add_zone" else None)
    secret = None
    if form.is_valid():
        token, secret = services.create_token(
            request.user, zone, form.cleaned_data["name"], form.cleaned_data["scopes"]
        )
        form = TokenForm()
    elif add_form.is_valid():
        if services.add_zone(request.user, add_form.token, zone):
            messages.success(request, _("Your zone has been added to the token."))
        else:
            messages.info(request, _("The token already covers your zone."))
        return redirect("api_tokens:list", slug=zone.slug)
    response = render(
        request,
        "api/tokens.html",
        {
            "zone": zone,
            "tokens": _tokens_of(zone),
            "form": form,
            "add_form": add_form,
            "secret": secret,
            "revoke_form": RevokeForm(),
        },
    )
    # The secret is on this page only once: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke(request, slug, pk):
    zone = get_zone_for(request.user, Capability.MANAGE_ZONE, slug)
    token = get_object_or_404(_tokens_of(zone), pk=pk)
    confirm_recent_login_to_change(request)
    if token.revoked_at is None:
        services.revoke_token(request.user, token, zone)
        messages.success(request, _("The token has been revoked and no longer works."))
    return redirect("api_tokens:list", slug=zone.slug)


@login_required
@require_POST
def withdraw(request, slug, pk):
    """Take this zone off a token that other zones share; they keep it."""
    zone = get_zone_for(request.user, Capability.MANAGE_ZONE, slug)
    token = get_object_or_404(_tokens_of(zone), pk=pk)
    confirm_recent_login_to_change(request)
    if token.revoked_at is None:
        if services.withdraw_zone(request.user, token, zone):
            messages.success(
                request,
                _("The token no longer reads your zone. The other zones it reads keep it."),
            )
        else:
            messages.info(request, _("The token reads only your zone: revoke it to stop it."))
    return redirect("api_tokens:list", slug=zone.slug)
