"""Every model with personal data is registered for export and erasure, or says why not."""

from django.apps import apps
from django.conf import settings

from nabuur.privacy import registry

PERSONAL_FIELD_HINTS = ("email", "phone", "first_name", "last_name", "house_number", "street")


def personal_data_reasons(model):
    """Why a model looks like it holds personal data: its user links and tell-tale fields."""
    reasons = []
    for field in model._meta.get_fields():
        if not field.concrete:
            continue
        related = field.related_model
        if related is not None and related._meta.label == settings.AUTH_USER_MODEL:
            reasons.append(f"{field.name} → user")
        elif any(hint in field.name for hint in PERSONAL_FIELD_HINTS) and related is None:
            reasons.append(field.name)
    if model._meta.label == settings.AUTH_USER_MODEL:
        reasons.append("the user model")
    return reasons


def test_every_model_with_personal_data_is_registered_or_declared():
    registered = registry.registered()
    declared = registry.declared_without_personal_data()
    missing = {
        model._meta.label: reasons
        for model in apps.get_models()
        if (reasons := personal_data_reasons(model))
        and model._meta.label not in registered
        and model._meta.label not in declared
    }
    assert missing == {}, (
        "Register these in the app's personal_data.py (nabuur.privacy.registry.register) "
        f"or declare them with no_personal_data(label, reason): {missing}"
    )


def test_every_declaration_names_an_installed_model_and_a_reason():
    labels = {model._meta.label for model in apps.get_models()}
    for label, reason in registry.declared_without_personal_data().items():
        assert label in labels
        assert len(reason) > 10
    assert set(registry.registered()) <= labels


def test_the_checker_sees_the_models_it_must(db):
    from nabuur.members.models import AddressRequest, Membership
    from nabuur.zones.models import Municipality

    assert personal_data_reasons(Membership) == [
        "user → user",
        "house_number",
        "house_number_suffix",
        "last_name_key",
        "first_name_key",
        "street_key",
    ]
    assert "email" in personal_data_reasons(AddressRequest)
    assert personal_data_reasons(Municipality) == []


# --- Each zone is the data controller (issue 18): every entry honours the zone ---------------


def _rows_of_every_kind(person, network, n):
    """Rows about `person` in `network`'s zone, one or more of every registered kind."""
    import datetime

    from django.utils import timezone

    from nabuur.accounts.models import Invitation
    from nabuur.api.models import ApiToken, TokenZone
    from nabuur.evaluation.models import (
        CharterSignature,
        CharterVersion,
        Evaluation,
        EvaluationSignature,
        SurveyInvitation,
    )
    from nabuur.imports.models import ImportBatch, ImportRow, ImportUpload
    from nabuur.members.models import AddressRequest, BlockedPerson, Consent, Measure
    from nabuur.members.services.blocks import block_hash
    from nabuur.messaging.models import (
        CommunicationPlan,
        Feedback,
        MessageEvent,
        Reply,
        SkippedRecipient,
    )
    from nabuur.networks.models import CoordinatorMeasure
    from nabuur.staff.models import Role
    from nabuur.zones.documents import publish_house_rules

    from . import factories

    zone = network.municipality.zone
    now = timezone.now()
    membership = factories.MembershipFactory(user=person, network=network)
    role = factories.RoleFactory(user=person, role=Role.COORDINATOR, network=network)
    Consent.objects.create(user=person, document=publish_house_rules(zone), channel="web")
    AddressRequest.objects.create(
        zone=zone,
        first_name="Els",
        last_name="Claes",
        email=person.email,
        street_name="Kerkstraat",
        house_number="1",
        postcode="2650",
    )
    measure = Measure.objects.create(
        membership=membership, kind="written_reprimand", reason="Te vaak", proposed_by=person
    )
    BlockedPerson.objects.create(
        zone=zone,
        value_hash=block_hash(f"email:{person.email}"),
        measure=measure,
        expires_at=now + datetime.timedelta(days=30),
    )
    message = factories.MessageFactory(targets=[network], author=person)
    MessageEvent.objects.create(message=message, state="sent", actor=person)
    CommunicationPlan.objects.create(network=network, version=1, created_by=person)
    delivery = factories.DeliveryFactory(user=person, message=message)
    Feedback.objects.create(delivery=delivery, useful=True, comment="Goed")
    SkippedRecipient.objects.create(message=message, user=person, reason="paused")
    Reply.objects.create(delivery=delivery, network=network, received_at=now, text="Dank u")
    Invitation.objects.create(
        user=person,
        role_assignment=role,
        token_hash=f"{n}" * 64,
        created_at=now,
        expires_at=now + datetime.timedelta(days=7),
    )
    token = ApiToken.objects.create(
        name="Dispatch", prefix=f"tok{n}", digest=f"{n}" * 64, created_by=person
    )
    TokenZone.objects.create(token=token, zone=zone, added_by=person)
    charter = CharterVersion.objects.create(
        network=network,
        version=1,
        plan_version=1,
        created_by=person,
        contacts=[{"user": person.pk, "party": "coordinator", "name": "Els", "email": "e"}],
    )
    CharterSignature.objects.create(
        charter=charter, party="coordinator", user=person, signed_at=now
    )
    evaluation = Evaluation.objects.create(
        network=network,
        year=2025,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
    )
    EvaluationSignature.objects.create(
        evaluation=evaluation, party="coordinator", user=person, signed_at=now
    )
    SurveyInvitation.objects.create(evaluation=evaluation, user=person, token_hash=f"s{n}" * 32)
    batch = ImportBatch.objects.create(network=network, uploaded_by=person, file_name="leden.csv")
    ImportRow.objects.create(batch=batch, number=2, data={"email": person.email}, problems=[])
    waiting = ImportBatch.objects.create(network=network, uploaded_by=person, file_name="w.csv")
    ImportUpload.objects.create(
        batch=waiting,
        content=(
            "voornaam,achternaam,straat,huisnummer,postcode,email\n"
            f"Els,Claes,Kerkstraat,1,2650,{person.email}\n"
        ).encode(),
    )
    CoordinatorMeasure.objects.create(
        assignment=role,
        kind="conversation",
        decided_on=datetime.date(2025, 3, 1),
        decided_by="Korpschef",
        recorded_by=person,
    )


# Registered kinds this test cannot fill with a row of its own, and why.
NOT_FILLED = {}


def test_every_entry_exports_and_erases_only_the_zone_it_is_given(bin_a):
    from nabuur.privacy.registry import erase_person

    from . import factories

    zone_a = bin_a.municipality.zone
    other = factories.ZoneFactory(slug="pz-other", name="Politiezone Ander")
    bin_z = factories.NetworkFactory(
        municipality=factories.MunicipalityFactory(nis_code="12002", zone=other), slug="berlaar"
    )
    person = factories.UserFactory(email="els@example.org")
    _rows_of_every_kind(person, bin_a, 1)
    entries = {
        label: entry
        for label, entry in registry.registered().items()
        if not entry.install_wide and label not in NOT_FILLED
    }
    in_a = {label: entry.export(person, zone_a) for label, entry in entries.items()}
    assert [label for label, rows in in_a.items() if not rows] == []
    # Nothing of zone A is in the other zone's export.
    assert {label: entry.export(person, other) for label, entry in entries.items()} == {
        label: [] for label in entries
    }

    _rows_of_every_kind(person, bin_z, 2)
    assert erase_person(person, other) is False
    # The other zone's erasure left zone A's rows as they were.
    assert {label: entry.export(person, zone_a) for label, entry in entries.items()} == in_a
    # And nothing in the other zone leads to the person any more, but the block list's keyed
    # hash, which the zone keeps for its retention period for measures (privacy notice).
    left = {label for label, entry in entries.items() if entry.export(person, other)}
    assert left == {"members.BlockedPerson"}
