"""The demo mailbox: read the e-mails the site would have sent, as a zone administrator, or
as a visitor who just signed up, their own."""

import email
import email.policy
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin

from .access import (
    get_mailbox_for_admin,
    get_mailbox_message_for_admin,
    get_own_mail,
    get_own_message,
    mailbox_enabled,
)

PAGE_SIZE = 50

# The HTML part of an e-mail is foreign content: shown in a sandbox (a unique origin, no
# scripts, no forms, no plugins) that may load nothing but inline styles and data: images.
HTML_PART_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def mailbox_view(view):
    """No mailbox outside the demo (404); anonymous visitors are sent to log in first."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not mailbox_enabled():
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


@mailbox_view
def inbox(request):
    messages = get_mailbox_for_admin(request.user).defer("raw")
    query = request.GET.get("q", "").strip()
    if query:
        messages = messages.filter(recipients__icontains=query)
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mailbox/inbox.html", {"page": page, "query": query})


@mailbox_view
def message(request, pk):
    mail = get_mailbox_message_for_admin(request.user, pk)
    parsed = parse(mail)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    return render(
        request,
        "mailbox/message.html",
        {
            "mail": mail,
            "headers": list(parsed.items()),
            "text": text_part.get_content() if text_part else "",
            "has_html": html_part is not None,
            "attachments": [
                part.get_filename() or part.get_content_type() for part in parsed.iter_attachments()
            ],
        },
    )


@xframe_options_sameorigin
@mailbox_view
def message_html(request, pk):
    mail = get_mailbox_message_for_admin(request.user, pk)
    html_part = parse(mail).get_body(preferencelist=("html",))
    if html_part is None:
        raise Http404
    response = HttpResponse(html_part.get_content(), content_type="text/html; charset=utf-8")
    # Set here, so the site-wide policy (which allows our own scripts) does not apply.
    response.headers["Content-Security-Policy"] = HTML_PART_POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@mailbox_view
def message_raw(request, pk):
    mail = get_mailbox_message_for_admin(request.user, pk)
    response = HttpResponse(bytes(mail.raw), content_type="message/rfc822")
    response.headers["Content-Disposition"] = f'attachment; filename="message-{mail.pk}.eml"'
    return response


def parse(mail):
    return email.message_from_bytes(bytes(mail.raw), policy=email.policy.default)


@never_cache
def own(request):
    """The e-mails to the address this browser signed up with: the demo's "check your mail"."""
    address, mails = get_own_mail(request)
    return render(request, "mailbox/own.html", {"address": address, "mails": mails})


@never_cache
def own_message(request, pk):
    mail = get_own_message(request, pk)
    text_part = parse(mail).get_body(preferencelist=("plain",))
    return render(
        request,
        "mailbox/own_message.html",
        {"mail": mail, "text": text_part.get_content() if text_part else ""},
    )
