from nabuur.operations.metrics import metric
from nabuur.operations.stats import count_by

from .models import BatchStatus, ImportBatch


@metric(
    "nabuur_imports_total",
    "counter",
    "Uploaded member lists by status, counted from the database.",
    labels=("status",),
)
def imports():
    found = count_by(ImportBatch.objects.all(), "status", BatchStatus)
    return {(status,): count for status, count in found.items()}
