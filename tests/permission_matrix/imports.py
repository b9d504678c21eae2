"""Member import pages (/<lang>/staff/import/…): the BIN's member managers only."""

from nabuur.staff.permissions import Capability


def _batch(ctx, status="previewed"):
    from nabuur.imports.models import ImportBatch

    batch = ImportBatch.objects.create(network=ctx.bin_a, file_name="leden.csv", status=status)
    return {"slug": ctx.bin_a.slug, "batch_id": batch.pk}


def _checking_batch(ctx):
    # A checked list's progress page sends on to its preview; one being checked shows itself.
    return _batch(ctx, status="checking")


ENTRIES = {
    "imports:upload": {
        "capability": Capability.MANAGE_MEMBERS,
        "object": "bin_a",
        "kwargs": lambda ctx: {"slug": ctx.bin_a.slug},
    },
    "imports:preview": {
        "capability": Capability.MANAGE_MEMBERS,
        "object": "bin_a",
        "kwargs": _batch,
    },
    "imports:progress": {
        "capability": Capability.MANAGE_MEMBERS,
        "object": "bin_a",
        "kwargs": _checking_batch,
    },
    "imports:progress_json": {
        "capability": Capability.MANAGE_MEMBERS,
        "object": "bin_a",
        "kwargs": _checking_batch,
    },
}
