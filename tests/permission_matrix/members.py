"""Residents' pages: joining and logging in are public; "my data" needs a login link."""

PUBLIC = {"capability": "public", "object": None, "kwargs": {}}
OWN = {"capability": "own_data", "object": None, "kwargs": {}, "login": "members:login"}


def own_membership(ctx):
    return {"membership_id": ctx.own_membership().pk}


ENTRIES = {
    "members:join": PUBLIC,
    "members:join_sent": PUBLIC,
    # An unknown token: the page's normal answer for a link that does not (or no longer) work.
    "members:confirm": {**PUBLIC, "kwargs": {"token": "unknown-token"}, "ok": (404,)},
    "members:login": PUBLIC,
    "members:login_sent": PUBLIC,
    # A GET only shows a button (mail scanners must not spend the link).
    "members:login_link": {**PUBLIC, "kwargs": {"token": "unknown-token"}},
    # POST only; logging out sends everyone to the login page.
    "members:logout": {**PUBLIC, "method": "post", "ok": (302,)},
    "members:me": OWN,
    "members:details": OWN,
    "members:export": OWN,
    "members:erase": OWN,
    "members:membership": {**OWN, "kwargs": own_membership},
    "members:leave": {**OWN, "kwargs": own_membership},
}


# The coordinator's pages (/<lang>/staff/members/<slug>/…), all about BIN A.
def _bin(ctx):
    return {"slug": ctx.bin_a.slug}


def _member_of_a(ctx):
    from tests.factories import MembershipFactory

    return {"slug": ctx.bin_a.slug, "membership_id": MembershipFactory(network=ctx.bin_a).pk}


def _waiting_request_in_a(ctx):
    from nabuur.members.models import MembershipStatus
    from tests.factories import MembershipFactory

    membership = MembershipFactory(network=ctx.bin_a, status=MembershipStatus.PENDING)
    return {"slug": ctx.bin_a.slug, "membership_id": membership.pk}


def _proposed_measure(ctx):
    from nabuur.members.models import Measure, MeasureKind
    from tests.factories import MembershipFactory

    membership = MembershipFactory(network=ctx.bin_a)
    measure = Measure.objects.create(
        membership=membership, kind=MeasureKind.PERMANENT_SUSPENSION, reason="test"
    )
    return {"slug": ctx.bin_a.slug, "membership_id": membership.pk, "measure_id": measure.pk}


def _measure_told_by_letter(ctx):
    from nabuur.members.models import Measure, MeasureKind, MeasureState
    from tests.factories import MembershipFactory

    membership = MembershipFactory(network=ctx.bin_a, user__email=None)
    measure = Measure.objects.create(
        membership=membership,
        kind=MeasureKind.WRITTEN_REPRIMAND,
        reason="test",
        state=MeasureState.CONFIRMED,
        by_letter=True,
    )
    return {"slug": ctx.bin_a.slug, "membership_id": membership.pk, "measure_id": measure.pk}


VIEW_MEMBERS = {"capability": "view_members", "object": "bin_a"}


def _address_request(ctx):
    from nabuur.members.services import request_address_check

    item = request_address_check(
        zone=ctx.zone,
        first_name="Ann",
        last_name="Peeters",
        email="ann.peeters@example.org",
        street_name="Veldstraat",
        house_number="3",
        postcode="2650",
    )
    return {"zone_slug": ctx.zone.slug, "pk": item.pk}


MANAGE_MEMBERS = {"capability": "manage_members", "object": "bin_a"}
MEASURES = {"capability": "member_measures", "object": "bin_a", "method": "post", "ok": (302,)}

STAFF_ENTRIES = {
    "members_staff:list": {**VIEW_MEMBERS, "kwargs": _bin},
    # Sign-ups from outside every BIN: the zone's administrators decide.
    "members_staff:address_requests": {
        "capability": "manage_members",
        "object": "zone",
        "kwargs": lambda ctx: {"zone_slug": ctx.zone.slug},
    },
    "members_staff:address_request": {
        "capability": "manage_members",
        "object": "zone",
        "kwargs": _address_request,
    },
    "members_staff:member": {**VIEW_MEMBERS, "kwargs": _member_of_a},
    # Exporting asks for the password again first: a redirect to allauth's reauthentication.
    "members_staff:export": {
        **VIEW_MEMBERS,
        "kwargs": lambda ctx: {"slug": ctx.bin_a.slug, "file_format": "csv"},
        "ok": (302,),
    },
    "members_staff:add": {**MANAGE_MEMBERS, "kwargs": _bin},
    "members_staff:unsubscribe": {**MANAGE_MEMBERS, "kwargs": _member_of_a},
    # The zone is the data controller: only its administrators erase a person's data.
    "members_staff:erase": {"capability": "manage_zone", "object": "bin_a", "kwargs": _member_of_a},
    "members_staff:approve": {
        **MANAGE_MEMBERS,
        "kwargs": _member_of_a,
        "method": "post",
        "ok": (302,),
    },
    # The GET asks to confirm; the POST that declines is tested in tests/test_member_list.py.
    "members_staff:decline": {**MANAGE_MEMBERS, "kwargs": _waiting_request_in_a},
    "members_staff:take_measure": {**MEASURES, "kwargs": _member_of_a},
    "members_staff:decide_measure": {**MEASURES, "kwargs": _proposed_measure},
    "members_staff:measure_letter": {
        **MEASURES,
        "method": "get",
        "ok": (200,),
        "kwargs": _measure_told_by_letter,
    },
    "members_staff:measure_letter_posted": {**MEASURES, "kwargs": _measure_told_by_letter},
}
ENTRIES = {**ENTRIES, **STAFF_ENTRIES}
