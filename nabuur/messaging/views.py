"""The one-click unsubscribe endpoint of every e-mail (RFC 8058)."""

from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services
from .models import Delivery


# Mail providers POST here without cookies or a CSRF token: the secret token is the proof.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token, lang=None):
    delivery = Delivery.objects.select_related("message").filter(token=token).first()
    if delivery is None:
        raise Http404
    language = lang or delivery.language_list[0]
    translation.activate(language)
    request.LANGUAGE_CODE = language
    if request.method == "POST":
        services.unsubscribe(delivery)
        return render(request, "messaging/unsubscribed.html")
    return render(request, "messaging/unsubscribe.html", {"action": request.path})
