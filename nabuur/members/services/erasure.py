"""Erasure and export per zone: each zone is the data controller, the install's operator its
processor (issue 18).

A person's erasure in one zone reaches only what that zone holds (the privacy registry, with
the zone); their membership of another zone stays, and their account goes with the last zone
that held them. A whole zone can be exported and offboarded. Every erasure is also written to
the erasure register outside the database (`privacy.erasures`), from which `replay_erasures`
applies it again after a restore.
"""

import io
import json
import zipfile
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import serializers
from django.db import transaction
from django.db.models import Q

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.networks.models import BinType, CoordinatorMeasure, Network, Segment
from nabuur.privacy import erasures
from nabuur.privacy.registry import erase_person, export_person, zone_rows
from nabuur.staff.auditing import record
from nabuur.staff.models import RoleAssignment
from nabuur.zones.models import Document, Municipality, Zone

from ..models import AddressRequest, Membership

ZONE = "network__municipality__zone"


def roles_in(zone):
    """A Q() for the roles whose scope (a BIN, a municipality or the zone) lies in `zone`."""
    return Q(network__municipality__zone=zone) | Q(municipality__zone=zone) | Q(zone=zone)


def people_of(zone):
    """The people a zone holds: its members (past ones too) and its staff."""
    member_ids = Membership.objects.filter(**{ZONE: zone}).values("user_id")
    staff_ids = RoleAssignment.objects.filter(roles_in(zone)).values("user_id")
    return get_user_model().objects.filter(Q(pk__in=member_ids) | Q(pk__in=staff_ids))


def erase_in_zone(user, zone, *, actor=None, role=None, via="", register=True):
    """Erase what `zone` holds about `user` (every zone when None), audit it, and register it
    outside the database. Returns True if nothing of the person is left anywhere (their account
    went too). `actor` is who asked: the person, a zone administrator, or None (a command).
    `register=False` only for a replay: the register already holds that erasure."""
    with transaction.atomic():
        email = user.email
        # Before the audit entry's own time: a dump that holds the entry holds the erasure.
        at = clock.now()
        whole = erase_person(user, zone)
        details = {"person": user.pk, "whole": whole}
        if via:
            details["via"] = via
        # The entry names the person by id only, inside its details (the person is erased).
        record(
            actor,
            "privacy.erase_person",
            role=role if role is not None else (None if actor is not None else "system"),
            zone=zone.pk if zone is not None else None,
            details=details,
        )
        # Last, so that a refused write to the register undoes the erasure with it.
        if register:
            erasures.append(erasures.person_line(at, user.pk, email, zone))
    return whole


def export_zone(zone) -> bytes:
    """A ZIP of what `zone` holds: its own rows (Django's JSON serialisation: zone, documents,
    BIN types, BINs and their areas, memberships, roles, address requests, messages), each
    person's data held for the zone (`people.json`, as their own export on the zone's site)
    and the audit entries about the zone (`audit.json`, with their hashes)."""
    networks = Network.objects.filter(municipality__zone=zone)
    own = {
        "zones.Zone": Zone.objects.filter(pk=zone.pk),
        "zones.Municipality": Municipality.objects.filter(zone=zone),
        "zones.Document": Document.objects.filter(zone=zone),
        "networks.BinType": BinType.objects.filter(zone=zone),
        "networks.Network": networks,
        "networks.Segment": Segment.objects.filter(network__in=networks),
        "members.Membership": Membership.objects.filter(**{ZONE: zone}),
        "members.AddressRequest": AddressRequest.objects.filter(zone=zone),
        "staff.RoleAssignment": RoleAssignment.objects.filter(roles_in(zone)),
        **zone_rows(zone),
    }
    people = {
        str(person.pk): export_person(person, zone) for person in people_of(zone).order_by("pk")
    }
    audit = [
        {
            "seq": entry.seq,
            "created_at": entry.created_at.isoformat(),
            "actor_id": entry.actor_id,
            "actor_role": entry.actor_role,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "subjects": entry.subjects,
            "details": entry.details,
            "hash": entry.hash,
        }
        for entry in AuditEntry.objects.filter(zone_id=zone.pk).order_by("seq")
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for label, rows in own.items():
            archive.writestr(f"{label}.json", serializers.serialize("json", rows.order_by("pk")))
        archive.writestr("people.json", json.dumps(people, ensure_ascii=False, indent=2))
        archive.writestr("audit.json", json.dumps(audit, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def offboard_zone(zone, *, actor=None, register=True):
    """End a zone on this install: erase every person's data held for it through the registry
    (people of other zones keep those), then delete the zone's own rows. The streets and
    addresses stay as public reference data, their municipalities without a zone; the audit
    log keeps its entries, so its chain stays verifiable. Returns how many people were erased."""
    with transaction.atomic():
        people = list(people_of(zone).order_by("pk"))
        for person in people:
            erase_in_zone(person, zone, actor=actor, role="system", via="offboard", register=False)
        for rows in zone_rows(zone).values():
            rows.delete()
        networks = Network.objects.filter(municipality__zone=zone)
        Membership.objects.filter(network__in=networks).delete()
        AddressRequest.objects.filter(zone=zone).delete()
        roles = RoleAssignment.objects.filter(roles_in(zone))
        CoordinatorMeasure.objects.filter(assignment__in=roles).delete()
        roles.delete()
        # A merged BIN points at the BIN it went into; both go.
        networks.update(merged_into=None)
        networks.delete()
        BinType.objects.filter(zone=zone).delete()
        Document.objects.filter(zone=zone).delete()
        Municipality.objects.filter(zone=zone).update(zone=None)
        record(
            actor,
            "privacy.offboard_zone",
            role="system",
            zone=zone.pk,
            details={"zone": zone.slug, "people": len(people)},
        )
        if register:
            erasures.append(erasures.zone_line(clock.now(), zone))
        zone.delete()
    return len(people)


def replay_erasures(since):
    """Apply again every erasure registered after `since` (see `restored_at`). Returns
    (applied, not found): a person whose id now belongs to someone else, or whose erasure the
    database already holds, is not found."""
    applied, not_found = [], []
    User = get_user_model()
    for line in erasures.read(since):
        if line["kind"] == erasures.ZONE:
            zone = Zone.objects.filter(slug=line["zone"]).first()
            if zone is None:
                not_found.append(line)
            else:
                offboard_zone(zone, register=False)
                applied.append(line)
            continue
        zone = None
        if line["zone"] is not None:
            zone = Zone.objects.filter(slug=line["zone"]).first()
            if zone is None:
                not_found.append(line)
                continue
        person = User.objects.filter(pk=line["person"]).first()
        if person is None or erasures.email_key(person.email) != line["email_key"]:
            not_found.append(line)
            continue
        if zone is not None and not people_of(zone).filter(pk=person.pk).exists():
            # Already applied: the zone holds nothing of the person.
            not_found.append(line)
            continue
        erase_in_zone(person, zone, via="replay", register=False)
        applied.append(line)
    return applied, not_found


# An erasure still being committed while the dump was taken is in the register but not in the
# dump, though older than the dump's newest entry: look back this far. Replaying an erasure the
# dump does hold finds nothing left to erase.
RESTORE_MARGIN = timedelta(minutes=10)


def restored_at():
    """Since when the register must be replayed into the restored database: a little before its
    newest audit entry (every erasure writes one), or None for an empty log (replay all)."""
    newest = AuditEntry.objects.order_by("-seq").values_list("created_at", flat=True).first()
    return newest - RESTORE_MARGIN if newest else None
