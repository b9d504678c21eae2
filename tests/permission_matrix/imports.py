"""Member import pages (/<lang>/staff/import/…): the BIN's member managers only."""

from nabuur.staff.permissions import Capability


def _batch(ctx):
    from nabuur.imports.models import ImportBatch

    batch = ImportBatch.objects.create(network=ctx.bin_a, file_name="leden.csv")
    return {"slug": ctx.bin_a.slug, "batch_id": batch.pk}


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
        "kwargs": _batch,
    },
}
