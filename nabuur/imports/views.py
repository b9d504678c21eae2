from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from nabuur.staff.access import get_network_for
from nabuur.staff.permissions import Capability

from . import services, tasks
from .checks import describe
from .forms import ConsentForm, UploadForm
from .models import BatchStatus, ImportBatch
from .readers import UnreadableFile, describe_file_problem

ROWS_PER_PAGE = 50
# While one of these runs, the progress page follows it; then it shows the outcome.
RUNNING = (BatchStatus.CHECKING, BatchStatus.QUEUED)


def _batch_for(user, slug, batch_id):
    network = get_network_for(user, Capability.MANAGE_MEMBERS, slug)
    return get_object_or_404(
        ImportBatch.objects.select_related("network__municipality"), pk=batch_id, network=network
    )


class _SizeLimit(FileUploadHandler):
    """Stops receiving an uploaded file once it passes NABUUR_IMPORT_MAX_BYTES, so a huge file
    never fills the server's memory or temporary folder."""

    exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.NABUUR_IMPORT_MAX_BYTES:
            self.exceeded = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


# Upload handlers must be in place before anything reads the request body, and the CSRF check
# reads it: so the check runs inside, once the handler is in place (Django's documented way).
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def upload(request, slug):
    limit = _SizeLimit(request)
    request.upload_handlers.insert(0, limit)
    return _upload(request, slug, limit)


@csrf_protect
def _upload(request, slug, limit):
    network = get_network_for(request.user, Capability.MANAGE_MEMBERS, slug)
    posted = request.method == "POST"
    # Bound on every POST: a file stopped for its size leaves the POST empty.
    form = UploadForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        too_large=limit.exceeded,
    )
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # The task is a row in the same database: it exists exactly when the batch does.
            with transaction.atomic():
                content = b"".join(upload.chunks())
                batch = services.upload_list(network, request.user, content, upload.name)
                tasks.check_batch.enqueue(batch.pk)
        except UnreadableFile as error:
            form.add_error("file", str(error))
        else:
            return redirect("imports:progress", slug=network.slug, batch_id=batch.pk)
    return render(request, "imports/upload.html", {"network": network, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def preview(request, slug, batch_id):
    batch = _batch_for(request.user, slug, batch_id)
    if batch.status != BatchStatus.PREVIEWED:
        return redirect("imports:progress", slug=slug, batch_id=batch.pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            if services.choose_consent(
                batch, request.user, form.cleaned_data["consent"], form.cleaned_data["note"]
            ):
                tasks.import_batch.enqueue(batch.pk)
        return redirect("imports:progress", slug=slug, batch_id=batch.pk)
    page = Paginator(batch.rows.filter(has_problems=True).order_by("number"), ROWS_PER_PAGE)
    page = page.get_page(request.GET.get("page"))
    municipality = batch.network.municipality
    rows = [(row, [describe(problem, municipality) for problem in row.problems]) for row in page]
    context = {
        "network": batch.network,
        "batch": batch,
        "page": page,
        "rows": rows,
        "form": form,
        "without_email": batch.rows.filter(has_problems=False, data__email="").count(),
    }
    return render(request, "imports/preview.html", context)


def _progress_text(batch, done, total):
    values = {
        "done": number_format(done, force_grouping=True),
        "total": number_format(total, force_grouping=True),
    }
    if batch.status == BatchStatus.CHECKING:
        if not total:
            return _("Waiting for the file to be read.")
        return _("Checking: %(done)s of %(total)s rows.") % values
    return _("Importing: %(done)s of %(total)s rows.") % values


@login_required
@never_cache
def progress(request, slug, batch_id):
    """The check's or the import's progress, then its outcome; a checked list goes on to the
    preview. Without JavaScript the page offers a button to look again; with it,
    static/js/import-progress.js follows `progress.json`."""
    batch = _batch_for(request.user, slug, batch_id)
    if batch.status == BatchStatus.PREVIEWED:
        return redirect("imports:preview", slug=slug, batch_id=batch.pk)
    done, total = services.read_progress(batch)
    context = {
        "network": batch.network,
        "batch": batch,
        "running": batch.status in RUNNING,
        "done": done,
        "total": total,
        "progress_text": _progress_text(batch, done, total),
        "retention_days": settings.NABUUR_IMPORT_RETENTION_DAYS,
        "file_problem": describe_file_problem(batch.file_problem) if batch.file_problem else "",
    }
    return render(request, "imports/progress.html", context)


@login_required
@require_GET
@never_cache
def progress_json(request, slug, batch_id):
    """What the progress page shows while a step runs; `next` once it has ended."""
    batch = _batch_for(request.user, slug, batch_id)
    done, total = services.read_progress(batch)
    running = batch.status in RUNNING
    return JsonResponse(
        {
            "status": batch.status,
            "running": running,
            "done": done,
            "total": total,
            "text": _progress_text(batch, done, total) if running else "",
            "next": reverse("imports:progress", kwargs={"slug": slug, "batch_id": batch.pk}),
        }
    )
