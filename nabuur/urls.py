from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from nabuur.operations import views as operations_views

urlpatterns = [
    path("healthz", operations_views.health, name="health"),
    path("healthz/live", operations_views.health_live, name="health_live"),
    path("metrics", operations_views.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("nabuur.messaging.urls")),
    path("api/v1/", include("nabuur.api.urls")),
]
# A mail provider's tracking webhooks exist only behind their basic-auth secret.
if settings.WEBHOOK_SECRET:
    urlpatterns.append(path("anymail/", include("anymail.urls")))

urlpatterns += i18n_patterns(
    path("", include("nabuur.public.urls")),
    path("", include("nabuur.members.urls")),
    path("mailbox/", include("nabuur.mailbox.urls")),
    # Nabuur's own e-mail page and the link that undoes a change of the login address, before
    # allauth's pages so that they answer allauth's URL name "account_email".
    path("account/email/", include("nabuur.accounts.email_urls")),
    path("account/", include("nabuur.accounts.urls")),
    path("staff/", include("nabuur.staff.urls")),
    path("staff/import/", include("nabuur.imports.urls")),
    path("staff/members/", include("nabuur.members.staff_urls")),
    path("staff/bins/", include("nabuur.networks.urls")),
    path("staff/messages/", include("nabuur.messaging.staff_urls")),
    path("staff/evaluation/", include("nabuur.evaluation.urls")),
    path("staff/api-tokens/", include("nabuur.api.staff_urls")),
    path("survey/", include("nabuur.evaluation.survey_urls")),
    path("me/messages/", include("nabuur.messaging.member_urls")),
    prefix_default_language=True,
)

handler400 = "nabuur.lib.errors.bad_request"
handler403 = "nabuur.public.errors.permission_denied"
handler404 = "nabuur.lib.errors.page_not_found"
handler500 = "nabuur.lib.errors.server_error"
# Not Django's: django-allauth answers its rate limits with this one.
handler429 = "nabuur.lib.errors.too_many_requests"
