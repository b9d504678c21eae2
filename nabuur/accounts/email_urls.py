# Mounted at /<lang>/account/email/ before allauth's pages (nabuur/urls.py), so that Nabuur's
# own e-mail page answers allauth's URL name.
from django.urls import path

from . import email_views

urlpatterns = [
    path("", email_views.email, name="account_email"),
    path("undo/<str:token>/", email_views.undo, name="account_email_undo"),
]
