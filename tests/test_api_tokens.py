"""API tokens: a zone administrator creates (shown once, stored hashed), scopes, shares with
another zone and revokes them on a staff page; the dispatch lookup and the statistics answer
only a valid token of the right scope and zone; every step and every use is audited."""

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from nabuur.api import services
from nabuur.api.models import ApiToken, Scope, TokenZone, digest
from nabuur.audit.models import AuditEntry
from nabuur.audit.services import verify_chain
from nabuur.evaluation.models import Evaluation, EvaluationState
from nabuur.networks.models import Side
from nabuur.staff.models import Role

from .factories import (
    MembershipFactory,
    MunicipalityFactory,
    NetworkFactory,
    PostcodeFactory,
    RoleFactory,
    SearchableStreetFactory,
    SegmentFactory,
    ZoneFactory,
)
from .i18n import nl
from .sessions import reauthenticated

pytestmark = pytest.mark.django_db

PAGE = "/nl/staff/api-tokens/pz-test/"
DISPATCH = "/api/v1/dispatch/lookup"


def staff(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return reauthenticated(client, user)


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def kerkstraat(municipality, bin_a):
    """Kerkstraat, Edegem: BIN Centrum covers the even numbers up to 40."""
    PostcodeFactory(code="2650", municipality=municipality)
    street = SearchableStreetFactory(
        municipality=municipality, name_nl="Kerkstraat", postcode="2650", max_house_number=80
    )
    SegmentFactory(network=bin_a, street=street, number_from=1, number_to=40, side=Side.EVEN)
    return street


@pytest.fixture
def officer(bin_a):
    return RoleFactory(
        role=Role.OFFICER, network=bin_a, user__first_name="Inspecteur", user__last_name="Janssens"
    ).user


@pytest.fixture
def dispatch_token(zone, zone_admin):
    return services.create_token(zone_admin, zone, "101 Antwerpen", [Scope.DISPATCH])


@pytest.fixture
def statistics_token(zone, zone_admin):
    return services.create_token(zone_admin, zone, "Website", [Scope.STATISTICS])


# --- The staff page ---------------------------------------------------------------------------


def test_the_zone_admins_dashboard_links_to_the_token_page(client, zone_admin):
    staff(client, zone_admin)
    assert f'href="{PAGE}"' in client.get("/nl/staff/").text


def test_a_zone_admin_creates_a_token_shown_once_and_stored_hashed(client, zone, zone_admin):
    client = staff(client, zone_admin)
    response = client.post(
        PAGE, {"action": "create", "name": "101 Antwerpen", "scopes": ["dispatch"]}
    )

    assert response.status_code == 200
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.startswith("nbr_") and len(secret) > 40
    assert secret in response.text
    assert response["Cache-Control"] == "no-store"
    assert (token.name, token.scopes, token.prefix, token.created_by) == (
        "101 Antwerpen",
        ["dispatch"],
        secret[:12],
        zone_admin,
    )
    assert token.digest == digest(secret) and secret not in token.digest
    assert list(token.zones.all()) == [zone]
    # Shown once: the next visit lists the token without its secret.
    again = client.get(PAGE)
    assert secret not in again.text and token.prefix in again.text
    entry = AuditEntry.objects.get(action="api.token_created")
    assert (entry.actor_id, entry.actor_role, entry.zone_id, entry.details) == (
        zone_admin.pk,
        "zone_admin",
        zone.pk,
        {"token": token.prefix, "name": "101 Antwerpen", "scopes": ["dispatch"]},
    )


def test_a_token_needs_a_name_and_a_scope(client, zone_admin):
    response = staff(client, zone_admin).post(PAGE, {"action": "create", "name": ""})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "scopes"}
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_and_is_audited(client, zone, zone_admin, dispatch_token):
    token, secret = dispatch_token
    response = staff(client, zone_admin).post(f"{PAGE}{token.pk}/revoke/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = AuditEntry.objects.get(action="api.token_revoked")
    assert (entry.actor_id, entry.zone_id) == (zone_admin.pk, zone.pk)
    answer = client.get(DISPATCH, {"postcode": "2650", "street": "x"}, **bearer(secret))
    assert answer.status_code == 401
    assert answer.json() == {"code": "token_revoked", "message": "This API token was revoked."}


def test_another_zone_sees_nor_revokes_the_token(client, dispatch_token):
    other = ZoneFactory(slug="pz-other")
    admin = RoleFactory(role=Role.ZONE_ADMIN, zone=other).user
    token, _ = dispatch_token
    client = staff(client, admin)

    assert token.prefix not in client.get("/nl/staff/api-tokens/pz-other/").text
    assert client.post(f"/nl/staff/api-tokens/pz-other/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_second_zone_admin_adds_their_zone_to_a_token(client, zone, dispatch_token):
    other = ZoneFactory(slug="pz-other", name="Politiezone Andere")
    admin = RoleFactory(role=Role.ZONE_ADMIN, zone=other).user
    token, _ = dispatch_token

    response = staff(client, admin).post(
        "/nl/staff/api-tokens/pz-other/", {"action": "add_zone", "prefix": token.prefix}
    )

    assert response.status_code == 302
    assert set(token.zones.all()) == {zone, other}
    agreement = TokenZone.objects.get(zone=other)
    assert agreement.added_by == admin
    entry = AuditEntry.objects.get(action="api.token_zone_added")
    assert (entry.actor_id, entry.zone_id) == (admin.pk, other.pk)


def test_a_revoked_or_unknown_token_cannot_be_added(client, zone, zone_admin, dispatch_token):
    token, _ = dispatch_token
    services.revoke_token(zone_admin, token, zone)
    other = ZoneFactory(slug="pz-other")
    admin = RoleFactory(role=Role.ZONE_ADMIN, zone=other).user

    response = staff(client, admin).post(
        "/nl/staff/api-tokens/pz-other/", {"action": "add_zone", "prefix": token.prefix}
    )

    assert response.status_code == 200
    assert list(response.context["add_form"].errors) == ["prefix"]
    assert list(token.zones.all()) == [zone]


# --- Token endpoints: who gets in -------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer nbr_wrong"},
        {"HTTP_AUTHORIZATION": "Basic YTpi"},
    ],
)
def test_without_a_valid_token_401(client, headers):
    response = client.get(
        DISPATCH, {"postcode": "2650", "street": "x"}, HTTP_ACCEPT_LANGUAGE="en", **headers
    )

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "code": "unauthorized",
        "message": "This needs a valid API token in the Authorization header (Bearer).",
    }
    # No CORS for token endpoints: tokens belong in servers, not in web pages.
    assert "Access-Control-Allow-Origin" not in response


def test_a_staff_session_is_no_token(client, zone_admin):
    client = staff(client, zone_admin)
    assert client.get(DISPATCH, {"postcode": "2650", "street": "x"}).status_code == 401


def test_a_token_without_the_scope_403(client, statistics_token, kerkstraat):
    _, secret = statistics_token
    response = client.get(DISPATCH, {"postcode": "2650", "street": "Kerkstraat"}, **bearer(secret))

    assert response.status_code == 403
    assert response.json() == {
        "code": "scope_missing",
        "message": "This API token does not allow this request.",
    }


# --- The dispatch lookup ----------------------------------------------------------------------


def test_dispatch_lookup_names_the_bin_its_officer_and_the_zone(
    client, zone, bin_a, kerkstraat, officer, dispatch_token, member_a
):
    token, secret = dispatch_token
    zone.number = "5344"
    zone.save(update_fields=["number"])

    response = client.get(
        DISPATCH, {"postcode": "2650", "street": "Kerkstraat", "number": "12"}, **bearer(secret)
    )

    assert response.status_code == 200
    assert response.json() == {
        "status": "found",
        "bins": [
            {
                "id": bin_a.pk,
                "slug": "centrum",
                "name": "BIN Centrum",
                "status": "active",
                "municipality": {"nis_code": "11013", "names": {"nl": "Edegem"}},
                "officers": ["Inspecteur Janssens"],
            }
        ],
        "zone": {
            "slug": "pz-test",
            "name": "Politiezone Test",
            "number": "5344",
            "phone": "03 000 00 00",
            "non_emergency_number": "101",
            "emergency_number": "112",
        },
    }
    # No member data: not the member's name, nor any e-mail address.
    assert member_a.last_name not in response.text and "@" not in response.text
    token.refresh_from_db()
    assert token.last_used_at is not None
    used = AuditEntry.objects.get(action="api.token_used")
    assert (used.actor_id, used.actor_role, used.zone_id, used.details) == (
        None,
        "api_token",
        zone.pk,
        {"token": token.prefix, "path": DISPATCH, "status": 200},
    )
    assert verify_chain() is None


def test_dispatch_lookup_outside_a_bin(client, kerkstraat, dispatch_token):
    _, secret = dispatch_token
    response = client.get(
        DISPATCH, {"postcode": "2650", "street": "Kerkstraat", "number": "13"}, **bearer(secret)
    )

    assert (response.json()["status"], response.json()["bins"]) == ("no_bin_here", [])
    assert response.json()["zone"]["slug"] == "pz-test"


def test_dispatch_lookup_refuses_a_zone_the_token_does_not_cover(client, zone, dispatch_token):
    other = ZoneFactory(slug="pz-other")
    elsewhere = MunicipalityFactory(nis_code="11002", name_nl="Antwerpen", zone=other)
    PostcodeFactory(code="2000", municipality=elsewhere)
    SearchableStreetFactory(municipality=elsewhere, name_nl="Meir", postcode="2000")
    token, secret = dispatch_token

    response = client.get(
        DISPATCH, {"postcode": "2000", "street": "Meir", "number": "1"}, **bearer(secret)
    )

    assert response.status_code == 403
    assert response.json()["code"] == "zone_not_covered"
    # Once that zone's administrator agrees, the same question is answered.
    services.add_zone(RoleFactory(role=Role.ZONE_ADMIN, zone=other).user, token, other)
    again = client.get(
        DISPATCH, {"postcode": "2000", "street": "Meir", "number": "1"}, **bearer(secret)
    )
    assert (again.status_code, again.json()["zone"]["slug"]) == (200, "pz-other")
    # A token of two zones: each zone's administrators read every use in their log.
    used = AuditEntry.objects.filter(action="api.token_used", details__status=200)
    assert sorted(used.values_list("zone_id", flat=True)) == sorted([zone.pk, other.pk])


def test_the_token_rate_limit(client, settings, kerkstraat, dispatch_token):
    settings.NABUUR_API_TOKEN_LIMIT_PER_MINUTE = 2
    _, secret = dispatch_token
    answers = [
        client.get(DISPATCH, {"postcode": "2650", "street": "Kerkstraat"}, **bearer(secret))
        for _ in range(3)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].json()["code"] == "rate_limited"


# --- Statistics -------------------------------------------------------------------------------


def test_statistics_of_one_bin_counted_live(client, bin_a, statistics_token):
    _, secret = statistics_token
    MembershipFactory(network=bin_a)
    year = datetime.date.today().year

    response = client.get(f"/api/v1/statistics/{year}/centrum", **bearer(secret))

    assert response.status_code == 200
    body = response.json()
    assert (body["bin"], body["year"], body["evaluation"], body["frozen"]) == (
        "centrum",
        year,
        "not_opened",
        False,
    )
    assert (body["period_start"], body["period_end"]) == (f"{year}-01-01", f"{year}-12-31")
    assert body["figures"]["joins"] == 1
    assert body["growth"] == body["figures"]["members_end"] - body["figures"]["members_start"]


def test_statistics_of_a_signed_year_are_the_frozen_figures(client, bin_a, statistics_token):
    _, secret = statistics_token
    year = datetime.date.today().year - 1
    frozen = {"members_start": {"value": 7, "ids": []}, "members_end": {"value": 9, "ids": []}}
    from nabuur.evaluation.figures import FIGURES

    figures = {figure.key: {"value": 1, "ids": []} for figure in FIGURES}
    figures.update(frozen)
    figures["decision_hours"] = {"value": 2.5, "ids": []}
    figures["dwellings"] = {"value": 40, "ids": []}
    figures["households"] = {"value": 9, "ids": []}
    Evaluation.objects.create(
        network=bin_a,
        year=year,
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
        state=EvaluationState.SIGNED,
        figures=figures,
    )
    MembershipFactory(network=bin_a)

    body = client.get(f"/api/v1/statistics/{year}/centrum", **bearer(secret)).json()

    assert (body["evaluation"], body["frozen"], body["decision_hours"]) == ("signed", True, 2.5)
    assert (body["figures"]["members_start"], body["figures"]["members_end"]) == (7, 9)
    assert body["growth"] == 2
    # Frozen with the signature: 9 households of 40 dwellings, whatever the area is today.
    assert body["coverage"] == 22.5


def test_statistics_of_every_bin_of_the_zone(client, bin_a, bin_b, statistics_token):
    _, secret = statistics_token
    MembershipFactory(network=bin_b)
    year = datetime.date.today().year

    body = client.get(f"/api/v1/statistics/{year}", **bearer(secret)).json()

    assert [row["bin"] for row in body["bins"]] == ["centrum", "elsdonk"]
    assert [row["figures"]["joins"] for row in body["bins"]] == [0, 1]
    assert body["bins"][0]["signed"] is False


def test_statistics_of_a_bin_outside_the_token_zones_404(client, statistics_token):
    _, secret = statistics_token
    NetworkFactory(slug="elders", municipality=MunicipalityFactory(zone=ZoneFactory()))
    year = datetime.date.today().year

    response = client.get(f"/api/v1/statistics/{year}/elders", **bearer(secret))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("year", ["1999", "3000", "abc"])
def test_statistics_of_an_impossible_year_400(client, bin_a, statistics_token, year):
    _, secret = statistics_token
    response = client.get(f"/api/v1/statistics/{year}/centrum", **bearer(secret))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"


# --- Every documented answer of the token endpoints -------------------------------------------


def test_every_documented_token_answer_happens_and_matches_its_schema(
    client, settings, zone, zone_admin, bin_a, kerkstraat, officer
):
    document = client.get("/api/v1/openapi.json").json()
    validate(document)
    components = {"components": document["components"]}
    _, both = services.create_token(zone_admin, zone, "Alles", [Scope.DISPATCH, Scope.STATISTICS])
    _, neither = services.create_token(zone_admin, zone, "Niets", [])
    year = datetime.date.today().year
    seen = set()

    def check(path, status, url, secret=None, **params):
        headers = bearer(secret) if secret else {"HTTP_ACCEPT_LANGUAGE": "en"}
        response = client.get(url, params, **headers)
        assert response.status_code == int(status), (path, status, response.content)
        schema = document["paths"][path]["get"]["responses"][status]["content"]["application/json"][
            "schema"
        ]
        Draft202012Validator({**schema, **components}).validate(response.json())
        seen.add((path, status))

    address = {"postcode": "2650", "street": "Kerkstraat", "number": "2"}
    stats, one = "/api/v1/statistics/{year}", "/api/v1/statistics/{year}/{slug}"
    for path, url in [
        (DISPATCH, DISPATCH),
        (stats, f"/api/v1/statistics/{year}"),
        (one, f"/api/v1/statistics/{year}/centrum"),
    ]:
        check(path, "200", url, both, **address)
        check(path, "401", url, None, **address)
        check(path, "403", url, neither, **address)
    check(DISPATCH, "400", DISPATCH, both, postcode="2650")
    check(stats, "400", "/api/v1/statistics/1999", both)
    check(one, "400", "/api/v1/statistics/1999/centrum", both)
    check(one, "404", f"/api/v1/statistics/{year}/nowhere", both)
    settings.NABUUR_API_TOKEN_LIMIT_PER_MINUTE = 1
    for path, url in [
        (DISPATCH, DISPATCH),
        (stats, f"/api/v1/statistics/{year}"),
        (one, f"/api/v1/statistics/{year}/centrum"),
    ]:
        check(path, "429", url, both, **address)

    documented = {
        (path, status)
        for path, item in document["paths"].items()
        for status in item["get"]["responses"]
        if path in {DISPATCH, stats, one}
    }
    assert documented == seen


# --- Taking a zone off a shared token ---------------------------------------------------------


def shared(dispatch_token, zone):
    other = ZoneFactory(slug="pz-other", name="Politiezone Andere")
    admin = RoleFactory(role=Role.ZONE_ADMIN, zone=other).user
    token, secret = dispatch_token
    services.add_zone(admin, token, other)
    return token, secret, other, admin


def test_a_zone_takes_itself_off_a_shared_token_and_the_other_keeps_it(
    client, zone, zone_admin, kerkstraat, dispatch_token
):
    token, secret, other, admin = shared(dispatch_token, zone)
    page = staff(client, admin).get("/nl/staff/api-tokens/pz-other/").text
    assert f"/nl/staff/api-tokens/pz-other/{token.pk}/withdraw/" in page

    response = client.post(f"/nl/staff/api-tokens/pz-other/{token.pk}/withdraw/")

    assert response.status_code == 302
    token.refresh_from_db()
    assert (list(token.zones.all()), token.revoked_at) == ([zone], None)
    # Both zones' logs say so; the token still answers for the zone that kept it.
    entries = AuditEntry.objects.filter(action="api.token_zone_withdrawn")
    assert sorted((e.actor_id, e.zone_id, e.details["zone"]) for e in entries) == sorted(
        [(admin.pk, zone.pk, other.pk), (admin.pk, other.pk, other.pk)]
    )
    answer = client.get(DISPATCH, {"postcode": "2650", "street": "Kerkstraat"}, **bearer(secret))
    assert answer.status_code == 200
    assert token.prefix not in client.get("/nl/staff/api-tokens/pz-other/").text
    assert verify_chain() is None


def test_the_only_zone_of_a_token_is_told_to_revoke_it(client, zone, zone_admin, dispatch_token):
    token, _ = dispatch_token
    client = staff(client, zone_admin)
    assert f"{PAGE}{token.pk}/withdraw/" not in client.get(PAGE).text

    response = client.post(f"{PAGE}{token.pk}/withdraw/", follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        nl("The token reads only your zone: revoke it to stop it.")
    ]
    token.refresh_from_db()
    assert (list(token.zones.all()), token.revoked_at) == ([zone], None)
    assert not AuditEntry.objects.filter(action="api.token_zone_withdrawn").exists()


def test_a_zone_the_token_does_not_read_cannot_take_itself_off(client, zone, dispatch_token):
    token, _, other, _ = shared(dispatch_token, zone)
    third = ZoneFactory(slug="pz-third")
    admin = RoleFactory(role=Role.ZONE_ADMIN, zone=third).user

    response = staff(client, admin).post(f"/nl/staff/api-tokens/pz-third/{token.pk}/withdraw/")

    assert response.status_code == 404
    assert set(token.zones.all()) == {zone, other}
