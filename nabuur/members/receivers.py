"""Keep the member list's copies of a person's name and e-mail, and of a street's name, in step.

Membership.last_name_key, first_name_key and search_text copy the person's name and e-mail (see
person_keys). The accounts app sits below this one and cannot call it, so a saved person reaches
here as a signal: a changed name, a new e-mail address and an erasure all go through User.save().
Membership.street_key copies the street's name; streets change only by an address import, which
says so with zones.services.streets_renamed."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from nabuur.accounts.services import email_changed
from nabuur.lib import clock
from nabuur.zones.services import streets_renamed

from .models import LoginLink, Membership, person_keys, street_key

PERSON_FIELDS = {"first_name", "last_name", "email"}


@receiver(post_save, sender=get_user_model(), dispatch_uid="members.copy_person_keys")
def copy_person_keys(sender, instance, created, update_fields, **kwargs):
    if created or (update_fields is not None and not PERSON_FIELDS & set(update_fields)):
        return
    keys = person_keys(instance.first_name, instance.last_name, instance.email)
    Membership.objects.filter(user=instance).exclude(**keys).update(**keys)


@receiver(streets_renamed, dispatch_uid="members.copy_street_keys")
def copy_street_keys(sender, streets, **kwargs):
    for street in streets:
        key = street_key(street.name_nl, street.name_fr, street.name_de)
        Membership.objects.filter(street=street).exclude(street_key=key).update(street_key=key)


@receiver(email_changed, dispatch_uid="members.expire_login_links")
def expire_login_links(sender, user, **kwargs):
    """A login link sent before the login address changed must not open the account after it:
    it may lie in the mailbox that just lost the account."""
    now = clock.now()
    LoginLink.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
