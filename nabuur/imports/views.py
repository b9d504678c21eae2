import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from nabuur.staff.access import get_network_for
from nabuur.staff.permissions import Capability

from . import services, tasks
from .checks import describe
from .forms import ConsentForm, UploadForm
from .models import BatchStatus, ImportBatch
from .readers import UnreadableFile

ROWS_PER_PAGE = 50
REFRESH_SECONDS = 3


def _batch_for(user, slug, batch_id):
    network = get_network_for(user, Capability.MANAGE_MEMBERS, slug)
    return get_object_or_404(
        ImportBatch.objects.select_related("network__municipality"), pk=batch_id, network=network
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, slug):
    network = get_network_for(request.user, Capability.MANAGE_MEMBERS, slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "upload"
            with path.open("wb") as target:
                for chunk in upload.chunks():
                    target.write(chunk)
            try:
                batch = services.preview_import(network, request.user, path, upload.name)
            except UnreadableFile as error:
                form.add_error("file", str(error.args[0]))
            else:
                return redirect("imports:preview", slug=network.slug, batch_id=batch.pk)
    return render(request, "imports/upload.html", {"network": network, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def preview(request, slug, batch_id):
    batch = _batch_for(request.user, slug, batch_id)
    if batch.status != BatchStatus.PREVIEWED:
        return redirect("imports:progress", slug=slug, batch_id=batch.pk)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.choose_consent(
            batch, request.user, form.cleaned_data["consent"], form.cleaned_data["note"]
        ):
            tasks.import_batch.enqueue(batch.pk)
        return redirect("imports:progress", slug=slug, batch_id=batch.pk)
    page = Paginator(batch.rows.filter(has_problems=True).order_by("number"), ROWS_PER_PAGE)
    page = page.get_page(request.GET.get("page"))
    municipality = batch.network.municipality
    rows = [(row, [describe(problem, municipality) for problem in row.problems]) for row in page]
    context = {"network": batch.network, "batch": batch, "page": page, "rows": rows, "form": form}
    return render(request, "imports/preview.html", context)


@login_required
def progress(request, slug, batch_id):
    batch = _batch_for(request.user, slug, batch_id)
    done, total = services.read_progress(batch)
    response = render(
        request,
        "imports/progress.html",
        {
            "network": batch.network,
            "batch": batch,
            "done": done,
            "total": total,
            "retention_days": settings.NABUUR_IMPORT_RETENTION_DAYS,
        },
    )
    if batch.status == BatchStatus.QUEUED:
        # An HTTP Refresh header: no script, no <meta> in a template we do not own, CSP-safe.
        response["Refresh"] = str(REFRESH_SECONDS)
    return response
