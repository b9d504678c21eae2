import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from nabuur.networks import cap
from nabuur.networks.models import Network

# "fr=Texte" gives the language; a text without one is in the municipality's first language.
LABELLED = re.compile(r"^([a-z]{2})=(.*)$", re.DOTALL)


class Command(BaseCommand):
    help = (
        "Write an OASIS CAP 1.2 alert for the area of one or several BINs, to hand over to "
        "BE-Alert. --headline and --description repeat per language (nl=…, fr=…, de=…); "
        "every language the BINs' municipalities require needs both. The export is audited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bin", dest="bins", action="append", required=True, metavar="SLUG", help="Repeat."
        )
        parser.add_argument(
            "--headline",
            action="append",
            required=True,
            metavar="[LANG=]TEXT",
            help="Short, e.g. 'nl=Verdachte voertuigen in de wijk'. Repeat per language.",
        )
        parser.add_argument("--description", action="append", required=True, metavar="[LANG=]TEXT")
        parser.add_argument(
            "--exercise", action="store_true", help="Status Exercise instead of Actual."
        )
        parser.add_argument(
            "--urgency",
            choices=cap.Urgency.CHOICES,
            default=cap.Urgency.DEFAULT,
            help=f"Default: {cap.Urgency.DEFAULT}.",
        )
        parser.add_argument(
            "--severity",
            choices=cap.Severity.CHOICES,
            default=cap.Severity.DEFAULT,
            help=f"Default: {cap.Severity.DEFAULT}.",
        )
        parser.add_argument(
            "--certainty",
            choices=cap.Certainty.CHOICES,
            default=cap.Certainty.DEFAULT,
            help=f"Default: {cap.Certainty.DEFAULT}.",
        )
        parser.add_argument("--out", required=True, type=Path, help="The file to write.")

    def handle(self, *args, **options):
        # The command speaks English, like every other; the alert's texts are the caller's.
        with translation.override("en"):
            self._export(**options)

    def _export(self, *, bins, headline, description, out, **options):
        networks = _networks(bins)
        first = cap.first_language(networks)
        headlines = _by_language(headline, first, "--headline")
        descriptions = _by_language(description, first, "--description")
        for lang in sorted(set(headlines) ^ set(descriptions)):
            raise CommandError(f"Give both --headline and --description in {lang}.", returncode=2)
        texts = {lang: cap.Text(headlines[lang], descriptions[lang]) for lang in headlines}
        try:
            alert = cap.export_alert(
                None,
                networks,
                texts,
                role="system",
                exercise=options["exercise"],
                urgency=options["urgency"],
                severity=options["severity"],
                certainty=options["certainty"],
            )
        except cap.CapError as error:
            raise CommandError(str(error), returncode=2) from error
        out.write_bytes(alert.xml)
        self.stdout.write(f"Alert {alert.identifier} written to {out}.")


def _networks(slugs):
    found = {
        network.slug: network
        for network in Network.objects.filter(slug__in=slugs).select_related("municipality__zone")
    }
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise CommandError(f"No BIN with the slug: {', '.join(unknown)}.", returncode=2)
    # Each BIN once, in the order given.
    return [found[slug] for slug in dict.fromkeys(slugs)]


def _by_language(values, first, option):
    texts = {}
    for value in values:
        match = LABELLED.match(value)
        lang, text = (match.group(1), match.group(2)) if match else (first, value)
        if lang in texts:
            raise CommandError(f"{option} is given twice in {lang}.", returncode=2)
        texts[lang] = text
    return texts
