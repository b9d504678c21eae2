"""Nabuur's URLs plus the bench's floor page, at /<lang>/staff/bench-floor/ so that the same
middleware (session, second factor for staff pages) runs for it as for the member list."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import path

from bench.floor import floor
from nabuur.urls import *  # noqa: F403
from nabuur.urls import urlpatterns as nabuur_urlpatterns

urlpatterns = [
    *nabuur_urlpatterns,
    *i18n_patterns(path("staff/bench-floor/", floor, name="bench_floor")),
]
