"""What the imports app holds about a person, for the privacy registry."""

from nabuur.privacy.registry import register

from .models import ImportBatch


def export_batches(user):
    return [
        {
            "network": batch.network.name,
            "file_name": batch.file_name,
            "uploaded": batch.created_at.isoformat(),
            "status": batch.status,
            "rows": batch.total_rows,
        }
        for batch in ImportBatch.objects.filter(uploaded_by=user).select_related("network")
    ]


def erase_batches(user):
    ImportBatch.objects.filter(uploaded_by=user).update(uploaded_by=None)


register("imports.ImportBatch", export=export_batches, erase=erase_batches)
