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
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


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


def allowed_numbers(zone):
    """The telephone numbers a message may contain: 101, 112 and the zone's own."""
    numbers = set(ALWAYS_ALLOWED_NUMBERS)
    if zone is not None:
        for number in (zone.phone, zone.non_emergency_number, zone.emergency_number):
            if number:
                numbers.add(normalise_phone(number))
    return numbers


def check(text, language="nl", *, zone=None):
    """The findings in `text` (the author's language decides the word lists), in text order."""
    findings = []
    taken = []

    def add(kind, match, group=0):
        start, end = match.span(group)
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            return
        taken.append((start, end))
        findings.append(Finding(kind, match.group(group), start, end))

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
    return sorted(findings, key=lambda finding: finding.start)
