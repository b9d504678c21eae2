"""`nabuur import_members FILE --bin SLUG`: the coordinator's import, from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from nabuur.accounts.models import User, normalize_email_address
from nabuur.networks.models import Network
from nabuur.staff.permissions import Capability, can

from ...checks import describe
from ...models import BatchStatus, ConsentChoice
from ...readers import UnreadableFile, check_size, describe_file_problem
from ...services import check_batch, choose_consent, run_import, upload_list


class Command(BaseCommand):
    help = "Check a member list (CSV or XLSX) and import its good rows into a BIN."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--bin", required=True, dest="slug", help="The BIN's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; import nothing.")
        consent = parser.add_mutually_exclusive_group()
        consent.add_argument(
            "--consent-note",
            help="How the members consented before, e.g. 'paper forms signed on 3 May 2026'.",
        )
        consent.add_argument(
            "--ask-confirmation",
            action="store_true",
            help="E-mail each imported member a link to confirm (the default).",
        )
        parser.add_argument(
            "--by",
            help="E-mail address of the coordinator who vouches for the consent note.",
        )
        parser.add_argument("--language", default=None, help="Language of the messages.")

    def handle(self, *args, file, slug, dry_run, consent_note, ask_confirmation, by, language, **_):
        network = Network.objects.select_related("municipality__zone").filter(slug=slug).first()
        if network is None:
            raise CommandError(f"No BIN with the slug {slug!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file}.")
        if consent_note is not None and not consent_note.strip():
            raise CommandError("--consent-note needs a text.")
        actor = None
        if consent_note is not None:
            actor = User.objects.filter(email=normalize_email_address(by)).first() if by else None
            if actor is None or not can(actor, Capability.MANAGE_MEMBERS, network):
                raise CommandError("--consent-note needs --by: a person who manages this BIN.")
        with translation.override(language):
            return self._run(network, path, dry_run, consent_note, actor)

    def _run(self, network, path, dry_run, consent_note, actor):
        # The same steps as an upload through the site, with the worker's part run here.
        try:
            check_size(path.stat().st_size)
            batch = upload_list(network, actor, path.read_bytes(), path.name)
        except UnreadableFile as error:
            raise CommandError(str(error)) from error
        batch = check_batch(batch.pk)
        if batch.status == BatchStatus.UNREADABLE:
            if dry_run:
                batch.delete()
            raise CommandError(describe_file_problem(batch.file_problem))
        for row in batch.rows.filter(has_problems=True).order_by("number"):
            for problem in row.problems:
                self.stdout.write(f"row {row.number}: {describe(problem, network.municipality)}")
        if dry_run:
            self.stdout.write(
                f"{batch.total_rows} rows, {batch.good_rows} to import, "
                f"{batch.problem_rows} with problems (dry run: nothing imported)."
            )
            batch.delete()
            if not batch.good_rows:
                raise CommandError("Nothing could be imported.")
            return
        if consent_note:
            choose_consent(batch, actor, ConsentChoice.RECORDED, consent_note)
        else:
            choose_consent(batch, None, ConsentChoice.ASK)
        batch = run_import(batch.pk)
        self.stdout.write(
            f"{batch.total_rows} rows, {batch.imported_rows} imported, "
            f"{batch.problem_rows} with problems."
        )
        if not batch.imported_rows:
            raise CommandError("Nothing could be imported.")
