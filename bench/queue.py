"""`python -m bench.queue`: in the database of DATABASE_URL, create 100,000 members and time
queuing one message to them. Prints one JSON line: {"seconds": …, "deliveries": …}."""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nabuur.settings")


def main():
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from bench.data import create_members, create_message
    from nabuur.messaging.services import queue_message

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    call_command("migrate", verbosity=0)
    bins = create_members(count)
    message = create_message(bins)
    started = time.perf_counter()
    deliveries = queue_message(message, now=timezone.now())
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "deliveries": deliveries, "message": message.pk}))


if __name__ == "__main__":
    main()
