"""`nabuur stats`: how many zones, BINs and members there are, for operators and monitoring."""

import json

from django.core.management.base import BaseCommand

from nabuur.operations.stats import collect_stats


class Command(BaseCommand):
    help = "Print operational counts (zones, municipalities, BINs and members by status, …)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        stats = collect_stats()
        if options["json"]:
            self.stdout.write(json.dumps(stats, indent=2, default=str))
            return
        self.stdout.write(format_table(stats))


def format_table(stats):
    """Two aligned columns; a section with several figures gets a heading and indented rows."""
    rows = []
    for section, value in stats.items():
        if isinstance(value, dict):
            rows.append((section, ""))
            rows.extend((f"  {name}", figure) for name, figure in value.items())
        else:
            rows.append((section, value))
    width = max((len(label) for label, _ in rows), default=0)
    return "\n".join(f"{label:<{width}}  {figure}".rstrip() for label, figure in rows)
