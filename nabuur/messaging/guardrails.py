"""Checks a message before it is sent: nothing that identifies a person or describes origin.

The content rules of a BIN (privacy law, anti-discrimination law of 10 May 2007): no readable
number plates, no contact or identity details, and no descriptions of a person's ethnic or
national origin or skin colour. Messages describe behaviour, vehicle, place and time instead.

`check(text, language, zone=…)` returns `Finding`s. Decisions worth knowing:
- Nationality words are flagged in every use, also "Marokkaanse keuken": we flag rather than
  guess the intent; the author rewrites ("hapjes uit verschillende keukens") or the police
  override with a justification. Two exceptions keep ordinary messages clean: a nationality
  word right before a number-plate word ("Poolse nummerplaat" describes the vehicle, which the
  rules ask for), and the national languages / neighbour countries used as language names
  ("in het Frans", "version allemande"), flagged only next to a word for a person.
- Colour words are flagged next to a word for a person ("donkere man", "homme noir"), not on
  their own: "zwarte jas" and "camionnette blanche" describe clothes and vehicles.
- English nationality words are matched with their capital (English writes them so), which
  keeps "shoe polish" and "turkey" out.
- Numbers: the zone's own telephone numbers, 101 and 112 are allowed; other Belgian and
  international telephone numbers are flagged. A national register number or IBAN is flagged
  when its checksum holds (a random 11-digit figure is not a person).
- House addresses: a street followed by a house number ("Kerkstraat 12", "Hauptstraße 4a",
  "Rue Haute 12 bte 3") or, in French, preceded by one ("12 rue Haute", "au n° 9 de la rue
  …"). A street is one of the zone's own streets from the address register (all its names, one
  query per check, only when the text holds a number) or, for streets outside the zone, a
  capitalised word ending in a street word (-straat, -laan, -straße, …) or a French street type
  with a name ("rue …", "chaussée de …"). Not flagged: a street without a number ("in de
  Kerkstraat"), a number that counts ("Kerkstraat 3 inbraken"), a range of house numbers
  ("Hoogstraat 10 tot 50"), and the address of a public place named just before it ("in de
  parochiezaal, Kerkstraat 12"; "au commissariat, place Communale 1") or the zone's own.
- Personal names: a first name from `data/first_names.txt` followed by a capitalised surname
  (with its particles: "Tine Van den Broeck"), or a form of address with a surname ("mevrouw
  Desmet", "Monsieur Lemaire", "Familie Jansen"; German "Frau"/"Herr" only without an
  article: "eine Frau Anfang 30" is a description). Not flagged: a street or place named after
  a person ("Jan Van Rijswijcklaan", "rue Jean Jaurès", "Sint-Jan", "école Jean Jaurès"), and
  the names in `allowed_names` (the author's signature, the BIN's partners).
- Patrols and vigilante action, which the law of 29 July 1934 on private militias forbids:
  words that name a citizens' patrol or militia ("burgerwacht", "milice", "Bürgerwehr",
  "patrouille citoyenne"), patrol words ("patrouille", "rondes", "Streife") and wording that
  organises one ("samen de wijk rondgaan", "monter la garde", "Wache halten", and a meeting
  time between 21:00 and 5:59: "verzamelen om 22u"). A patrol word is the police's own when a
  word for the police stands just before it ("de politie voert extra patrouilles uit",
  "politiepatrouille", "Streifenwagen") or after it ("patrouilles de police"); this does not
  hold for the words that name a citizens' patrol. A negation or a prohibition in the same
  clause keeps prevention texts clean ("een BIN is geen burgerwacht", "ne patrouillez jamais
  vous-même", "Bürgerwehren sind verboten").
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from nabuur.lib.text import fold
from nabuur.zones.models import Street


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    start: int
    end: int

    @property
    def label(self):
        return FINDING_LABELS[self.kind]


FINDING_LABELS = {
    "plate": _("number plate"),
    "phone": _("telephone number"),
    "email": _("e-mail address"),
    "national_number": _("national register number"),
    "iban": _("bank account number (IBAN)"),
    "origin": _("words about origin or skin colour"),
    "address": _("house address"),
    "name": _("personal name"),
    "patrol": _("patrol or vigilante action"),
}

_SEP = r"[\s.\-]?"
PLATE_PATTERNS = [
    # Since 2010: 1-ABC-123, also written 1ABC123, 1 ABC 123, 1.ABC.123.
    re.compile(rf"(?<![\w-])[1-9]{_SEP}[A-Z]{{3}}{_SEP}\d{{3}}(?![\w-])", re.IGNORECASE),
    # 1973–2008: ABC-123 and 123-ABC (upper case: "abc 123" in running text is rare).
    re.compile(r"(?<![\w-])[A-Z]{3}[\s.\-]?\d{3}(?![\w-])"),
    re.compile(r"(?<![\w-])\d{3}[\s.\-][A-Z]{3}(?![\w-])"),
    # Foreign-looking: three groups of capitals and digits joined by dashes (AB-123-CD,
    # 12-ABC-3, GH-12-XY) or a German district code (M-AB 1234).
    re.compile(
        r"(?<![\w-])(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{1,3}-[A-Z0-9]{1,4}-[A-Z0-9]{1,3}"
        r"(?![\w-])"
    ),
    re.compile(r"(?<![\w-])[A-ZÄÖÜ]{1,3}-[A-Z]{1,2}\s?\d{1,4}(?![\w-])"),
]
PHONE_PATTERN = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\d{2,3}[\s./-]?(?:\(0\)[\s./-]?)?|0)[1-9](?:[\s./-]?\d){6,9}(?!\d)"
)
EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
NATIONAL_NUMBER_PATTERN = re.compile(
    r"(?<!\d)(\d{2})[.\s]?(\d{2})[.\s]?(\d{2})[-\s.]?(\d{3})[.\s]?(\d{2})(?!\d)"
)
IBAN_PATTERN = re.compile(
    r"(?<![A-Z0-9])([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?)"
)
ALWAYS_ALLOWED_NUMBERS = {"101", "112"}


def _digits(text):
    digits = re.sub(r"\D", "", text)
    if text.strip().startswith("+") or text.strip().startswith("00"):
        digits = digits[2:] if text.strip().startswith("00") else digits
        if digits.startswith("32"):
            digits = "0" + digits[2:]
    return digits.replace("0(0)", "0")


def normalise_phone(text):
    digits = _digits(text)
    # "+32 (0)3 …" keeps a trunk zero after the country code.
    if digits.startswith("00"):
        digits = digits[1:]
    return digits


def national_number_is_valid(digits):
    base, check = int(digits[:9]), int(digits[9:])
    return 97 - base % 97 == check or 97 - (2_000_000_000 + base) % 97 == check


def iban_is_valid(iban):
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


# Words for a person, per language: colour and language-name words are flagged next to them.
PERSON_NOUNS = {
    "nl": r"man|mannen|vrouw|vrouwen|jongen|jongens|jongeman|jongemannen|meisje|meisjes|persoon|"
    r"personen|individu|individuen|kerel|kerels|dader|daders|verdachte|verdachten|type|types|"
    r"jongere|jongeren|heer|dame|koppel|bende|groep",
    "fr": r"hommes?|femmes?|individus?|jeunes?|personnes?|suspecte?s?|auteurs?|gar[çc]ons?|"
    r"filles?|types?|couples?|bandes?|groupes?",
    "de": r"Mann|M[äa]nner|Frau|Frauen|Person|Personen|T[äa]ter(?:in|innen)?|Jugendliche[rn]?|"
    r"Junge|Jungen|M[äa]dchen|Typ|Typen|Verd[äa]chtige[rn]?|Menschen?|Paar|Bande|Gruppe",
    "en": r"man|men|woman|women|males?|females?|person|people|individuals?|youths?|youngsters?|"
    r"boys?|girls?|guys?|suspects?|offenders?|couples?|gang|group",
}
PLATE_NOUNS = {
    "nl": r"nummerplaat|nummerplaten|kenteken|kentekenplaat|inschrijving",
    "fr": r"plaques?(?:\s+d'immatriculation)?|immatriculations?",
    "de": r"Kennzeichen|Nummernschild(?:ern)?",
    "en": r"(?:number|licen[cs]e|registration)\s+plates?|plates?|registration",
}
# Foreign nationalities and regions of origin, each with its inflections.
NATIONALITIES = {
    "nl": r"(?:noord-|oost-|zuid-|west-)?afrikaan(?:se|s|en)?|marokka(?:an|anse|ans|nen|antje)|"
    r"maghrebijn(?:se|s|en)?|turk(?:se|s|en)?|roemeen(?:se|s)|roemenen|pol(?:en|ools|oolse)|"
    r"bulga(?:ar|arse|ars|ren)|albane(?:es|ese|zen)|oost-europe(?:se|es|anen|aan)|"
    r"arabi(?:er|ere|eren|sch|sche)|aziat(?:isch|ische|en)|chine(?:es|se|zen)|"
    r"zuid-amerikaan(?:se|s|en)?|latino'?s?|zigeuners?|roma|allochto(?:on|ne|nen)|"
    r"buitenland(?:s|se|er|ers)|vreemdeling(?:en)?|mediterra(?:an|ne)|"
    r"noord-afrikaans(?:e)?|syri(?:[ëe]r|[ëe]rs|sch|sche)|afgha(?:an|anse|ans|nen)|"
    r"tsjetsjeen(?:se|s)?|tsjetsjenen|zwarte\s+afrikaan",
    "fr": r"(?:nord-|sub-?saharien|est-)?africaine?s?|subsaharien(?:ne)?s?|marocaine?s?|"
    r"maghr[ée]bine?s?|turcs?|turques?|roumaine?s?|polonaise?s?|bulgares?|albanaise?s?|"
    r"est-europ[ée]en(?:ne)?s?|d'europe\s+de\s+l'est|arabes?|asiatiques?|chinoise?s?|"
    r"gitane?s?|roms?|[ée]trang[èe]re?s?|m[ée]diterran[ée]en(?:ne)?s?|syrien(?:ne)?s?|"
    r"afghane?s?|tch[ée]tch[èe]ne?s?|sud-am[ée]ricaine?s?|latinos?",
    "de": r"(?:nord|ost|west|s[üu]d)?afrikan(?:isch|isch[ea-z]{0,2}|er(?:in|innen|n)?)|"
    r"marokkan(?:isch[ea-z]{0,2}|er(?:in|innen|n)?)|maghrebinisch[ea-z]{0,2}|"
    r"t[üu]rk(?:isch[ea-z]{0,2}|en?|in|innen)|rum[äa]n(?:isch[ea-z]{0,2}|en?|in)|"
    r"poln(?:isch[ea-z]{0,2})|polen|bulgar(?:isch[ea-z]{0,2}|en?|in)|"
    r"alban(?:isch[ea-z]{0,2}|er(?:in|n)?)|osteurop[äa](?:isch[ea-z]{0,2}|er(?:in|n)?)|"
    r"arab(?:isch[ea-z]{0,2}|er(?:in|n)?)|asiat(?:isch[ea-z]{0,2}|en?|in)|"
    r"chines(?:isch[ea-z]{0,2}|en?|in)|s[üu]dl[äa]ndisch[ea-z]{0,2}|s[üu]dl[äa]nder(?:in|n)?|"
    r"zigeuner(?:in|n)?|roma|ausl[äa]nd(?:isch[ea-z]{0,2}|er(?:in|innen|n)?)|"
    r"migrationshintergrund|syr(?:isch[ea-z]{0,2}|er(?:in|n)?)|afghan(?:isch[ea-z]{0,2}|en?)|"
    r"tschetschen(?:isch[ea-z]{0,2}|en?)|mediterran[ea-z]{0,2}",
    # English: case-sensitive, see the module's docstring.
    "en": r"(?:North |East |West |South |Sub-Saharan )?Africans?|Moroccans?|North African|"
    r"Maghrebi|Turkish|Turks?|Romanians?|Polish|Poles?|Bulgarians?|Albanians?|"
    r"Eastern[ -]Europeans?|Arabs?|Arabic|Asians?|Chinese|Middle[ -]Eastern|Hispanics?|"
    r"Latinos?|Latinas?|[Gg]ypsy|[Gg]ypsies|Roma|Syrians?|Afghans?|Chechens?|"
    r"foreigners?|foreign-looking|Mediterranean",
}
# Words that describe origin or skin colour whatever stands next to them.
ORIGIN_WORDS = {
    "nl": r"huidskleur|getint(?:e)?|kleurling(?:en)?|neger(?:s)?|blanke[n]?|etnisch(?:e)?|"
    r"afkomst|origine|buitenlands\s+uitziend(?:e)?|donker\s+getint(?:e)?",
    "fr": r"basan[ée]e?s?|m[ée]tis(?:se)?s?|de\s+couleur|couleur\s+de\s+peau|"
    r"peau\s+(?:noire|fonc[ée]e|mate|claire|blanche)|ethniques?|d'origine|origine\s+\w+|"
    r"de\s+type\s+\w+|type\s+(?:europ[ée]en|africain|nord-africain|m[ée]diterran[ée]en)",
    "de": r"dunkelh[äa]utig[ea-z]{0,2}|hellh[äa]utig[ea-z]{0,2}|hautfarbe|farbig[ea-z]{0,2}|"
    r"ethnisch[ea-z]{0,2}|herkunft|abstammung|ausl[äa]ndisch\s+aussehend[ea-z]{0,2}",
    "en": r"dark-skinned|light-skinned|fair-skinned|skin colou?r|colou?red|ethnic(?:ity)?|"
    r"of\s+\w+\s+(?:descent|origin|appearance|background)|foreign\s+origin",
}
COLOURS = {
    "nl": r"zwart(?:e)?|bruin(?:e)?|donker(?:e)?|blank(?:e)?",
    "fr": r"noire?s?|blanc(?:he)?s?|bronz[ée]e?s?",
    "de": r"schwarz(?:e[rnms]?)?|wei(?:ß|ss)(?:e[rnms]?)?|braun(?:e[rnms]?)?|dunkl?e[rnms]?",
    "en": r"black|white|brown|dark",
}
LANGUAGE_NATIONALITIES = {
    "nl": r"frans(?:e)?|fransman|fransen|duits(?:e)?|duitser(?:s)?|engels(?:e)?|engelsman|"
    r"brits(?:e)?|nederlands(?:e)?|nederlander(?:s)?|luxemburgs(?:e)?",
    "fr": r"fran[çc]aise?s?|allemande?s?|anglaise?s?|britanniques?|n[ée]erlandaise?s?|"
    r"hollandaise?s?|luxembourgeoise?s?",
    "de": r"franz[öo]sisch[ea-z]{0,2}|deutsch[ea-z]{0,2}|englisch[ea-z]{0,2}|britisch[ea-z]{0,2}|"
    r"niederl[äa]ndisch[ea-z]{0,2}|holl[äa]ndisch[ea-z]{0,2}",
    "en": r"French|German|English|British|Dutch",
}
# The same words as nouns for a person, flagged on their own.
LANGUAGE_PERSON_NOUNS = {
    "nl": r"fransman|fransen|duitser(?:s)?|engelsman|engelsen|britten|nederlander(?:s)?",
    "fr": r"Fran[çc]aise?s?|Allemande?s?|Anglaise?s?|N[ée]erlandaise?s?",
    "de": r"Franzos(?:e|en)|Franz[öo]sin|Deutsche[rn]?|Engl[äa]nder(?:in|n)?|Brit(?:e|en|in)|"
    r"Niederl[äa]nder(?:in|n)?|Holl[äa]nder(?:in|n)?",
    "en": r"Frenchm[ae]n|Germans?|Englishm[ae]n|Brits?|Dutchm[ae]n",
}
# Nouns for a person of a colour, with a capital (French, German) after an article.
CAPITAL_COLOUR_NOUNS = {
    "fr": r"(?i:un|une|des|deux|trois|les)\s+(?:Noir|Blanc)(?:e|he)?s?",
    "de": r"(?i:ein|eine|einen|einem|der|die|den|zwei|drei|mehrere)\s+"
    r"(?:Schwarze|Wei(?:ß|ss)e)[rnm]?",
    "en": r"(?i:a|two|three|several)\s+(?:Black|White)s?\b",
}

_CASE_SENSITIVE = {"en"}


def _origin_patterns(language):
    flags = 0 if language in _CASE_SENSITIVE else re.IGNORECASE
    w = r"(?<![\w-])"
    e = r"(?![\w-])"
    persons = PERSON_NOUNS[language]
    between = r"(?:\s+[\w'-]+){0,1}\s+"
    patterns = [
        re.compile(rf"{w}(?:{ORIGIN_WORDS[language]}){e}", re.IGNORECASE),
        re.compile(rf"{w}(?:{COLOURS[language]})\s+(?:{persons}){e}", re.IGNORECASE),
        re.compile(rf"{w}(?:{persons})\s+(?:{COLOURS[language]}){e}", re.IGNORECASE),
        re.compile(rf"{w}(?:{LANGUAGE_NATIONALITIES[language]})\s+(?:{persons}){e}", flags),
        re.compile(rf"{w}(?:{persons}){between}(?:{LANGUAGE_NATIONALITIES[language]}){e}", flags),
        # Capitalised nouns in French and German ("un Français"), lower case in Dutch.
        re.compile(
            rf"{w}(?:{LANGUAGE_PERSON_NOUNS[language]}){e}",
            re.IGNORECASE if language == "nl" else 0,
        ),
    ]
    if language in CAPITAL_COLOUR_NOUNS:
        patterns.append(re.compile(rf"{w}{CAPITAL_COLOUR_NOUNS[language]}{e}"))
    return patterns


def _nationality_pattern(language):
    flags = 0 if language in _CASE_SENSITIVE else re.IGNORECASE
    return re.compile(rf"(?<![\w-])(?:{NATIONALITIES[language]})(?![\w-])", flags)


def _plate_context(language):
    return re.compile(rf"(?:{PLATE_NOUNS[language]})", re.IGNORECASE)


NATIONALITY_PATTERNS = {language: _nationality_pattern(language) for language in NATIONALITIES}
PLATE_CONTEXT = {language: _plate_context(language) for language in PLATE_NOUNS}


def _about_a_plate(text, start, end, language):
    """True if a number-plate word stands within two words before or after."""
    before = " ".join(text[:start].split()[-2:])
    after = " ".join(text[end:].split()[:2])
    return bool(PLATE_CONTEXT[language].search(before) or PLATE_CONTEXT[language].search(after))


ORIGIN_PATTERNS = {language: _origin_patterns(language) for language in PERSON_NOUNS}


# --- House addresses -------------------------------------------------------------------------

_CAPITAL = "A-ZÀ-ÖØ-Þ"
STREET_SUFFIXES = (
    "straat|laan|steenweg|weg|plein|dreef|lei|kaai|singel|dijk|baan|"
    "straße|strasse|gasse|platz|allee|ring|pfad"
)
# A capitalised word ending in a street word ("Stationsstraat"), or a separate German street
# word after an adjective ("Aachener Straße").
_COMPOUND_STREET = re.compile(
    rf"(?<![\w-])(?:[{_CAPITAL}][\w'’-]*\s+(?=(?:Straße|Strasse|Weg|Platz|Allee)\b))?"
    rf"[{_CAPITAL}][\w'’-]*(?:{STREET_SUFFIXES})(?![\w-])"
)
_FRENCH_STREET = re.compile(
    r"(?<![\w-])(?i:rue|avenue|av\.|chauss[ée]e|boulevard|bd|place|chemin|all[ée]e|quai|square|"
    r"impasse|clos|dr[èe]ve|sentier|route|venelle|ruelle)\s+"
    r"(?:(?i:de\s+la|du|des|de|aux|au|la|le)\s+|(?i:de\s+)?(?i:d|l)['’])?"
    rf"[{_CAPITAL}][\w'’-]*(?:\s+(?:(?:de|du|des|la|le)\s+|[dl]['’])?[{_CAPITAL}][\w'’-]*){{0,3}}"
)
_HOUSE_NUMBER_AFTER = re.compile(
    r"\s*,?\s*(?:(?i:nr|no|n°|nummer|numéro|hausnummer)\.?\s*)?"
    r"(\d{1,4}(?:\s?[a-dA-D](?![\w]))?(?:\s*(?i:bus|bte|boîte|/)\s*\d{1,3})?)(?![\w:.,]\d|\w)"
)
_HOUSE_NUMBER_BEFORE = re.compile(
    r"(?<![\w.:,/-])(?:(?i:n°|no|nr|numéro|nummer)\.?\s*)?(\d{1,4}(?:\s?[a-dA-D]|\s?bis)?)"
    r"(?:\s*,?\s*|\s+(?i:de\s+la|du|de\s+l['’]|des|de)\s*)$"
)
# After a number, a word that makes it a count, a time or a range of house numbers ("10 tot
# 50": a stretch of the street, not a home), not a house number. "12 en 14" stays two homes.
_NOT_A_HOUSE_NUMBER = re.compile(
    r"\s*(?:[-–]\s*\d|(?i:tot|t/m|à|au|bis|u\b|uur|h\b|heures?|uhr|"
    r"keer|maal|fois|mal|minuten|minutes|jaar|ans|jahre|km|m\b|meter|mètres|euro|€|%|"
    r"inbra\w*|poging\w*|wagens|auto'?s|fietsen|woningen|huizen|personen|mannen|dagen|weken|"
    r"diefstal\w*|leden|cambriolages?|vols|vélos|voitures|maisons|personnes|jours|semaines|"
    r"membres|einbr\w*|fahrräder|autos|häuser|wohnungen|personen|tage|wochen|mitglieder)\b)"
)
# A public place named just before an address: the address is where to go, not who lives there.
_VENUE_BEFORE = re.compile(
    r"(?i:zaal|parochiezaal|gemeentehuis|stadhuis|politiekantoor|politiehuis|commissariaat|"
    r"bibliotheek|school|cultuurcentrum|ontmoetingscentrum|gemeenschapscentrum|dienstencentrum|"
    r"sporthal|kerk|café|salle|maison\s+communale|h[ôo]tel\s+de\s+ville|commissariat|"
    r"biblioth[èe]que|[ée]cole|centre\s+culturel|[ée]glise|saal|pfarrsaal|pfarrheim|rathaus|"
    r"gemeindehaus|kommissariat|polizei\w*|bibliothek|schule|kulturzentrum|kirche)"
    r"\b[^.!?\n]{0,40}$"
)


def street_names(zone):
    """The folded names of the zone's streets, in all their languages (one query)."""
    if zone is None or zone.pk is None:
        return frozenset()
    names = set()
    for value in Street.objects.filter(municipality__zone=zone).values_list(
        "search_names", flat=True
    ):
        names.update(name for name in value.split("|") if name)
    return frozenset(names)


_TOKEN = re.compile(r"\w+")
# French writes the street type in lower case in running text ("au 12, rue Haute").
_FRENCH_STREET_TYPES = {
    "rue",
    "avenue",
    "chaussee",
    "boulevard",
    "place",
    "chemin",
    "allee",
    "quai",
    "square",
    "impasse",
    "clos",
    "dreve",
    "sentier",
    "route",
    "venelle",
    "ruelle",
}
_LONGEST_STREET_NAME = 8


def _zone_street_mentions(text, names):
    """(start, end) of each of the zone's streets named in `text`, longest first at a place."""
    if not names:
        return []
    tokens = [(fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    mentions = []
    index = 0
    while index < len(tokens):
        found = None
        # A street name starts with a capital in running text ("kerkstraat" is rare and the
        # lower-case word "markt" is common).
        if text[tokens[index][1]].isupper() or tokens[index][0] in _FRENCH_STREET_TYPES:
            for length in range(min(_LONGEST_STREET_NAME, len(tokens) - index), 0, -1):
                words = [token[0] for token in tokens[index : index + length]]
                if " ".join(words) in names:
                    found = (tokens[index][1], tokens[index + length - 1][2], length)
                    break
        if found:
            mentions.append(found[:2])
            index += found[2]
        else:
            index += 1
    return mentions


def street_mentions(text, names):
    """Spans of street names in `text`: the zone's own, and any that looks like a street."""
    spans = set(_zone_street_mentions(text, names))
    spans.update(m.span() for m in _COMPOUND_STREET.finditer(text))
    spans.update(m.span() for m in _FRENCH_STREET.finditer(text))
    return sorted(spans)


def _own_address_lines(zone):
    if zone is None or not getattr(zone, "postal_address", ""):
        return set()
    return {fold(line) for line in zone.postal_address.splitlines() if line.strip()}


def _addresses(text, mentions, zone):
    """(start, end) of each street with a house number after it (or, French, before it)."""
    own = _own_address_lines(zone)
    found = []
    for start, end in mentions:
        span = None
        after = _HOUSE_NUMBER_AFTER.match(text, end)
        if after and not _NOT_A_HOUSE_NUMBER.match(text, after.end()):
            span = (start, after.end(1))
        else:
            before = _HOUSE_NUMBER_BEFORE.search(text, max(0, start - 30), start)
            if before:
                span = (before.start(1), end)
        if span is None:
            continue
        sentence_start = max(text.rfind(mark, 0, span[0]) for mark in ".!?\n") + 1
        if _VENUE_BEFORE.search(text[sentence_start : span[0]]):
            continue
        if fold(text[span[0] : span[1]]) in own:
            continue
        found.append(span)
    return found


# --- Personal names --------------------------------------------------------------------------


def _data_lines(name):
    lines = (Path(__file__).parent / "data" / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@cache
def first_names():
    """The first names of `data/first_names.txt` (see docs/data-sources.md)."""
    return frozenset(_data_lines("first_names.txt"))


_PARTICLES = (
    r"(?:[Vv]an|[Dd]e|[Dd]en|[Dd]er|[Tt]er|[Vv]ande[nr]?|[Vv]on|[Dd]u|[Dd]es|Le|La|El|Ben|Di|Da)"
)
_SURNAME = (
    rf"(?:{_PARTICLES}\s+){{0,3}}(?:[Dd]['’])?"
    rf"[{_CAPITAL}][a-zß-öø-ÿ'’]+(?:-[{_CAPITAL}][a-zß-öø-ÿ]+)?"
)
_FULL_NAME = re.compile(
    rf"(?<![\w'’-])(?P<first>[{_CAPITAL}][a-zß-öø-ÿ]+(?:-[{_CAPITAL}][a-zß-öø-ÿ]+)?)"
    rf"\s+(?P<last>{_SURNAME})(?![\w-])"
)
_CAPITALISED = re.compile(rf"(?<![\w'’-])[{_CAPITAL}][\w-]*")
_FORM_OF_ADDRESS = re.compile(
    r"(?<![\w-])(?P<title>(?i:meneer|mevrouw|mijnheer|de\s+heer|juffrouw|familie|gezin|"
    r"monsieur|madame|mademoiselle|famille)|M\.|Mme|Mlle|Herrn?|Frau|Familie)"
    rf"\s+(?P<last>{_SURNAME})(?![\w-])"
)
# Words before a name that make it a saint, a royal or a place named after a person.
_NAMED_AFTER = re.compile(
    r"(?<!\w)(?i:sint|saint|sainte|sankt|st|ste|koning|koningin|prins|prinses|roi|reine|prince|"
    r"princesse|könig|königin|prinz|pater|père|kardinaal|cardinal|kardinal|paus|pape|papst|"
    r"heilige|onze|rue|avenue|boulevard|place|chaussée|square|allée|quai|école|lycée|collège|"
    r"athénée|institut|instituut|salle|zaal|saal|stade|stadion|centre|centrum|parc|park|"
    r"schule|school|basisschool|atheneum|college|campus|residentie|résidence|home|cultuurcentrum|"
    r"gemeenschapscentrum)[\s.'’-]*$"
)


# Capitalised words that follow a form of address or a first name without being a surname
# (titles, days, months): `data/not_surnames.txt`.
@cache
def _not_surnames():
    return frozenset(fold(word) for word in _data_lines("not_surnames.txt"))


def _is_street_word(word):
    return bool(re.search(rf"(?:{STREET_SUFFIXES})$", word, re.IGNORECASE))


def _names(text, streets, allowed_names):
    """(start, end) of each personal name in `text`."""
    allowed = {fold(name) for name in allowed_names if name}
    allowed_surnames = {name.split(" ", 1)[1] for name in allowed if " " in name}
    found = []
    # Each capitalised word may start a name, also the one right after a non-name ("Bij Lotte
    # Mertens"): try each place rather than taking non-overlapping matches.
    candidates = [
        (match, "first")
        for word in _CAPITALISED.finditer(text)
        if word.group() in first_names() and (match := _FULL_NAME.match(text, word.start()))
    ]
    candidates += [(m, "title") for m in _FORM_OF_ADDRESS.finditer(text)]
    for match, shape in candidates:
        start, end = match.span()
        last = match.group("last")
        last_word = last.split()[-1]
        if fold(last_word) in _not_surnames() or _is_street_word(last_word):
            continue
        # "Jan Van" of "Jan Van Rijswijcklaan-project": a particle is not a surname.
        if re.fullmatch(_PARTICLES, last_word):
            continue
        if any(s_start <= start and end <= s_end for s_start, s_end in streets):
            continue
        if shape == "first":
            if match.group("first") not in first_names():
                continue
            if _NAMED_AFTER.search(text[max(0, start - 30) : start]):
                continue
            if fold(match.group(0)) in allowed:
                continue
        else:
            title = match.group("title")
            # "eine Frau Anfang 30", "der Herr im Mantel": a German description, not a name.
            if title in ("Frau", "Herr", "Herrn") and re.search(
                r"(?i:\b(?:ein|eine|einer|einem|einen|die|der|den|dem|jede[rnm]?|diese[rnm]?|"
                r"junge[rnm]?|ältere[rnm]?|älterer)\s+)$",
                text[max(0, start - 20) : start],
            ):
                continue
            if fold(last) in allowed_surnames:
                continue
        found.append((start, end))
    return found


# --- Patrols and vigilante action ------------------------------------------------------------

# Words that name a citizens' patrol or a militia: flagged unless negated or forbidden.
MILITIA_WORDS = {
    "nl": r"burgerwacht\w*|burgerpatrouille\w*|buurtpatrouille\w*|bewonerspatrouille\w*|"
    r"burgerronde\w*|buurtronde\w*|militie\w*|eigen\s+(?:nacht)?patrouille\w*|"
    r"buurtwacht\w*(?=[^.!?\n]{0,60}(?:nacht|straten|rond|patrouill))",
    "fr": r"milices?(?:\s+(?:de\s+quartier|citoyennes?|priv[ée]es?))?|"
    r"patrouilles?\s+(?:citoyennes?|de\s+voisins|d'habitants|de\s+quartier)|"
    r"rondes?\s+(?:citoyennes?|de\s+voisins|d'habitants)",
    "de": r"bürgerwehr\w*|buergerwehr\w*|bürgerstreife\w*|nachbarschafts(?:streife|patrouille|"
    r"wache)\w*|miliz\w*",
}
# Patrol words: flagged unless the police are the ones patrolling, or negated.
PATROL_WORDS = {
    "nl": r"(?:nachtelijke\s+)?patrouill\w*|nachtpatrouille\w*|nachtronde\w*|rondes|"
    r"(?:onze|jullie)\s+ronde",
    "fr": r"(?:nouvelle\s+)?patrouill\w*|rondes?\s+(?:de\s+surveillance|de\s+nuit|nocturnes?)|"
    r"(?:faire|fait|faisons|ferons|font|faites)\s+des\s+rondes|(?:notre|nos)\s+rondes?",
    "de": r"(?:nächtliche\s+)?(?:patrouill\w*|streife)|"
    r"streifen\s+(?:gehen|laufen|fahren|organisieren)|"
    r"(?:gehen|laufen|fahren|organisieren)\w*(?:\s+\w+){0,3}\s+streifen|"
    r"(?:drehen|gehen|laufen|machen)(?:\s+\w+){0,4}\s+(?:unsere\s+)?runden?|"
    r"(?:unsere|eine)\s+(?:nacht)?runde|nachtrunde\w*",
}
# Wording that organises going round the neighbourhood or keeping watch.
ORGANISING = {
    "nl": r"(?:wijk|buurt|straten|straat)\s+(?:rond|af)(?:gaan|lopen|fietsen|rijden)|"
    r"(?:straten|wijk|buurt)\s+(?:afloopt|afgaat|rondgaat)|"
    r"(?:door|rond)\s+de\s+(?:wijk|buurt|straten)\s+(?:lopen|trekken|gaan|fietsen)|"
    r"(?:houden|houdt|hou|lopen|staan)\b(?:\s+\w+){0,4}\s+(?:de\s+)?wacht\b|"
    r"wacht\s+(?:houden|lopen)|rondes?\s+(?:lopen|doen|maken|rijden)",
    "fr": r"(?:faire|fait|faisons|ferons|font)\s+le\s+tour\s+du\s+quartier|"
    r"surveiller\s+(?:le\s+quartier|la\s+rue|nos\s+rues)\s+(?:nous-m[êe]mes|ensemble|entre\s+voisins)|"
    r"(?:monter|montons|monte|montent|monterons)\s+la\s+garde|tours?\s+de\s+garde|"
    r"patrouillons|patrouiller\s+(?:nous-m[êe]mes|ensemble)",
    "de": r"(?:gemeinsam|zusammen)\s+durch\s+(?:das|die|den|unser|unsere)\s+"
    r"(?:viertel|straßen|strassen|wohngebiet|nachbarschaft|dorf)|"
    r"wache\s+(?:halten|schieben|stehen|gehen)|"
    r"(?:halten|schieben|stehen)\b(?:\s+\w+){0,4}\s+wache\b",
}
# A meeting at night: "verzamelen om 22u", "rendez-vous à 23h", "Treffpunkt um 22 Uhr".
ASSEMBLY = {
    "nl": r"(?:verzamel\w*|afspraak|samenkomst|vertrek\w*|we\s+vertrekken|afspreken)",
    "fr": r"(?:rendez-vous|rassemblement|on\s+se\s+retrouve|retrouvons-nous|départ|"
    r"on\s+se\s+rejoint|regroupement)",
    "de": r"(?:treffpunkt|treffen\s+uns|sammeln|versammeln|abmarsch|start)",
}
NIGHT_TIME = {
    "nl": r"(?:om|vanaf|rond)\s+(?:(\d{1,2})(?:[u:.h]\d{0,2}|\s*uur)|middernacht)",
    "fr": r"(?:à|vers|dès)\s+(?:(\d{1,2})\s*h(?:\d{2})?|minuit)",
    "de": r"(?:um|ab|gegen)\s+(?:(\d{1,2})(?:[:.]\d{2})?\s*uhr|mitternacht)",
}
POLICE_WORDS = (
    r"politie\w*|agent(?:en)?|wijkagent\w*|wijkteam\w*|interventieploeg\w*|inspecteur\w*|"
    r"hondenbrigade|police|policiers?|agents?\s+de\s+quartier|[ée]quipes?\s+d'intervention|"
    r"[ée]quipe\s+de\s+quartier|inspect(?:eur|rice)s?|polizei\w*|beamte\w*|bezirksbeamte\w*|"
    r"interventionsteam\w*|streifenwagen"
)
NEGATIONS = (
    r"geen|niet|nooit|nimmer|ne|n['’]\w*|pas|jamais|aucune?|kein\w*|nicht|nie|niemals|verbied\w*|"
    r"ni"
)
PROHIBITIONS = (
    r"verboden|verbiedt|wet|strafbaar|interdit\w*|loi|ill[ée]ga\w*|verboten|gesetz\w*|strafbar"
)
_OWN_INITIATIVE = re.compile(
    r"(?i:\b(?:eigen|zelf|nous-m[êe]mes|entre\s+voisins|selbst|eigene[nrms]?)\b)"
)


def _patterns(table, language):
    return re.compile(rf"(?<![\w-])(?:{table[language]})(?![\w-])", re.IGNORECASE)


MILITIA_PATTERNS = {language: _patterns(MILITIA_WORDS, language) for language in MILITIA_WORDS}
PATROL_PATTERNS = {language: _patterns(PATROL_WORDS, language) for language in PATROL_WORDS}
ORGANISING_PATTERNS = {language: _patterns(ORGANISING, language) for language in ORGANISING}
ASSEMBLY_PATTERNS = {
    language: re.compile(
        rf"(?<![\w-])(?:{ASSEMBLY[language]})\b[^.!?\n]{{0,40}}?{NIGHT_TIME[language]}"
        rf"|(?<![\w-]){NIGHT_TIME[language]}[^.!?\n]{{0,40}}?\b(?:{ASSEMBLY[language]})\b",
        re.IGNORECASE,
    )
    for language in ASSEMBLY
}
_POLICE = re.compile(rf"(?<![\w-])(?:{POLICE_WORDS})(?![\w-])", re.IGNORECASE)
_NEGATION = re.compile(rf"(?<![\w-])(?:{NEGATIONS})(?![\w-])", re.IGNORECASE)
_PROHIBITION = re.compile(rf"(?<![\w-])(?:{PROHIBITIONS})(?![\w-])", re.IGNORECASE)


def _clause(text, start, end):
    """The clause around a span: from the last . ! ? : ; or line break to the next."""
    marks = ".!?:;\n"
    left = max(text.rfind(mark, 0, start) for mark in marks) + 1
    rights = [i for i in (text.find(mark, end) for mark in marks) if i != -1]
    return left, min(rights) if rights else len(text)


def _words(text):
    return re.findall(r"[\w'’-]+", text)


def _negated(text, start, end):
    """A negation just before the span (or "niet"/"pas"/"nicht" just after), or a prohibition
    in its clause: a prevention text that says not to patrol."""
    left, right = _clause(text, start, end)
    if _PROHIBITION.search(text[left:right]):
        return True
    if _NEGATION.search(text[start:end]):
        return True
    before = " ".join(_words(text[left:start])[-4:])
    after = " ".join(_words(text[end:right])[:2])
    return bool(_NEGATION.search(before) or re.search(r"(?i)\b(?:niet|pas|nicht)\b", after))


def _by_the_police(text, start, end):
    """The police patrol: a police word shortly before in the clause with no comma between
    (or in the match itself), or right after ("patrouilles de police"), and nothing that says
    the residents do it themselves."""
    left, right = _clause(text, start, end)
    if _OWN_INITIATIVE.search(text[left:right]):
        return False
    if _POLICE.search(text[start:end]):
        return True
    before = text[left:start]
    before = before[before.rfind(",") + 1 :]
    if _POLICE.search(" ".join(_words(before)[-6:])):
        return True
    return bool(
        re.match(
            rf"\s+(?i:de\s+la|de|van\s+de|der|van)\s+(?:{POLICE_WORDS})\b",
            text[end:right],
            re.IGNORECASE,
        )
    )


def _night(match):
    hours = [group for group in match.groups() if group]
    if not hours:
        return True  # midnight
    hour = int(hours[0])
    return hour >= 21 or hour <= 5


def _patrols(text, language):
    """(start, end) of wording that organises patrols or vigilante action."""
    language = language if language in MILITIA_PATTERNS else None
    if language is None:
        return []
    found = []
    for match in MILITIA_PATTERNS[language].finditer(text):
        if not _negated(text, *match.span()):
            found.append(match.span())
    for match in PATROL_PATTERNS[language].finditer(text):
        if not _negated(text, *match.span()) and not _by_the_police(text, *match.span()):
            found.append(match.span())
    for match in ORGANISING_PATTERNS[language].finditer(text):
        if not _negated(text, *match.span()):
            found.append(match.span())
    for match in ASSEMBLY_PATTERNS[language].finditer(text):
        if _night(match) and not _negated(text, *match.span()):
            found.append(match.span())
    return found


def allowed_numbers(zone):
    """The telephone numbers a message may contain: 101, 112 and the zone's own."""
    numbers = set(ALWAYS_ALLOWED_NUMBERS)
    if zone is not None:
        for number in (zone.phone, zone.non_emergency_number, zone.emergency_number):
            if number:
                numbers.add(normalise_phone(number))
    return numbers


def check(text, language="nl", *, zone=None, allowed_names=()):
    """The findings in `text` (the author's language decides the word lists), in text order.

    `zone` gives the allowed numbers and e-mail address and the streets of its address register;
    `allowed_names` are the people who may be named (the author's signature, the BIN's partners).
    """
    findings = []
    taken = []

    def add(kind, match, group=0):
        start, end = match.span(group)
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            return
        taken.append((start, end))
        findings.append(Finding(kind, match.group(group), start, end))

    def add_span(kind, span):
        start, end = span
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            return
        taken.append((start, end))
        findings.append(Finding(kind, text[start:end], start, end))

    allowed_mail = {zone.email.lower()} if zone is not None and zone.email else set()
    for match in EMAIL_PATTERN.finditer(text):
        if match.group(0).lower() not in allowed_mail:
            add("email", match)
        else:
            taken.append(match.span())
    for match in IBAN_PATTERN.finditer(text):
        if iban_is_valid(match.group(1)):
            add("iban", match, 1)
    for match in NATIONAL_NUMBER_PATTERN.finditer(text):
        digits = "".join(match.groups())
        formatted = re.fullmatch(r"\d\d\.\d\d\.\d\d-\d{3}\.\d\d", match.group(0))
        if national_number_is_valid(digits) or formatted:
            add("national_number", match)
    numbers = allowed_numbers(zone)
    for match in PHONE_PATTERN.finditer(text):
        if normalise_phone(match.group(0)) not in numbers:
            add("phone", match)
    for pattern in PLATE_PATTERNS:
        for match in pattern.finditer(text):
            add("plate", match)
    language = language if language in ORIGIN_PATTERNS else "nl"
    for pattern in ORIGIN_PATTERNS[language]:
        for match in pattern.finditer(text):
            add("origin", match)
    for match in NATIONALITY_PATTERNS[language].finditer(text):
        if not _about_a_plate(text, *match.span(), language):
            add("origin", match)
    # The zone's streets are read only when a number could make a house address or a capital
    # word could start a name (a street named after a person is not a name).
    needs_streets = re.search(r"\d", text) or _CAPITALISED.search(text)
    streets = street_mentions(text, street_names(zone) if needs_streets else ())
    for span in _addresses(text, streets, zone):
        add_span("address", span)
    for span in _names(text, streets, allowed_names):
        add_span("name", span)
    for span in _patrols(text, language):
        add_span("patrol", span)
    return sorted(findings, key=lambda finding: finding.start)
