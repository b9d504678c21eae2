from nabuur.operations.stats import count_by, stats_section

from .models import Delivery, DeliveryState, Message, MessageState


@stats_section("messages")
def messages():
    return count_by(Message.objects.all(), "state", MessageState)


@stats_section("deliveries")
def deliveries():
    return count_by(Delivery.objects.all(), "state", DeliveryState)
