from django.urls import path, re_path

from . import views
from .models import TOKEN_PATTERN

app_name = "messaging"

# Outside i18n_patterns: the language is part of the link in the e-mail, not a redirect away.
# The token is the proof: these pages show and change only what is harmless when an e-mail is
# forwarded (see views.py).
LINK_PREFIX = rf"^(?P<lang>nl|fr|de|en)/u/(?P<token>{TOKEN_PATTERN})/"

urlpatterns = [
    re_path(LINK_PREFIX + r"$", views.preferences, name="preferences"),
    re_path(LINK_PREFIX + r"privacy$", views.privacy, name="privacy"),
    re_path(LINK_PREFIX + r"useful$", views.useful, name="useful"),
    re_path(LINK_PREFIX + r"unsubscribe$", views.unsubscribe, name="unsubscribe"),
    path("u/<str:token>/unsubscribe", views.unsubscribe, name="unsubscribe_any"),
]
