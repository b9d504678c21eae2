"""`nabuur demo`: load a fictional police zone with BINs, members and personas to try Nabuur."""

import json
import os
import time
from io import StringIO

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from nabuur.demo.loader import load_demo, persona_host


class Command(BaseCommand):
    help = (
        "Load the demo police zones: six municipalities, BINs with their streets, members and "
        "one persona per role; and a small second zone on its own host name. Running it again "
        "changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--members", type=int, default=3000, help="How many generated members (3000)."
        )
        parser.add_argument(
            "--personas-json", metavar="FILE", help="Also write the personas to FILE as JSON."
        )
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help="The port the site is served on, for the zones' addresses ($PORT or 8000).",
        )

    def handle(self, *args, members, personas_json, port, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is not allowed here (NABUUR_ENV=production).")
        if members < 0:
            raise CommandError("--members cannot be negative.")
        started = time.monotonic()
        # The reference and address imports report their counts only with -v 2.
        steps_out = self.stdout if options["verbosity"] > 1 else StringIO()
        result = load_demo(members=members, stdout=steps_out, port=port)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Demo zone {result.zone.name!r}: {len(result.networks)} BINs, "
            f"{result.members_created} members added"
            f"{', a year of history written' if result.history_added else ''} in {elapsed:.1f} s."
        )
        self.stdout.write(
            f"Demo zone {result.second_zone.name!r}: {len(result.second_networks)} BINs."
        )
        # The first zone answers on every name no zone has; the second only on its own.
        for zone in (result.zone, result.second_zone):
            self.stdout.write(f"{zone.name}: http://{persona_host(zone, port)}/")
        self.stdout.write(format_personas(result.personas))
        if personas_json:
            with open(personas_json, "w", encoding="utf-8") as file:
                json.dump(result.personas, file, indent=2)
                file.write("\n")


def format_personas(personas):
    rows = [("zone", "role", "e-mail", "password", "BINs")]
    for persona in personas:
        rows.append(
            (
                persona["zone"],
                persona["role"],
                persona["email"],
                persona["password"] or "(logs in by e-mailed link)",
                ", ".join(persona["bins"]),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
