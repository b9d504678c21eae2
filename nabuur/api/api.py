"""Nabuur's HTTP API, version 1, built with Django Ninja (see docs/api.md).

Public endpoints answer anyone (rate-limited, CORS open, no personal data); token endpoints
answer the systems a zone administrator gave a token. Every answer that is not 200 is
{"code", "message"} (nabuur.api.errors). The rules themselves live in the domain apps: the
lookup is the public finder's answer (networks.finder), the statistics are the evaluation's
figures (evaluation.figures), the officers come from staff.models.partners_of.
"""

import datetime
import json
import logging
import re
from typing import Literal
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import AuthenticationError, Throttled, ValidationError

from nabuur.evaluation import figures, reports
from nabuur.evaluation.models import Evaluation
from nabuur.lib import clock
from nabuur.lib.mail import absolute_url
from nabuur.networks.finder import FinderStatus, find_networks
from nabuur.networks.models import Network, NetworkStatus
from nabuur.staff.models import OFFICER_ROLES, partners_of
from nabuur.zones.addresses import clean
from nabuur.zones.site import base_url, host_zone, only_host_zone, site_zone

from . import services
from .auth import RateLimit, TokenAuth, require_scope
from .errors import ApiError, error_body, request_language
from .models import ApiToken, Scope

logger = logging.getLogger(__name__)

LICENCE_NOTE = (
    "The data are published by the police zone under the licence named in `info.license` and "
    'in each response\'s `Link: <…>; rel="license"` header. Street names come from BeSt '
    "Address (FOD BOSA)."
)
DESCRIPTION = f"""Which neighbourhood information network (BIN) covers an address, the police
zone's public contact details, and, with a token from the zone's administrator, each BIN's
yearly figures and the lookup for the 101 dispatch.

Public endpoints need no token, answer cross-origin GET requests (CORS) and are rate-limited
per client address; token endpoints take `Authorization: Bearer <token>` and are rate-limited
per token. Every answer other than 200 is a JSON object with a stable `code` and a `message`
in the language of the `Accept-Language` header (nl, fr, de or en).

An installation may serve several police zones, each on its own host name: every answer is
about the zone of the host name asked (its BINs, its streets, its contact details), and a
token answers there only when it covers that zone.

Nabuur is no reporting channel: urgent matters go to the police on 112 (or the 112 BE app),
other police matters to 101.

{LICENCE_NOTE}"""

# The url names of the public endpoints: those answer any origin (CORS).
PUBLIC_URL_NAMES = {"lookup", "zone", "bins", "bin", "openapi-json"}


class NabuurAPI(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        return finish_response(request, response)


def finish_response(request, response):
    """The headers every API answer carries, and the token's use in the audit log."""
    response["Link"] = f'<{settings.NABUUR_API_LICENCE_URL}>; rel="license"'
    response["Content-Language"] = request_language(request)
    patch_vary_headers(response, ["Accept-Language"])
    match = request.resolver_match
    if request.method in {"GET", "HEAD"} and match and match.url_name in PUBLIC_URL_NAMES:
        response["Access-Control-Allow-Origin"] = "*"
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        services.record_use(token, request.path, response.status_code)
    return response


api = NabuurAPI(
    title="Nabuur API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    # Ninja's own documentation page loads Swagger UI from a CDN, which the site's CSP forbids:
    # nabuur.api.views.docs renders the same document as a plain page instead.
    docs_url=None,
    throttle=[RateLimit()],
    openapi_extra={
        "info": {
            "license": {
                "name": settings.NABUUR_API_LICENCE,
                "url": settings.NABUUR_API_LICENCE_URL,
            }
        }
    },
)


# --- Errors: always {"code", "message"} -------------------------------------------------------


class Error(Schema):
    code: str = Field(description="A stable code for programs, e.g. `missing_parameter`.")
    message: str = Field(description="The same in words, in the Accept-Language language.")


def error_response(request, status, code, **params):
    return api.create_response(request, error_body(request, code, **params), status=status)


@api.exception_handler(ApiError)
def on_api_error(request, exc):
    return error_response(request, exc.status, exc.code, **exc.params)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    missing = [error for error in exc.errors if error.get("type") == "missing"]
    error = (missing or exc.errors or [{}])[0]
    name = str((error.get("loc") or ["", "?"])[-1])
    return error_response(
        request, 400, "missing_parameter" if missing else "invalid_parameter", name=name
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    response = error_response(request, 401, "unauthorized")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Throttled)
def on_throttled(request, exc):
    response = error_response(request, 429, "rate_limited")
    response["Retry-After"] = str(RateLimit().wait())
    return response


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, "not_found")


@api.exception_handler(Exception)
def on_server_error(request, exc):
    logger.exception("API error on %s", request.path)
    return error_response(request, 500, "server_error")


RATE_LIMITED = {429: Error}
TOKEN_ERRORS = {401: Error, 403: Error, 429: Error}


# --- The public lookup ------------------------------------------------------------------------

LookupStatus = Literal[
    "found", "no_bin_here", "unknown_street", "ambiguous_street", "number_needed"
]
BinStatus = Literal["preparation", "active"]

_POSTCODE = re.compile(r"[1-9]\d{3}")
_NUMBER = re.compile(r"(\d{1,5})([A-Za-z]{0,3})")
_BOX = re.compile(r"[0-9A-Za-z]{1,10}")


class AddressQuery(Schema):
    # No `examples` here: Ninja copies them onto the parameter as a list, which OpenAPI 3.1
    # forbids there (the validator in tests/test_api.py says so).
    postcode: str = Field(description="The four-digit Belgian postcode, e.g. `2650`.")
    street: str = Field(
        description="The street name in any of the municipality's languages; case, accents "
        "and common abbreviations (str., av.) do not matter, e.g. `Kerkstraat`.",
    )
    number: str = Field(
        "",
        description="The house number, a letter may follow (`12A`). Without it the answer is "
        "`number_needed` when BINs cover only part of the street.",
    )
    box: str = Field("", description="The box number; it never changes the answer.")


class MunicipalityOut(Schema):
    nis_code: str = Field(description="The municipality's NIS code.")
    names: dict[str, str] = Field(description="Its name in each language of its regime.")


class BinOut(Schema):
    id: int
    slug: str
    name: str
    status: BinStatus = Field(description="`active`, or `preparation` (sign-ups open already).")
    municipality: MunicipalityOut
    join_urls: dict[str, str] = Field(
        description="The sign-up page in each language the municipality's regime allows."
    )


class LookupOut(Schema):
    status: LookupStatus = Field(
        description="`found`: BINs cover the address; `no_bin_here`: the street exists, no "
        "BIN covers this number; `unknown_street`; `ambiguous_street`: several streets match "
        "(add or correct the postcode); `number_needed`: BINs cover part of the street."
    )
    bins: list[BinOut] = Field(
        description="`found`: the BINs covering the address; `number_needed`: the BINs on the "
        "street; otherwise empty. Only BINs that accept sign-ups."
    )


def _address_text(query: AddressQuery) -> str:
    """The finder's input for the four parameters, or ApiError 400 for a value it cannot use.

    The finder reads free text ("Kerkstraat 12A bus 3, 2650"); giving it exactly that keeps one
    rule for the site and the API. A street name that itself looks like a number and box would
    be read differently: those are refused, not guessed.
    """
    postcode = query.postcode.strip()
    if not _POSTCODE.fullmatch(postcode):
        raise ApiError(400, "invalid_parameter", name="postcode")
    street = clean(query.street.replace(",", " "))
    if not street or len(street) > 100 or not any(ch.isalpha() for ch in street):
        raise ApiError(400, "invalid_parameter", name="street")
    number = query.number.strip()
    if number and not _NUMBER.fullmatch(number):
        raise ApiError(400, "invalid_parameter", name="number")
    box = query.box.strip()
    if box and not _BOX.fullmatch(box):
        raise ApiError(400, "invalid_parameter", name="box")
    if number:
        return f"{street} {number}" + (f" bus {box}" if box else "") + f", {postcode}"
    return f"{street}, {postcode}"


def _find(query: AddressQuery, brief=False):
    result = find_networks(_address_text(query), brief=brief)
    number = _NUMBER.fullmatch(query.number.strip()) if query.number.strip() else None
    understood = (
        result.status.value in LookupStatus.__args__
        and result.parsed.postcode == query.postcode.strip()
        and result.parsed.number == (int(number.group(1)) if number else None)
    )
    if not understood:
        raise ApiError(400, "invalid_parameter", name="street")
    if result.status not in {FinderStatus.FOUND, FinderStatus.NUMBER_NEEDED}:
        result.networks = []
    return result


def _municipality(network):
    municipality = network.municipality
    return {
        "nis_code": municipality.nis_code,
        "names": {
            language: getattr(municipality, f"name_{language}") or municipality.name_nl
            for language in municipality.languages
        },
    }


def _join_urls(network):
    query = urlencode({"bin": network.slug})
    base = base_url(network.municipality.zone)
    return {
        language: f"{absolute_url(language, 'members:join', base=base)}?{query}"
        for language in network.municipality.languages
    }


def _bin(network):
    return {
        "id": network.pk,
        "slug": network.slug,
        "name": network.name,
        "status": network.status,
        "municipality": _municipality(network),
    }


@api.get(
    "/lookup",
    response={200: LookupOut, 400: Error, **RATE_LIMITED},
    url_name="lookup",
    summary="Which BIN covers this address?",
    tags=["public"],
)
def lookup(request, query: Query[AddressQuery]):
    """The same answer as the finder on the public site, for one address."""
    result = _find(query, brief=True)
    return {
        "status": result.status.value,
        "bins": [{**_bin(n), "join_urls": _join_urls(n)} for n in result.networks],
    }


# --- BIN areas: GeoJSON (RFC 7946) -----------------------------------------------------------

Position = list[float]


class PolygonGeometry(Schema):
    type: Literal["Polygon"]
    coordinates: list[list[Position]] = Field(
        description="Linear rings of [longitude, latitude] (WGS84); the first is the outer "
        "boundary, anticlockwise."
    )


class MultiPolygonGeometry(Schema):
    type: Literal["MultiPolygon"]
    coordinates: list[list[list[Position]]]


class BinTypeOut(Schema):
    code: str = Field(description="`bin`, `bin-z`, or a type of the zone's own.")
    name: str = Field(description="Its name in the Accept-Language language.")


class BinProperties(Schema):
    name: str
    status: Literal["active"]
    municipality: MunicipalityOut
    bin_type: BinTypeOut
    url: str = Field(description="The BIN's public page, in the municipality's first language.")
    dwellings: int = Field(description="The addresses (boxes counted) the area covers.")


class BinFeature(Schema):
    type: Literal["Feature"]
    id: str = Field(description="The BIN's slug.")
    geometry: PolygonGeometry | MultiPolygonGeometry | None = Field(
        description="The BIN's area, drawn along its streets; null until its streets have "
        "addresses with a point."
    )
    properties: BinProperties


class BinCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[BinFeature]


def _active_bins():
    # On a zone's own host name, that zone's BINs only (#18).
    networks = only_host_zone(Network.objects, "municipality__zone")
    # Each BIN's zone: its links lead to the zone's own site.
    return networks.filter(
        status=NetworkStatus.ACTIVE, municipality__zone__isnull=False
    ).select_related("municipality__zone", "bin_type")


def _feature(request, network):
    municipality = network.municipality
    with translation.override(municipality.languages[0]):
        page = base_url(municipality.zone) + reverse(
            "public:network", kwargs={"slug": network.slug}
        )
    with translation.override(request_language(request)):
        bin_type_name = network.bin_type.name
    return {
        "type": "Feature",
        "id": network.slug,
        "geometry": json.loads(network.area) if network.area else None,
        "properties": {
            "name": network.name,
            "status": network.status,
            "municipality": _municipality(network),
            "bin_type": {"code": network.bin_type.code, "name": bin_type_name},
            "url": page,
            "dwellings": network.dwellings,
        },
    }


@api.get(
    "/bins/",
    response={200: BinCollection, **RATE_LIMITED},
    url_name="bins",
    summary="Every active BIN and its area, as GeoJSON",
    tags=["public"],
)
def bins(request):
    """An RFC 7946 FeatureCollection: one Feature per active BIN, its area as the geometry
    (WGS84, longitude first), its public data as the properties."""
    networks = _active_bins().order_by("municipality__nis_code", "name", "slug")
    return {"type": "FeatureCollection", "features": [_feature(request, n) for n in networks]}


@api.get(
    "/bins/{slug}/",
    response={200: BinFeature, 404: Error, **RATE_LIMITED},
    url_name="bin",
    summary="One active BIN and its area, as a GeoJSON Feature",
    tags=["public"],
)
def bin_area(request, slug: Path[str]):
    """The Feature of `/bins/` for one BIN; `not_found` for a BIN that is not active."""
    network = _active_bins().filter(slug=slug).first()
    if network is None:
        raise ApiError(404, "not_found")
    return _feature(request, network)


# --- The zone ---------------------------------------------------------------------------------


class ZoneOut(Schema):
    slug: str
    name: str
    number: str = Field(description="The police zone's number, e.g. `5344`.")
    email: str
    phone: str = Field(description="The zone's telephone number (not for emergencies).")
    website: str
    postal_address: str
    non_emergency_number: str = Field(description="The police, when it is not urgent: 101.")
    emergency_number: str = Field(description="Emergencies: 112.")
    languages: list[str] = Field(description="The languages of the zone's public pages.")


def _zone(zone):
    return {
        "slug": zone.slug,
        "name": zone.name,
        "number": zone.number,
        "email": zone.email,
        "phone": zone.phone,
        "website": zone.website,
        "postal_address": zone.postal_address,
        "non_emergency_number": zone.non_emergency_number,
        "emergency_number": zone.emergency_number,
    }


@api.get(
    "/zone/",
    response={200: ZoneOut, 404: Error, **RATE_LIMITED},
    url_name="zone",
    summary="The police zone's public contact details",
    tags=["public"],
)
def zone(request):
    """The contact details and numbers the zone shows on every page of its site."""
    found = site_zone(request)
    if found is None:
        raise ApiError(404, "no_zone")
    return {**_zone(found), "languages": list(found.public_languages)}


# --- Token endpoints: the dispatch lookup ------------------------------------------------------


def _token_zone_ids(token):
    """The zones `token` answers for on this host name: on a zone's own host, that zone only
    (#18), and a 403 when the token does not cover it; elsewhere every zone it covers."""
    zone_ids = {token_zone.zone_id for token_zone in token.token_zones.all()}
    zone = host_zone()
    if zone is not None:
        zone_ids &= {zone.pk}
    if not zone_ids:
        raise ApiError(403, "zone_not_covered")
    return zone_ids


class DispatchBinOut(Schema):
    id: int
    slug: str
    name: str
    status: BinStatus
    municipality: MunicipalityOut
    officers: list[str] = Field(description="The names of its mandated officers today.")


class DispatchZoneOut(Schema):
    slug: str
    name: str
    number: str
    phone: str
    non_emergency_number: str
    emergency_number: str


class DispatchOut(Schema):
    status: LookupStatus
    bins: list[DispatchBinOut]
    zone: DispatchZoneOut | None = Field(
        description="The police zone of the street, when one street was found."
    )


@api.get(
    "/dispatch/lookup",
    response={200: DispatchOut, 400: Error, **TOKEN_ERRORS},
    auth=TokenAuth(),
    url_name="dispatch_lookup",
    summary="Is this address in a BIN, whose officers, which zone? (token: dispatch)",
    tags=["token"],
)
def dispatch_lookup(request, query: Query[AddressQuery]):
    """For the 101 dispatch: the lookup's answer with the BINs' mandated officers (names only)
    and the zone's numbers. No member data. The street must lie in a zone the token covers."""
    token = request.auth
    require_scope(token, Scope.DISPATCH)
    zone_ids = _token_zone_ids(token)
    result = _find(query)
    zone = result.street.municipality.zone if result.street is not None else None
    if zone is not None and zone.pk not in zone_ids:
        raise ApiError(403, "zone_not_covered")
    today = clock.today()
    bins = [
        {
            **_bin(network),
            "officers": [person.full_name for person in partners_of(network, OFFICER_ROLES, today)],
        }
        for network in result.networks
    ]
    zone_out = None
    if zone is not None:
        zone_out = {
            key: value for key, value in _zone(zone).items() if key in DispatchZoneOut.model_fields
        }
    return {"status": result.status.value, "bins": bins, "zone": zone_out}


# --- Token endpoints: statistics --------------------------------------------------------------


class StatisticsOut(Schema):
    bin: str = Field(description="The BIN's slug.")
    name: str
    year: int
    period_start: datetime.date
    period_end: datetime.date
    evaluation: Literal["not_opened", "open", "signing", "signed"]
    frozen: bool = Field(description="True once the evaluation is signed: the figures stay.")
    figures: dict[str, int] = Field(description="The evaluation's counted figures, by key.")
    decision_hours: float | None = Field(
        description="Median hours before coordinators forwarded or declined a police message."
    )
    delivery_rate: float | None
    bounce_rate: float | None
    growth: int
    coverage: float | None = Field(
        description="Member households per 100 dwellings of the BIN's area (addresses from BeSt "
        "Address, boxes counted), frozen with a signed evaluation; null when the area has no "
        "dwelling, or the evaluation was signed before coverage was kept with it."
    )


class OverviewBinOut(Schema):
    bin: str
    name: str
    municipality: str = Field(description="The municipality's NIS code.")
    signed: bool
    figures: dict[str, int]
    growth: int
    delivery_rate: float | None


class OverviewOut(Schema):
    year: int
    bins: list[OverviewBinOut]


def _year(year):
    if not 2000 <= year <= clock.today().year:
        raise ApiError(400, "invalid_parameter", name="year")
    return year


def _token_networks(token):
    return Network.objects.filter(municipality__zone__in=_token_zone_ids(token)).select_related(
        "municipality", "bin_type"
    )


@api.get(
    "/statistics/{year}",
    response={200: OverviewOut, 400: Error, **TOKEN_ERRORS},
    auth=TokenAuth(),
    url_name="statistics",
    summary="The main figures of every BIN of the token's zones (token: statistics)",
    tags=["token"],
)
def statistics(request, year: Path[int]):
    """As the zone overview of the evaluation shows them: frozen where signed, else live."""
    require_scope(request.auth, Scope.STATISTICS)
    networks = list(_token_networks(request.auth).order_by("municipality__nis_code", "name"))
    rows = reports.overview_rows(networks, _year(year))
    return {
        "year": year,
        "bins": [
            {
                "bin": row["network"].slug,
                "name": row["network"].name,
                "municipality": row["network"].municipality.nis_code,
                "signed": bool(row["signed"]),
                "figures": dict(zip(reports.OVERVIEW_COLUMNS, row["values"], strict=True)),
                "growth": row["growth"],
                "delivery_rate": row["delivery_rate"],
            }
            for row in rows
        ],
    }


@api.get(
    "/statistics/{year}/{slug}",
    response={200: StatisticsOut, 400: Error, 404: Error, **TOKEN_ERRORS},
    auth=TokenAuth(),
    url_name="bin_statistics",
    summary="Every figure of one BIN's evaluation year (token: statistics)",
    tags=["token"],
)
def bin_statistics(request, year: Path[int], slug: Path[str]):
    """The figures of the BIN's evaluation of `year`: the frozen ones once signed, else counted
    now; a year whose evaluation was not opened is counted over the calendar year."""
    require_scope(request.auth, Scope.STATISTICS)
    network = _token_networks(request.auth).filter(slug=slug).first()
    if network is None:
        raise ApiError(404, "not_found")
    year = _year(year)
    evaluation = Evaluation.objects.filter(network=network, year=year).first() or Evaluation(
        network=network,
        year=year,
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
    )
    values = figures.figures_of(evaluation)
    return {
        "bin": network.slug,
        "name": network.name,
        "year": year,
        "period_start": evaluation.period_start,
        "period_end": evaluation.period_end,
        "evaluation": evaluation.state if evaluation.pk else "not_opened",
        "frozen": evaluation.figures is not None,
        "figures": {figure.key: values[figure.key]["value"] for figure in figures.FIGURES},
        "decision_hours": values["decision_hours"]["value"],
        **figures.rates(values),
    }
