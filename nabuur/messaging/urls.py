from django.urls import path, re_path

from . import views

app_name = "messaging"

# Outside i18n_patterns: the language is part of the link in the e-mail, not a redirect away.
urlpatterns = [
    re_path(
        r"^(?P<lang>nl|fr|de|en)/u/(?P<token>[0-9a-f]{32})/unsubscribe$",
        views.unsubscribe,
        name="unsubscribe",
    ),
    path("u/<str:token>/unsubscribe", views.unsubscribe, name="unsubscribe_any"),
]
