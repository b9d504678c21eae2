from django.urls import path

from . import views

app_name = "api_tokens"

urlpatterns = [
    path("<slug:slug>/", views.tokens, name="list"),
    path("<slug:slug>/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("<slug:slug>/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
