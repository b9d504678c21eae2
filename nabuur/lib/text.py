"""Text helpers for matching what people type against reference names."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)


def fold(value: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces.

    'Rue de l'Église' → 'rue de l eglise'.
    """
    decomposed = unicodedata.normalize("NFKD", value or "")
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = _PUNCTUATION.sub(" ", without_accents.casefold())
    return _SPACES.sub(" ", cleaned).strip()
