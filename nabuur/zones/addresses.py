"""Understand a Belgian address as people type it: 'kerkstr. 12 bus 3, 2650 Edegem'."""

import re
import unicodedata
from dataclasses import dataclass

from nabuur.lib.text import fold

MAX_LENGTH = 200

_POSTCODE = re.compile(r"[1-9]\d{3}")
# A house number with an optional letter glued to it: 12, 12a, 12bis.
_NUMBER = re.compile(r"(\d{1,5})([a-z]{0,3})")
# A box written in one word: b3, bus3, bte2.
_GLUED_BOX = re.compile(r"(?:bus|bte|bt|box|b)(\d+[a-z]?)")
_BOX_WORDS = {"bus", "boite", "bte", "bt", "box", "b"}
_NUMBER_WORDS = {"nr", "no", "n", "nummer", "numero"}

# Whole-word abbreviations at the start of a French street name.
_LEADING_ABBREVIATIONS = {
    "av": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "bvd": "boulevard",
    "ch": "chaussee",
    "chee": "chaussee",
    "pl": "place",
    "sq": "square",
    "r": "rue",
}
# Whole-word abbreviations elsewhere ("Prins Boudewijn ln."), mostly Dutch.
_WORD_ABBREVIATIONS = {
    "str": "straat",
    "ln": "laan",
    "stwg": "steenweg",
    "stw": "steenweg",
    "pl": "plein",
    "av": "avenue",
    "bd": "boulevard",
    "st": "sint",
}
# Dutch street names are compounds: 'kerkstr' → 'kerkstraat'. Longest first.
_SUFFIX_ABBREVIATIONS = (("stwg", "steenweg"), ("str", "straat"), ("ln", "laan"), ("pl", "plein"))


@dataclass(frozen=True)
class ParsedAddress:
    """What we understood. Texts are folded (see nabuur.lib.text.fold), abbreviations expanded."""

    street: str = ""
    number: int | None = None
    # A letter after the number ('12A' → 'A'); it does not change the number's range or side.
    letter: str = ""
    box: str = ""
    postcode: str = ""
    locality: str = ""

    @property
    def is_empty(self):
        return not (self.street or self.postcode or self.locality)


def clean(text) -> str:
    """The text without control or formatting characters, or '' when it is too long."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        return ""
    kept = (" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join("".join(kept).split())


def expand_street(folded: str) -> str:
    """'kerkstr' → 'kerkstraat', 'av de la gare' → 'avenue de la gare'."""
    words = folded.split()
    for index, word in enumerate(words):
        if index == 0 and word in _LEADING_ABBREVIATIONS and len(words) > 1:
            words[index] = _LEADING_ABBREVIATIONS[word]
        elif word in _WORD_ABBREVIATIONS:
            words[index] = _WORD_ABBREVIATIONS[word]
        else:
            for short, full in _SUFFIX_ABBREVIATIONS:
                if word.endswith(short) and len(word) > len(short) + 2:
                    words[index] = word[: -len(short)] + full
                    break
    return " ".join(words)


def _split_postcode(tokens):
    """(tokens before, postcode, locality words) for '… 2650 edegem' or a lone '2650'."""
    for index in range(len(tokens) - 1, -1, -1):
        token = tokens[index]
        if not _POSTCODE.fullmatch(token):
            continue
        after = tokens[index + 1 :]
        if any(ch.isdigit() for word in after for ch in word):
            continue
        before = tokens[:index]
        # '2650', '2650 edegem', 'kerkstraat 12 2650': a postcode; 'kerkstraat 1200': a number.
        has_number_before = any(_NUMBER.fullmatch(word) for word in before)
        if after or not before or has_number_before:
            return before, token, after
    return tokens, "", []


def _parse_tail(tokens):
    """(letter, box) from what follows a house number, or None if it is not that."""
    letter, box = "", ""
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in _BOX_WORDS and index + 1 < len(tokens) and not box:
            box = tokens[index + 1]
            index += 2
            continue
        glued = _GLUED_BOX.fullmatch(token)
        if glued and not box:
            box = glued.group(1)
        elif len(token) == 1 and token.isalpha() and not letter and not box:
            letter = token
        elif token.isdigit() and not box:
            box = token
        else:
            return None
        index += 1
    return letter, box


def _split_number(tokens):
    """(street words, number, letter, box) in Dutch order ('kerkstraat 12 bus 3') or French
    order ('12 rue de l eglise')."""
    if len(tokens) > 1 and _NUMBER.fullmatch(tokens[0]) and not tokens[1].isdigit():
        number, letter = _NUMBER.fullmatch(tokens[0]).groups()
        return tokens[1:], int(number), letter, ""
    # The first number after some words that only a letter or a box follows: so 'rue du
    # 11 novembre 5' takes 5, not 11.
    for index in range(1, len(tokens)):
        match = _NUMBER.fullmatch(tokens[index])
        if not match:
            continue
        tail = _parse_tail(tokens[index + 1 :])
        if tail is None:
            continue
        number, glued_letter = match.groups()
        letter, box = tail
        street = [word for word in tokens[:index] if word not in _NUMBER_WORDS] or tokens[:index]
        return street, int(number), glued_letter or letter, box
    return tokens, None, "", ""


def parse_address(text: str) -> ParsedAddress:
    """Split what a visitor typed into street, number, letter, box, postcode and locality.

    Accepts the Dutch order ('Kerkstraat 12A bus 3, 2650 Edegem') and the French one
    ('12 rue de l'Église'), boxes as 'bus 3', 'b3', '/3', 'boîte 2', common abbreviations
    (str., ln., stwg., av., bd., pl.), a postcode alone and a place name alone (returned as
    `street`: only the reference data can tell a municipality from a street). Never raises;
    returns an empty ParsedAddress for empty, too long or unusable text.
    """
    text = clean(text)
    if not text:
        return ParsedAddress()
    parts = [part for part in text.split(",") if part.strip()]
    locality = ""
    comma_postcode = ""
    # 'Kerkstraat 12, Edegem': a last part without digits names the place.
    if len(parts) > 1 and not any(ch.isdigit() for ch in parts[-1]):
        locality = fold(parts.pop())
    # 'Kerkstraat, 2650': four digits alone after a comma are a postcode, not a house number.
    elif len(parts) > 1 and _POSTCODE.fullmatch(parts[-1].strip()):
        comma_postcode = parts.pop().strip()
    # '12/3' is number 12, box 3.
    tokens = fold(" ".join(parts).replace("/", " bus ")).split()
    if comma_postcode:
        postcode, after = comma_postcode, []
    else:
        tokens, postcode, after = _split_postcode(tokens)
    if after:
        locality = " ".join(after)
    street_words, number, letter, box = _split_number(tokens)
    street = expand_street(" ".join(street_words))
    if not any(ch.isalpha() for ch in street):
        # Only a number or signs: no street to look up.
        street, number, letter, box = "", None, "", ""
    return ParsedAddress(
        street=street,
        number=number,
        letter=letter.upper(),
        box=box.upper(),
        postcode=postcode,
        locality=locality,
    )
