import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from nabuur.lib.dates import short_date

DAY = datetime.date(2026, 3, 7)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "7-3-2026"), ("fr", "07/03/2026"), ("de", "07.03.2026"), ("en", "03/07/2026")],
)
def test_short_date_is_what_the_date_filter_shows(language, expected):
    template = Template('{{ day|date:"SHORT_DATE_FORMAT" }}')
    with translation.override(language):
        assert short_date(DAY) == expected
        assert template.render(Context({"day": DAY})) == expected


def test_short_date_remembers_per_language():
    with translation.override("nl"):
        assert short_date(DAY) == "7-3-2026"
    with translation.override("fr"):
        assert short_date(DAY) == "07/03/2026"
    with translation.override("nl"):
        assert short_date(DAY) == "7-3-2026"
