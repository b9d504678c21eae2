"""Entries of the permission matrix test (tests/test_permission_matrix.py), one module per app.

The test walks every URL pattern of `nabuur.urls` and requests each named URL as every persona
(anonymous, member of A, coordinator of A, coordinator of B, unscreened coordinator of A,
officer of A, municipality contact, zone administrator). A URL name without an entry fails the
test, naming the module to add it to: `tests/permission_matrix/<namespace>.py` (or the view's
app for URLs without a namespace), a module with an `ENTRIES` dict. Every module of this package
is loaded; just add the file.

An entry, keyed by the URL name as `reverse()` takes it ("members:me", "account_login"):

    "networks:edit": {
        # Who may open the page. One of:
        #   a Capability (nabuur.staff.permissions): expected statuses come from MATRIX;
        #   "public": everyone gets the normal answer;
        #   "own_data": any signed-in person (their own data); anonymous visitors must log in;
        #   "staff": anyone holding an open role, screened or not; others get 403;
        #   "anonymous_only": anonymous visitors get the normal answer, signed-in people
        #       are sent elsewhere (status `signed_in`, default 302).
        "capability": Capability.MANAGE_NETWORKS,
        # The object the page is about, judged by the persona's scope: "bin_a", "bin_b",
        # "municipality", "zone", or None for a page without an object (then: the capability
        # held anywhere → normal answer, else 403).
        "object": "bin_a",
        # URL kwargs: a dict, or a callable taking the test's `Ctx` (see below) and returning one.
        "kwargs": lambda ctx: {"slug": ctx.bin_a.slug},
        # Optional:
        "method": "get",           # or "post" (sent with `data`, default {})
        "data": {},
        "ok": (200,),              # the normal answer(s), e.g. (302,) for a page that redirects
        "login": "account_login",  # where anonymous visitors are sent ("members:login" for
                                   # resident pages)
        "setup": lambda ctx: ...,  # run before the request (e.g. turn on the demo mailbox)
    }

Expected answers, derived from MATRIX and the personas' scopes below (never hand-written):
anonymous → login redirect (unless public); outside the persona's scope → 404; inside the
scope without the capability → 403; with it → `ok`.

`Ctx` gives: `ctx.persona` (fixture name or "anonymous"), `ctx.user` (None when anonymous),
`ctx.bin_a`, `ctx.bin_b`, `ctx.municipality`, `ctx.zone`, `ctx.settings` (pytest-django),
`ctx.fixture(name)` for any other fixture, and `ctx.own_membership()` (a membership of the
current persona in BIN A, or member A's membership for anonymous visitors).
"""

import importlib
import pkgutil

from nabuur.staff.permissions import Kind, Reach

PLACES = ["bin_a", "bin_b", "municipality", "zone"]

# persona → (column of the table, places where the person holds a role (else 404),
#            what each reach covers among PLACES). The test zone keeps the police zone as
#            sole controller, so MUNICIPALITY_IF_CONTROLLER covers nothing.
PERSONAS = {
    "anonymous": (None, set(), {}),
    "member_a": (Kind.MEMBER, set(), {}),
    "coordinator_a": (Kind.COORDINATOR, {"bin_a"}, {Reach.OWN_BINS: {"bin_a"}}),
    "coordinator_b": (Kind.COORDINATOR, {"bin_b"}, {Reach.OWN_BINS: {"bin_b"}}),
    # Screening pending: holds the role (so A is in scope) but no capability.
    "unscreened_coordinator_a": (None, {"bin_a"}, {}),
    "officer_a": (Kind.OFFICER, {"bin_a"}, {Reach.OWN_BINS: {"bin_a"}}),
    "municipality_contact": (
        Kind.MUNICIPALITY_CONTACT,
        {"bin_a", "bin_b", "municipality"},
        {
            Reach.MUNICIPALITY: {"bin_a", "bin_b", "municipality"},
            Reach.MUNICIPALITY_IF_CONTROLLER: set(),
        },
    ),
    "zone_admin": (
        Kind.ZONE_ADMIN,
        set(PLACES),
        {Reach.ZONE: set(PLACES)},
    ),
}


def load_entries():
    """All modules' entries merged: {url name: (module name, entry)}. Duplicates are an error."""
    merged = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        name = info.name
        module = importlib.import_module(f"{__name__}.{name}")
        for url_name, entry in module.ENTRIES.items():
            if url_name in merged:
                raise AssertionError(
                    f"{url_name!r} has entries in both {merged[url_name][0]}.py and {name}.py."
                )
            merged[url_name] = (name, entry)
    return merged
