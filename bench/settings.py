"""Settings of the bench's gunicorn only: Nabuur's own, with the bench URLconf (bench/urls.py),
which adds the floor page. Production never loads this module, so the floor page never exists
there; `python -m bench` starts its server with DJANGO_SETTINGS_MODULE=bench.settings."""

import copy

from nabuur.settings import *  # noqa: F403
from nabuur.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES = copy.deepcopy(TEMPLATES)
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]
