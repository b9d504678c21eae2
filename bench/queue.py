"""`python -m bench.queue [COUNT [QUIET]]`: in the database of DATABASE_URL, create COUNT
(100,000) members and time queuing one message to them. With QUIET (a share such as 0.2), that
share of the members is in quiet hours at the moment of queueing, so their e-mails are held.
Prints one JSON line: {"seconds": …, "deliveries": …, "held": …}."""

import datetime
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nabuur.settings")


def main():
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models.functions import Mod
    from django.utils import timezone

    from bench.data import create_members, create_message
    from nabuur.members.models import Membership
    from nabuur.messaging.models import Delivery
    from nabuur.messaging.services import queue_message

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    quiet = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
    call_command("migrate", verbosity=0)
    bins = create_members(count)
    message = create_message(bins)
    now = timezone.now()
    if quiet:
        local = timezone.localtime(now)
        every = round(1 / quiet)
        members = Membership.objects.annotate(slot=Mod("pk", every))
        members.filter(network__in=bins, slot=0).update(
            quiet_from=(local - datetime.timedelta(hours=1)).time(),
            quiet_to=(local + datetime.timedelta(hours=1)).time(),
        )
    started = time.perf_counter()
    deliveries = queue_message(message, now=now)
    seconds = time.perf_counter() - started
    held = Delivery.objects.filter(message=message).exclude(held_for="").count()
    print(
        json.dumps(
            {"seconds": seconds, "deliveries": deliveries, "held": held, "message": message.pk}
        )
    )


if __name__ == "__main__":
    main()
