"""Plain factory_boy factories: the smallest valid row of each model."""

import datetime

import factory
from django.utils import timezone

from nabuur.accounts.models import User
from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import Basis, Membership, MembershipStatus
from nabuur.networks.models import BinType, Network, NetworkStatus, Segment, Side
from nabuur.staff.models import COORDINATOR_ROLES, Role, RoleAssignment, ScreeningResult
from nabuur.zones.models import Municipality, Postcode, Street, Zone
from nabuur.zones.services import street_search_names


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"zone-{n}")
    name = factory.Sequence(lambda n: f"Politiezone Test {n}")
    email = "info@pz-test.example"
    phone = "03 000 00 00"
    postal_address = "Teststraat 1\n2000 Antwerpen"
    controller_name = factory.SelfAttribute("name")
    controller_address = "Teststraat 1\n2000 Antwerpen"
    controller_email = "privacy@pz-test.example"
    dpo_name = "Functionaris voor gegevensbescherming"
    dpo_email = "dpo@pz-test.example"
    accessibility_email = "toegankelijkheid@pz-test.example"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("nis_code",)

    nis_code = factory.Sequence(lambda n: f"{90000 + n}")
    name_nl = factory.Sequence(lambda n: f"Gemeente {n}")
    name_fr = factory.SelfAttribute("name_nl")
    zone = factory.SubFactory(ZoneFactory)
    language_regime = LanguageRegime.DUTCH


class PostcodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Postcode

    code = "2630"
    municipality = factory.SubFactory(MunicipalityFactory)


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    municipality = factory.SubFactory(MunicipalityFactory)
    official_id = factory.Sequence(lambda n: str(100000 + n))
    postcode = "2630"
    name_nl = factory.Sequence(lambda n: f"Straat {n}")
    max_house_number = 200


class BinTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BinType
        django_get_or_create = ("zone", "code")

    zone = factory.SubFactory(ZoneFactory)
    code = BinType.BIN
    name_nl = "BIN"
    name_fr = "RIQ"
    name_de = "BIN"
    name_en = "BIN"
    built_in = True


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    municipality = factory.SubFactory(MunicipalityFactory)
    bin_type = factory.SubFactory(BinTypeFactory, zone=factory.SelfAttribute("..municipality.zone"))
    name = factory.Sequence(lambda n: f"BIN Wijk {n}")
    slug = factory.Sequence(lambda n: f"bin-wijk-{n}")
    status = NetworkStatus.ACTIVE
    start_date = datetime.date(2024, 1, 15)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    network = factory.SubFactory(NetworkFactory)
    street = factory.SubFactory(
        StreetFactory, municipality=factory.SelfAttribute("..network.municipality")
    )
    number_from = 1
    number_to = None
    side = Side.BOTH


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "An"
    last_name = factory.Sequence(lambda n: f"Peeters{n}")
    language = "nl"
    password = factory.django.Password("correct horse battery staple")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    network = factory.SubFactory(NetworkFactory)
    street = factory.SubFactory(
        StreetFactory, municipality=factory.SelfAttribute("..network.municipality")
    )
    house_number = 12
    postcode = factory.SelfAttribute("street.postcode")
    basis = Basis.LIVES
    status = MembershipStatus.ACTIVE
    confirmed_at = factory.LazyFunction(timezone.now)
    approved_at = factory.LazyFunction(timezone.now)


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.COORDINATOR
    started_on = datetime.date(2024, 1, 15)
    # Coordinators come screened and confirmed adult; pass screening_result="pending" for one
    # who is not yet.
    screening_result = factory.LazyAttribute(
        lambda o: (
            ScreeningResult.POSITIVE if o.role in COORDINATOR_ROLES else ScreeningResult.PENDING
        )
    )
    screened_on = factory.LazyAttribute(
        lambda o: datetime.date(2024, 1, 10) if o.role in COORDINATOR_ROLES else None
    )
    adult_confirmed_at = factory.LazyAttribute(
        lambda o: (
            datetime.datetime(2024, 1, 10, 9, 0, tzinfo=datetime.UTC)
            if o.role in COORDINATOR_ROLES
            else None
        )
    )


class SearchableStreetFactory(StreetFactory):
    """A street the address finder can find: `search_names` filled as the import does."""

    name_fr = ""
    name_de = ""
    search_names = factory.LazyAttribute(
        lambda street: street_search_names(street.name_nl, street.name_fr, street.name_de)
    )


# --- Messaging and evaluation (appended for the charter and evaluation tests) -----------------


class MessageFactory(factory.django.DjangoModelFactory):
    """A sent prevention tip by a coordinator; pass `targets=[network, …]`."""

    class Meta:
        model = "messaging.Message"
        skip_postgeneration_save = True

    kind = "prevention"
    state = "sent"
    author_side = "coordinator"
    queued_at = factory.LazyFunction(timezone.now)
    sent_at = factory.SelfAttribute("queued_at")

    @factory.post_generation
    def targets(self, create, extracted, **kwargs):
        if create and extracted:
            self.targets.set(extracted)


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "messaging.Delivery"

    message = factory.SubFactory(MessageFactory)
    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.user.email or "")
    languages = "nl"
    state = "sent"
    next_attempt_at = factory.LazyFunction(timezone.now)
    message_id_header = factory.Sequence(lambda n: f"nabuur.test.{n}@localhost")
    token = factory.Sequence(lambda n: f"{n:032d}")
