"""Queue a message from a script, exactly as its author could in the browser."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from nabuur.accounts.models import User
from nabuur.lib.languages import STAFF_LANGUAGES, regime_languages
from nabuur.messaging.compose import Blocked, create_draft, submit_message
from nabuur.messaging.models import MessageKind
from nabuur.networks.models import Network


def split_language(value, default):
    language, sep, rest = value.partition("=")
    if sep and language in STAFF_LANGUAGES:
        return language, rest
    return default, value


class Command(BaseCommand):
    help = "Queue a message to the members of one or more BINs, as the given author."

    def add_arguments(self, parser):
        parser.add_argument("--bin", action="append", required=True, dest="bins")
        parser.add_argument("--kind", required=True, choices=MessageKind.values)
        parser.add_argument("--subject", action="append", required=True, help="[LANG=]TEXT")
        parser.add_argument("--body-file", action="append", required=True, help="[LANG=]FILE")
        parser.add_argument("--author", required=True, help="the author's e-mail address")
        parser.add_argument(
            "--justification", default="", help="police only: send despite findings"
        )

    def handle(self, *args, **options):
        author = User.objects.filter(email__iexact=options["author"]).first()
        if author is None:
            raise CommandError(f"No account with the address {options['author']}.")
        networks = []
        for slug in options["bins"]:
            network = Network.objects.select_related("municipality__zone").filter(slug=slug).first()
            if network is None:
                raise CommandError(f"No BIN with the slug {slug}.")
            networks.append(network)
        first = regime_languages(networks[0].municipality.language_regime)[0]
        subjects = dict(split_language(value, first) for value in options["subject"])
        bodies = {}
        for value in options["body_file"]:
            language, path = split_language(value, first)
            try:
                bodies[language] = Path(path).read_text(encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        if set(subjects) != set(bodies):
            raise CommandError("Give a subject and a body file for the same languages.")
        variants = {lang: (subjects[lang], bodies[lang]) for lang in subjects}
        try:
            message = create_draft(
                author, kind=options["kind"], networks=networks, variants=variants
            )
            results = submit_message(message, author, justification=options["justification"])
        except PermissionDenied as error:
            raise CommandError(
                f"{author.email} may not send messages to {', '.join(options['bins'])}."
            ) from error
        except Blocked as error:
            if "message" in locals():
                message.delete()
            raise CommandError(" ".join(error.messages)) from error
        for result in results:
            targets = ", ".join(n.slug for n in result.targets.all())
            self.stdout.write(f"message #{result.pk} to {targets}: {result.get_state_display()}")
