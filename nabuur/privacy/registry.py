"""Where every app says what it holds about a person, for export and erasure (GDPR art. 15–17).

An app registers each model that holds personal data in its `personal_data.py`:

    register("members.Consent", export=export_consents, erase=erase_consents)

`export(user)` returns a list of plain dicts (JSON-safe values); `erase(user)` deletes the rows
or anonymises what must stay for figures. A model without personal data is declared with
`no_personal_data(label, reason)`; tests/test_privacy_registry.py fails for a model that is
neither.

Erasure keeps the user row but anonymises it (e-mail empty, names "—", no phone, inactive, no
password): memberships and deliveries keep pointing at it, so member and delivery counts stay
right, while nothing in it identifies the person any more. The user row is erased last.
"""

from dataclasses import dataclass

from django.db import transaction

ERASED_NAME = "—"


@dataclass(frozen=True)
class Entry:
    label: str
    export: object
    erase: object


_entries: dict[str, Entry] = {}
_without_personal_data: dict[str, str] = {}


def register(model_label, *, export, erase):
    """Declare that `model_label` ("app_label.Model") holds personal data, and how to handle it."""
    _entries[model_label] = Entry(model_label, export, erase)


def no_personal_data(model_label, reason):
    """Declare that `model_label` holds nothing about a person, and say why."""
    _without_personal_data[model_label] = reason


def rows_of(model, user_field, fields):
    """A simple exporter: the listed `fields` of `model`'s rows whose `user_field` is the
    person, oldest first, dates and times as ISO text."""

    def export(user):
        rows = model.objects.filter(**{user_field: user}).order_by("pk").values(*fields)
        return [{key: _plain(value) for key, value in row.items()} for row in rows]

    return export


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def delete_rows(model, user_field):
    """A simple eraser: delete `model`'s rows whose `user_field` is the person."""

    def erase(user):
        model.objects.filter(**{user_field: user}).delete()

    return erase


def registered():
    return dict(_entries)


def declared_without_personal_data():
    return dict(_without_personal_data)


def _ordered_entries():
    # The user row last: other erasers still find the person's rows through it.
    return sorted(_entries.values(), key=lambda entry: entry.label == "accounts.User")


def export_person(user) -> dict:
    """Everything Nabuur holds about `user`: {model label: [row dicts]}, labels sorted."""
    data = {}
    for entry in sorted(_entries.values(), key=lambda entry: entry.label):
        data[entry.label] = list(entry.export(user))
    return data


def erase_person(user) -> None:
    """Delete or anonymise everything about `user`, in one transaction."""
    with transaction.atomic():
        for entry in _ordered_entries():
            entry.erase(user)
