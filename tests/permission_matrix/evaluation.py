"""Charter and evaluation pages (/<lang>/staff/evaluation/…) and the members' survey link."""

import hashlib

from nabuur.evaluation import services
from nabuur.evaluation.models import CharterState, CharterVersion, Evaluation, SurveyInvitation
from nabuur.staff.permissions import Capability as C

YEAR = 2025
SURVEY_TOKEN = "survey-token-for-the-matrix"


def evaluation_of_a(ctx):
    services.open_evaluation(ctx.bin_a, YEAR)
    return {"slug": ctx.bin_a.slug, "year": YEAR}


def figure_of_a(ctx):
    return {**evaluation_of_a(ctx), "key": "joins"}


def draft_charter_of_a(ctx):
    charter = CharterVersion.objects.create(
        network=ctx.bin_a,
        version=1,
        contacts=services.current_contacts(ctx.bin_a),
        plan_version=0,
    )
    return {"slug": ctx.bin_a.slug, "version": charter.version}


def charter_in_force_of_a(ctx):
    charter = CharterVersion.objects.create(
        network=ctx.bin_a,
        version=1,
        state=CharterState.IN_FORCE,
        contacts=services.current_contacts(ctx.bin_a),
        plan_version=0,
    )
    return {"slug": ctx.bin_a.slug, "version": charter.version}


def survey_link(ctx):
    services.open_evaluation(ctx.bin_a, YEAR)
    SurveyInvitation.objects.create(
        evaluation=Evaluation.objects.get(network=ctx.bin_a, year=YEAR),
        token_hash=hashlib.sha256(SURVEY_TOKEN.encode()).hexdigest(),
    )
    return {"token": SURVEY_TOKEN}


def _post(capability, kwargs, data=None):
    return {
        "capability": capability,
        "object": "bin_a",
        "kwargs": kwargs,
        "method": "post",
        "data": data or {},
        "ok": (302,),
    }


ENTRIES = {
    "evaluation:index": {"capability": C.VIEW_EVALUATION, "object": None, "kwargs": {}},
    "evaluation:charter": {
        "capability": C.VIEW_EVALUATION,
        "object": "bin_a",
        "kwargs": lambda ctx: {"slug": ctx.bin_a.slug},
    },
    "evaluation:charter_start": _post(C.SIGN_CHARTER, lambda ctx: {"slug": ctx.bin_a.slug}),
    "evaluation:charter_budget": {
        "capability": C.SIGN_CHARTER,
        "object": "bin_a",
        "kwargs": draft_charter_of_a,
    },
    "evaluation:charter_sign": _post(C.SIGN_CHARTER, draft_charter_of_a),
    # The zone administrator records the exchange with the FOD without signing.
    "evaluation:charter_fod": _post(
        C.RECORD_FOD_EXCHANGE, charter_in_force_of_a, {"sent_to_fod_on": "2025-03-01"}
    ),
    "evaluation:charter_pdf": {
        "capability": C.VIEW_EVALUATION,
        "object": "bin_a",
        "kwargs": draft_charter_of_a,
    },
    "evaluation:detail": {
        "capability": C.VIEW_EVALUATION,
        "object": "bin_a",
        "kwargs": evaluation_of_a,
    },
    "evaluation:edit": {
        "capability": C.EDIT_EVALUATION,
        "object": "bin_a",
        "kwargs": evaluation_of_a,
    },
    "evaluation:sign": _post(C.EDIT_EVALUATION, evaluation_of_a),
    "evaluation:survey_start": _post(C.EDIT_EVALUATION, evaluation_of_a),
    "evaluation:figure_rows": {
        "capability": C.VIEW_FIGURES,
        "object": "bin_a",
        "kwargs": figure_of_a,
    },
    "evaluation:figures_csv": {
        "capability": C.VIEW_FIGURES,
        "object": "bin_a",
        "kwargs": evaluation_of_a,
    },
    "evaluation:pdf": {
        "capability": C.VIEW_EVALUATION,
        "object": "bin_a",
        "kwargs": evaluation_of_a,
    },
    "evaluation:overview_zone": {
        "capability": C.VIEW_FIGURES,
        "object": "zone",
        "kwargs": lambda ctx: {"slug": ctx.zone.slug, "year": YEAR},
    },
    "evaluation:overview_zone_csv": {
        "capability": C.VIEW_FIGURES,
        "object": "zone",
        "kwargs": lambda ctx: {"slug": ctx.zone.slug, "year": YEAR},
    },
    "evaluation:overview_municipality": {
        "capability": C.VIEW_FIGURES,
        "object": "municipality",
        "kwargs": lambda ctx: {"nis_code": ctx.municipality.nis_code, "year": YEAR},
    },
    "evaluation:overview_municipality_csv": {
        "capability": C.VIEW_FIGURES,
        "object": "municipality",
        "kwargs": lambda ctx: {"nis_code": ctx.municipality.nis_code, "year": YEAR},
    },
    # The survey link is the proof: whoever holds it gets the form, signed in or not.
    "evaluation_survey:answer": {"capability": "public", "object": None, "kwargs": survey_link},
}
