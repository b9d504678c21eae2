"""Where every app says what it holds about a person, for export and erasure (GDPR art. 15–17).

An app registers each model that holds personal data in its `personal_data.py`:

    register("members.Consent", export=export_consents, erase=erase_consents)

`export(user, zone=None)` returns a list of plain dicts (JSON-safe values); `erase(user,
zone=None)` deletes the rows or anonymises what must stay for figures. With a zone, both reach
only the rows held for that zone: each zone is the data controller of what it holds, so a
person's erasure in one zone leaves their membership of another alone. None means every zone.
A model without personal data is declared with `no_personal_data(label, reason)`;
tests/test_privacy_registry.py fails for a model that is neither.

Rows that must stay for a zone's figures (memberships, deliveries, signatures) keep pointing at
a person row that names no one. On a whole erasure that is the person's own row, anonymised
last (e-mail empty, names "—", no phone, inactive, no password). On a zone's erasure the
person's row still serves the other zones, so after every eraser has run each entry's
`hand_over(user, zone, stand_in)` moves the zone's kept rows to a stand-in row, made as
anonymous for that zone: the zone's figures still count one person, and nothing leads from
them to the person any more.

What the install holds for every zone at once (the person row, the login address, the second
factors, login links) is registered with `install_wide=True` and erased only when no zone holds
anything of the person any more; an app says what keeps a person in a zone with
`keeps_person(fn)`.
"""

from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

ERASED_NAME = "—"


@dataclass(frozen=True)
class Entry:
    label: str
    export: object
    erase: object
    install_wide: bool = False
    hand_over: object = None


_entries: dict[str, Entry] = {}
_without_personal_data: dict[str, str] = {}
_keepers: list = []
_zone_rows: dict = {}


def register(model_label, *, export, erase, install_wide=False, hand_over=None):
    """Declare that `model_label` ("app_label.Model") holds personal data, and how to handle it.

    `install_wide` models hold what serves every zone at once: their `erase` runs only once
    no zone holds the person any more (with zone None). `hand_over(user, zone, stand_in)`
    moves the rows that stay in `zone` to `stand_in()` (see `move_rows`)."""
    _entries[model_label] = Entry(model_label, export, erase, install_wide, hand_over)


def no_personal_data(model_label, reason):
    """Declare that `model_label` holds nothing about a person, and say why."""
    _without_personal_data[model_label] = reason


def keeps_person(function):
    """Declare what keeps a person in a zone: `function(user, zone)` returns True if some zone
    other than `zone` (any zone when None) still holds them (a current membership, a role)."""
    _keepers.append(function)
    return function


def rows_of(model, user_field, fields, zone_field=None):
    """A simple exporter: the listed `fields` of `model`'s rows whose `user_field` is the
    person, oldest first, dates and times as ISO text; with a zone, only the rows whose
    `zone_field` (a lookup to the zone) is that zone."""

    def export(user, zone=None):
        rows = model.objects.filter(**{user_field: user})
        if zone is not None and zone_field is not None:
            rows = rows.filter(**{zone_field: zone})
        rows = rows.order_by("pk").values(*fields)
        return [{key: _plain(value) for key, value in row.items()} for row in rows]

    return export


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def delete_rows(model, user_field, zone_field=None):
    """A simple eraser: delete `model`'s rows whose `user_field` is the person (with a zone,
    only those whose `zone_field` is that zone)."""

    def erase(user, zone=None):
        rows = model.objects.filter(**{user_field: user})
        if zone is not None and zone_field is not None:
            rows = rows.filter(**{zone_field: zone})
        rows.delete()

    return erase


def in_zone(rows, lookup, zone):
    """`rows` that lie in `zone` through `lookup` (all of them for zone None), filtered by id so
    that a row joined to several BINs (a message) is still one row to update."""
    if zone is None:
        return rows
    return rows.filter(pk__in=rows.model.objects.filter(**{lookup: zone}).values("pk"))


def move_rows(model, zone_field, *user_fields):
    """A simple hand-over: `model`'s rows of the zone (`zone_field`, a lookup to the zone) that
    point at the person through one of `user_fields` point at the stand-in instead."""

    def hand_over(user, zone, stand_in):
        for field in user_fields:
            rows = in_zone(model.objects.filter(**{field: user}), zone_field, zone)
            if rows.exists():
                rows.update(**{field: stand_in()})

    return hand_over


def _new_stand_in():
    return get_user_model().objects.create(
        email=None,
        first_name=ERASED_NAME,
        last_name=ERASED_NAME,
        is_active=False,
        password=make_password(None),
    )


def register_zone_rows(model_label, rows):
    """Declare the rows of `model_label` that a zone itself holds, for the zone's export and
    offboarding: `rows(zone)` returns their queryset. Only for what the zone's BINs, people
    and documents do not lead to: a message, which reaches its BINs through a many-to-many."""
    _zone_rows[model_label] = rows


def zone_rows(zone):
    """{model label: queryset} of every registered kind of a zone's own rows."""
    return {label: rows(zone) for label, rows in sorted(_zone_rows.items())}


def registered():
    return dict(_entries)


def declared_without_personal_data():
    return dict(_without_personal_data)


def _ordered_entries():
    # The user row last: other erasers still find the person's rows through it.
    return sorted(_entries.values(), key=lambda entry: entry.label == "accounts.User")


def export_person(user, zone=None) -> dict:
    """What Nabuur holds about `user` for `zone` (every zone when None), with what the install
    holds for every zone (their account): {model label: [row dicts]}, labels sorted."""
    data = {}
    for entry in sorted(_entries.values(), key=lambda entry: entry.label):
        data[entry.label] = list(entry.export(user, None if entry.install_wide else zone))
    return data


def held_elsewhere(user, zone) -> bool:
    """True if a zone other than `zone` still holds `user` (always False for zone None)."""
    return zone is not None and any(keeper(user, zone) for keeper in _keepers)


def erase_person(user, zone=None) -> bool:
    """Delete or anonymise what `zone` holds about `user` (every zone when None), in one
    transaction; the install-wide rows too once no zone holds the person. Returns True if the
    person row itself was anonymised (nothing of them is left anywhere)."""
    with transaction.atomic():
        for entry in _ordered_entries():
            if not entry.install_wide:
                entry.erase(user, zone)
        if zone is not None:
            # One stand-in for every app's rows of this zone, made only if a row stays.
            stand_in = cache(_new_stand_in)
            for entry in _ordered_entries():
                if entry.hand_over is not None:
                    entry.hand_over(user, zone, stand_in)
        whole = not held_elsewhere(user, zone)
        if whole:
            for entry in _ordered_entries():
                if entry.install_wide:
                    entry.erase(user, None)
    return whole
