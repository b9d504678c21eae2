"""/api/v1/: the Ninja API's operations and OpenAPI document, its documentation page, and a
JSON 404 for any other address below it."""

from django.urls import path, re_path

from . import views
from .api import api

app_name = "api"

_ninja_patterns, _, _ = api.urls
urlpatterns = [
    # Ninja's root only raises a 404; our root leads to the documentation. Ninja reverses
    # "api-root" to find the document's path prefix, so the name stays.
    path("", views.root, name="api-root"),
    path("docs/", views.docs, name="docs"),
    *[pattern for pattern in _ninja_patterns if pattern.name != "api-root"],
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
