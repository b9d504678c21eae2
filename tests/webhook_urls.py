"""The product's URLs plus anymail's webhooks, as a site with NABUUR_WEBHOOK_SECRET has them."""

from django.urls import include, path

from nabuur.urls import urlpatterns as product_urls

urlpatterns = [*product_urls, path("anymail/", include("anymail.urls"))]
