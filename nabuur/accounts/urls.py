# allauth's URL names (account_login, mfa_index, …) are not namespaced, so neither is this module.
from django.urls import include, path

from . import views

urlpatterns = [
    path("invitation/<str:token>/", views.invitation, name="account_invitation"),
    path("", include("allauth.urls")),
]
