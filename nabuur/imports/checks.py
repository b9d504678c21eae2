"""Check each row of a member list against the BIN: the street, the area, duplicates, e-mail.

The reference data a check needs (the municipality's streets, the BINs' segments, the current
members) is read once per file, so 20,000 rows cost a handful of queries, not one per row.
"""

import difflib
import re
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from nabuur.accounts.models import normalize_email_address
from nabuur.lib import clock
from nabuur.lib.text import fold
from nabuur.members.models import CURRENT_STATUSES, BlockedPerson, Membership
from nabuur.members.services import address_key, block_hash
from nabuur.networks.finder import OPEN_STATUSES
from nabuur.networks.models import Network, Segment, Side
from nabuur.zones.addresses import expand_street, parse_address
from nabuur.zones.models import Municipality, Street

from .readers import FIELD_LABELS

# '12', '12A', '12 bus 3', '12/3', '12 b 3', '12 bte 2'.
_HOUSE_NUMBER = re.compile(
    r"^(\d{1,5})\s*([a-z]{0,3}?)\s*(?:(?:/|bus|boite|bte|bt|box|b)\s*(\w{1,8}))?$"
)
_POSTCODE = re.compile(r"^[1-9]\d{3}$")
LANGUAGES = {
    "nl": "nl",
    "nederlands": "nl",
    "dutch": "nl",
    "neerlandais": "nl",
    "vlaams": "nl",
    "fr": "fr",
    "frans": "fr",
    "francais": "fr",
    "french": "fr",
    "de": "de",
    "duits": "de",
    "allemand": "de",
    "deutsch": "de",
    "german": "de",
}
SUGGESTIONS = 3


def _person(first_name, last_name, street_id, number, suffix):
    return (fold(first_name), fold(last_name), street_id, number, (suffix or "").upper())


class StreetIndex:
    """The streets of one municipality by folded name, and which open BINs cover which numbers."""

    def __init__(self, municipality_id):
        self.by_name = {}
        self.display = {}
        self.postcodes = {}
        for street_id, postcode, *names in Street.objects.filter(
            municipality_id=municipality_id
        ).values_list("id", "postcode", "name_nl", "name_fr", "name_de"):
            self.postcodes[street_id] = postcode
            for name in names:
                folded = fold(name)
                if folded:
                    self.by_name.setdefault(folded, []).append(street_id)
                    self.display.setdefault(folded, name)
        self.segments = {}
        segments = Segment.objects.filter(
            street__municipality_id=municipality_id, network__status__in=OPEN_STATUSES
        ).values_list("street_id", "network_id", "number_from", "number_to", "side")
        for street_id, *segment in segments:
            self.segments.setdefault(street_id, []).append(segment)
        self._suggestions = {}

    def find(self, key, postcode):
        """(street id, None) or (None, 'unknown' | 'ambiguous' | 'postcode').

        'postcode': streets of that name exist, but none with the row's postcode. A street
        without a postcode of its own takes any.
        """
        ids = list(dict.fromkeys(self.by_name.get(key, [])))
        if not ids:
            return None, "unknown"
        if postcode:
            ids = [pk for pk in ids if self.postcodes[pk] == postcode] or [
                pk for pk in ids if not self.postcodes[pk]
            ]
            if not ids:
                return None, "postcode"
        if len(ids) > 1:
            return None, "ambiguous"
        return ids[0], None

    def postcodes_of(self, key):
        return sorted({self.postcodes[pk] for pk in self.by_name.get(key, [])})

    def covering(self, street_id, number):
        parity = Side.EVEN if number % 2 == 0 else Side.ODD
        return {
            network_id
            for network_id, number_from, number_to, side in self.segments.get(street_id, [])
            if number_from <= number
            and (number_to is None or number <= number_to)
            and side in (Side.BOTH, parity)
        }

    def suggestions(self, key):
        if key not in self._suggestions:
            close = difflib.get_close_matches(key, self.by_name, n=SUGGESTIONS, cutoff=0.7)
            self._suggestions[key] = [self.display[name] for name in close]
        return self._suggestions[key]


class Checker:
    """Checks the rows of one file for one BIN; remembers e-mail addresses across rows."""

    def __init__(self, network):
        self.network = network
        self.municipality = network.municipality
        self.index = StreetIndex(self.municipality.pk)
        self.other_indexes = {}
        self.postcode_municipalities = {}
        self.network_names = {}
        current = Membership.objects.filter(network=network, status__in=CURRENT_STATUSES)
        self.members = {email for email in current.values_list("user__email", flat=True) if email}
        # A person without an e-mail address is known by name and address.
        self.member_people = {
            _person(first, last, street_id, number, suffix)
            for street_id, number, suffix, first, last in current.values_list(
                "street_id",
                "house_number",
                "house_number_suffix",
                "user__first_name",
                "user__last_name",
            )
        }
        zone_id = self.municipality.zone_id
        self.blocked = set(
            BlockedPerson.objects.filter(zone_id=zone_id, expires_at__gt=clock.now()).values_list(
                "value_hash", flat=True
            )
        )
        self.seen_emails = {}
        self.seen_people = {}

    def _network_name(self, network_id):
        if network_id not in self.network_names:
            self.network_names[network_id] = (
                Network.objects.filter(pk=network_id).values_list("name", flat=True).first()
            )
        return self.network_names[network_id]

    def _index_for_postcode(self, postcode):
        """Another municipality's streets, when the postcode points outside the BIN's own."""
        if not postcode:
            return []
        if postcode not in self.postcode_municipalities:
            self.postcode_municipalities[postcode] = list(
                Municipality.objects.filter(postcodes__code=postcode).values_list("id", flat=True)
            )
        indexes = []
        for municipality_id in self.postcode_municipalities[postcode]:
            if municipality_id == self.municipality.pk:
                continue
            if municipality_id not in self.other_indexes:
                self.other_indexes[municipality_id] = StreetIndex(municipality_id)
            indexes.append(self.other_indexes[municipality_id])
        return indexes

    def check(self, source):
        """(data, problems) for one SourceRow: data holds what a membership needs."""
        values = source.values
        problems = list(source.notes)
        data = {name: values.get(name, "") for name in FIELD_LABELS}

        if not data["first_name"] or not data["last_name"]:
            problems.append({"code": "missing_name"})

        # No e-mail address is no problem: the member gets letters by post (they can then be
        # imported only with the consent the coordinator recorded, see services.run_import).
        email = normalize_email_address(data["email"])
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append({"code": "invalid_email", "email": data["email"]})
                email = None
        data["email"] = email or data["email"]

        problems += self._check_address(data)

        if email:
            first = self.seen_emails.setdefault(email, source.number)
            if first != source.number:
                problems.append({"code": "duplicate", "row": first})
            elif email in self.members:
                problems.append({"code": "already_member"})
            elif self.blocked and self._blocked(email, data):
                problems.append({"code": "blocked"})
        elif not data["email"] and data.get("street_id"):
            person = _person(
                data["first_name"],
                data["last_name"],
                data["street_id"],
                data["number"],
                data["suffix"],
            )
            first = self.seen_people.setdefault(person, source.number)
            if first != source.number:
                problems.append({"code": "duplicate_person", "row": first})
            elif person in self.member_people:
                problems.append({"code": "already_member"})
            elif self.blocked and self._blocked(None, data):
                problems.append({"code": "blocked"})

        data["language"] = LANGUAGES.get(fold(data["language"]), "")
        data["phone"] = data["phone"][:32]
        return data, problems

    def _blocked(self, email, data):
        hashes = {block_hash(f"email:{email}")} if email else set()
        if data.get("street_id"):
            street = SimpleNamespace(pk=data["street_id"])
            key = address_key(
                street, data["number"], data["suffix"], data["box_value"], data["postcode_value"]
            )
            hashes.add(block_hash(f"address:{key}"))
        return bool(hashes & self.blocked)

    def _check_address(self, data):
        street_text, number_text = data["street"], data["house_number"]
        postcode = data["postcode"] if _POSTCODE.match(data["postcode"]) else ""
        if data["postcode"] and not postcode:
            return [{"code": "invalid_postcode", "postcode": data["postcode"]}]
        box = data["box"]
        if not street_text:
            return [{"code": "missing_street"}]
        match = _HOUSE_NUMBER.match(fold(number_text)) if number_text else None
        if number_text and not match:
            return [{"code": "invalid_number", "number": number_text}]
        if match:
            key = expand_street(fold(street_text))
            number, suffix, box_in_number = match.groups()
            number, suffix, box = int(number), suffix.upper(), box or (box_in_number or "")
        else:
            # 'Kerkstraat 12 bus 3' in the street column and no number column.
            parsed = parse_address(street_text)
            if parsed.number is None:
                return [{"code": "invalid_number", "number": number_text}]
            key, number, suffix = parsed.street, parsed.number, parsed.letter
            box = box or parsed.box

        street_id, trouble = self.index.find(key, postcode)
        if street_id is None:
            for other in self._index_for_postcode(postcode):
                other_id, _trouble = other.find(key, postcode)
                if other_id is not None:
                    networks = sorted(other.covering(other_id, number))
                    return [self._outside(networks)]
            if trouble == "ambiguous":
                return [{"code": "ambiguous_street", "street": street_text}]
            if trouble == "postcode":
                # Never the street's own postcode in place of the row's: the row may name another
                # street, or the person another address.
                return [
                    {
                        "code": "postcode_mismatch",
                        "street": self.index.display[key],
                        "municipality": self.municipality.name_nl or self.municipality.name_fr,
                        "postcode": postcode,
                        "expected": self.index.postcodes_of(key),
                    }
                ]
            return [
                {
                    "code": "unknown_street",
                    "street": street_text,
                    "municipality": self.municipality.name_nl or self.municipality.name_fr,
                    "suggestions": self.index.suggestions(key),
                }
            ]
        networks = self.index.covering(street_id, number)
        if self.network.pk not in networks:
            return [self._outside(sorted(networks))]
        data.update(
            street_id=street_id,
            number=number,
            suffix=suffix[:8],
            box_value=box.strip()[:16],
            postcode_value=postcode or self.index.postcodes[street_id],
        )
        return []

    def _outside(self, network_ids):
        names = [self._network_name(pk) for pk in network_ids]
        return {"code": "outside_bin", "network": self.network.name, "others": names}


def describe(problem, municipality=None):
    """The coordinator's sentence for one problem, in the active language.

    With the BIN's `municipality`, an unknown street names it in the active language too (a
    Brussels municipality has a Dutch and a French name; the check stored the Dutch one).
    """
    code = problem["code"]
    column = str(FIELD_LABELS.get(problem.get("field"), ""))
    if code == "formula":
        return _(
            "The %(column)s cell holds a formula without a saved value: open the file in your "
            "spreadsheet program and save it again."
        ) % {"column": column}
    if code == "merged":
        return _(
            "The %(column)s cell is part of the merged cells %(range)s; only the first of them "
            "holds a value."
        ) % {"column": column, "range": problem["range"]}
    if code == "missing_name":
        return _("The first name or the last name is missing.")
    if code == "missing_email":
        return _("The e-mail address is missing.")
    if code == "invalid_email":
        return _("“%(email)s” is not a valid e-mail address.") % {"email": problem["email"]}
    if code == "missing_street":
        return _("The street is missing.")
    if code == "invalid_number":
        return _("The house number is missing or not a number.")
    if code == "invalid_postcode":
        return _("“%(postcode)s” is not a Belgian postcode.") % {"postcode": problem["postcode"]}
    if code == "ambiguous_street":
        return _("Several streets are called “%(street)s”: add the postcode.") % problem
    if code == "unknown_street":
        place = municipality.name if municipality is not None else problem["municipality"]
        text = _("Unknown street “%(street)s” in %(municipality)s.") % {
            "street": problem["street"],
            "municipality": place,
        }
        if problem["suggestions"]:
            text += " " + _("Did you mean: %(streets)s?") % {
                "streets": ", ".join(problem["suggestions"])
            }
        return text
    if code == "outside_bin":
        if problem["others"]:
            return _("This address lies outside %(network)s, in %(others)s.") % {
                "network": problem["network"],
                "others": ", ".join(problem["others"]),
            }
        return _("This address lies outside %(network)s and no BIN covers it.") % problem
    if code == "postcode_mismatch":
        place = municipality.name if municipality is not None else problem["municipality"]
        return _(
            "%(street)s in %(municipality)s has the postcode %(expected)s, not %(postcode)s."
        ) % {
            "street": problem["street"],
            "municipality": place,
            "expected": ", ".join(problem["expected"]),
            "postcode": problem["postcode"],
        }
    if code == "duplicate":
        return _("The same e-mail address as row %(row)s.") % problem
    if code == "duplicate_person":
        return _("The same person at the same address as row %(row)s.") % problem
    if code == "no_email_to_ask":
        return _(
            "No e-mail address to ask this person to confirm: import this row with the consent "
            "you recorded, or add the person by hand."
        )
    if code == "already_member":
        return _("Already a member of this BIN, or waiting for confirmation.")
    if code == "blocked":
        return _("Cannot be added: permanently suspended in this zone.")
    return code
