from django.shortcuts import render

from .models import MailboxMessage


def inbox(request):
    return render(request, "mailbox/inbox.html", {"messages_": MailboxMessage.objects.all()[:50]})
