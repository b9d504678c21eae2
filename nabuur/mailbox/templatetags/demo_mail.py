"""`{% own_demo_mail_link %}`: on the demo's "check your mailbox" page, the way to that mail."""

from django import template
from django.http import Http404

from ..access import own_address

register = template.Library()


@register.inclusion_tag("mailbox/_own_mail_link.html", takes_context=True)
def own_demo_mail_link(context):
    """The link to the visitor's own demo mail; nothing outside the demo or without a sign-up."""
    try:
        address, _since = own_address(context["request"])
    except Http404:
        address = None
    return {"address": address}
