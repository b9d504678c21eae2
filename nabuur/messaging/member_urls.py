"""Members' pages of messaging under /<lang>/me/messages/: the archive of what they received."""

from django.urls import path

from . import views

app_name = "messaging_members"
urlpatterns = [
    path("", views.archive, name="archive"),
    path("<int:delivery_id>/", views.archive_message, name="message"),
]
