"""Punctuation that differs by language, for text put together outside a translated sentence.

French writes a no-break space before ":" (« Adresse : … »); Dutch, German and English write
none. A translated sentence carries its own punctuation; this is for a label and a value joined
in a template (`{{ label }}{% colon %} {{ value }}`) or in code (`f"{label}{colon()} {value}"`).
Templates have `{% colon %}` without `{% load %}` (settings.TEMPLATES "builtins").
"""

from django import template
from django.utils.translation import get_language

register = template.Library()

NO_BREAK_SPACE = "\u00a0"


@register.simple_tag
def colon():
    """ ":" in the active language: with a no-break space before it in French."""
    return f"{NO_BREAK_SPACE}:" if (get_language() or "").startswith("fr") else ":"
