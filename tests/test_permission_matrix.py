"""Every URL of the product × every persona → the answer the permission table implies.

The URLs come from the URL conf (a new URL without an entry fails); the entries from
tests/permission_matrix/<app>.py (format in tests/permission_matrix/__init__.py); the expected
answers from nabuur.staff.permissions.MATRIX and the personas' scopes, never written per persona.
"""

from collections import defaultdict
from urllib.parse import urlparse

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings as django_settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from nabuur.staff.models import Role, ScreeningResult
from nabuur.staff.permissions import MATRIX, Capability

from . import factories
from .permission_matrix import PERSONAS, PLACES, load_entries

# Django's and allauth's own internals that are not pages of the product, or flows this
# installation does not use. Everything else needs an entry.
SKIPPED = {
    # Django: the language switch (a POST that redirects back), not a page.
    "set_language",
    # allauth: e-mail verification; staff e-mail addresses are set by invitation and verified
    # by accepting it.
    "account_email_verification_sent",
    "account_confirm_email",
    "account_inactive",
    # allauth: login and reauthentication by e-mailed code (not enabled), setting a first
    # password (invitations do that).
    "account_confirm_login_code",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "account_set_password",
    # allauth: password reset steps that need a valid key from the e-mail.
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    # allauth: steps inside the passkey flows, reached only from the passkey pages' scripts
    # or with a key id (covered by the browser tests).
    "mfa_reauthenticate_webauthn",
    "mfa_remove_webauthn",
    "mfa_edit_webauthn",
}


def url_names(patterns=None, namespace=()):
    """(full name, view module) of every named URL pattern, walking includes recursively."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join((*namespace, pattern.name)), pattern.callback.__module__


def module_for(name, view_module):
    if ":" in name:
        return name.split(":", 1)[0]
    if view_module.startswith("nabuur."):
        return view_module.split(".")[1]
    return "accounts"  # allauth's unnamespaced pages live under /<lang>/account/


def url_patterns(patterns=None, namespace=(), prefix=""):
    """(route, full name or None) of every URL pattern, named or not, walking includes."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, inner, route)
        else:
            yield route, ":".join((*namespace, pattern.name)) if pattern.name else None


URLS = sorted(dict(url_names()).items())
ENTRIES = load_entries()
CHECKED = [name for name, _ in URLS if name not in SKIPPED and name in ENTRIES]


def test_every_url_has_an_entry():
    missing = [
        f"{name} → add it to tests/permission_matrix/{module_for(name, view)}.py"
        for name, view in URLS
        if name not in SKIPPED and name not in ENTRIES
    ]
    assert not missing, "URLs without a permission matrix entry:\n" + "\n".join(missing)


def test_every_url_has_a_name():
    # A URL without a name can have no entry: this test would never request it.
    unnamed = [route for route, name in url_patterns() if name is None]
    assert unnamed == [], "URLs without a name (give each one for its entry):\n" + "\n".join(
        unnamed
    )


def test_every_url_name_is_unique():
    # Of two URLs with one name, reverse() finds one: the other would never be requested. (One
    # route twice is an override, e.g. Nabuur's account_email page before allauth's: the later
    # one is never reached at all.)
    routes = defaultdict(set)
    for route, name in url_patterns():
        routes[name].add(route)
    shared = {name: found for name, found in routes.items() if name and len(found) > 1}
    assert shared == {}


def test_skipped_urls_exist_and_have_no_entry():
    # A skipped name with an entry is never checked; a skipped name that left stays unnoticed.
    assert SKIPPED - {name for name, _ in URLS} == set()
    assert SKIPPED & set(ENTRIES) == set()


def test_every_entry_names_a_url():
    assert set(ENTRIES) - {name for name, _ in URLS} == set()


def test_every_entry_is_well_formed():
    allowed = {"capability", "object", "kwargs", "method", "data", "ok", "login", "setup"}
    for name, (module, entry) in ENTRIES.items():
        assert set(entry) <= allowed, f"{module}.py {name}: unknown keys"
        capability = entry["capability"]
        assert capability in {"public", "own_data", "staff", "anonymous_only"} or (
            capability in Capability.values
        ), f"{module}.py {name}: unknown capability {capability!r}"
        assert entry.get("object") in {None, *PLACES}, f"{module}.py {name}: unknown object"


def expected_answer(entry, persona):
    """ "ok", "login", "away", 403 or 404: what the persona must get, from MATRIX."""
    capability = entry["capability"]
    kind, area, reaches = PERSONAS[persona]
    anonymous = persona == "anonymous"
    if capability == "public":
        return "ok"
    if capability == "anonymous_only":
        return "ok" if anonymous else "away"
    if anonymous:
        return "login"
    if capability == "own_data":
        return "ok"
    if capability == "staff":
        return "ok" if area else 403
    place = entry.get("object")
    covered = reaches.get(MATRIX[Capability(capability)].get(kind), set())
    if place is None:
        return "ok" if covered else 403
    if place not in area:
        return 404
    return "ok" if place in covered else 403


class Ctx:
    def __init__(self, request, persona, user, settings):
        self._request = request
        self.persona, self.user, self.settings = persona, user, settings
        for place in PLACES:
            setattr(self, place, request.getfixturevalue(place))

    def fixture(self, name):
        return self._request.getfixturevalue(name)

    def own_membership(self):
        user = self.user or self.fixture("member_a")
        membership = user.memberships.order_by("pk").first()
        if membership is None:
            membership = factories.MembershipFactory(user=user, network=self.bin_a)
        return membership


@pytest.fixture
def unscreened_coordinator_a(bin_a):
    """A coordinator of A whose police screening is still pending: sees no member data."""
    return factories.RoleFactory(
        role=Role.COORDINATOR, network=bin_a, screening_result=ScreeningResult.PENDING
    ).user


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Eight personas per request: Argon2 would make this test the slowest of the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


def log_in_as(client, request, persona):
    if persona == "anonymous":
        return None
    user = request.getfixturevalue(persona)
    if user.roles.exists():
        # Staff pages require a second factor; every staff persona has one.
        TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", CHECKED)
def test_answer_follows_the_table(client, request, settings, name, persona):
    module, entry = ENTRIES[name]
    user = log_in_as(client, request, persona)
    ctx = Ctx(request, persona, user, settings)
    if entry.get("setup"):
        entry["setup"](ctx)
    kwargs = entry.get("kwargs") or {}
    if callable(kwargs):
        kwargs = kwargs(ctx)
    with translation.override("nl"):
        url = reverse(name, kwargs=kwargs)
    method = getattr(client, entry.get("method", "get"))
    response = method(url, entry.get("data", {}))

    expected = expected_answer(entry, persona)
    where = f"{name} ({module}.py) as {persona}: expected {expected}, got {response.status_code}"
    if expected == "ok":
        assert response.status_code in entry.get("ok", (200,)), where
    elif expected == "login":
        assert response.status_code == 302, where
        with translation.override("nl"):
            login = resolve_url(entry.get("login", django_settings.LOGIN_URL))
        assert urlparse(response["Location"]).path == login, where + f" → {response['Location']}"
    elif expected == "away":
        assert response.status_code == 302, where
    else:
        assert response.status_code == expected, where
