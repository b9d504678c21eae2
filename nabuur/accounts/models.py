from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nabuur.lib.languages import STAFF_LANGUAGES, facility_language


def normalize_email_address(email):
    """E-mail addresses are compared lower-case everywhere; an empty one is stored as NULL."""
    email = (email or "").strip()
    return email.lower() or None


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email=None, password=None, **fields):
        user = self.model(email=normalize_email_address(email), **fields)
        # A resident has no usable password: they log in with e-mailed links.
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """Everyone who has to do with Nabuur: residents, coordinators, officers, staff.

    E-mail is the login. It may be empty for a member added by hand who wants paper letters.
    """

    email = models.EmailField(_("e-mail address"), unique=True, null=True, blank=True)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    phone = models.CharField(_("mobile number"), max_length=32, blank=True)
    language = models.CharField(
        _("language"),
        max_length=2,
        blank=True,
        choices=[(code, code) for code in STAFF_LANGUAGES],
        help_text=_("Empty when the person did not choose one."),
    )
    # The day the person last asked for the facility language of their municipality (French
    # in Ronse, Dutch in Mouscron, …); the request holds for lib.languages.FACILITY_REQUEST_YEARS.
    # Empty for a choice made on joining, which dates from `date_joined`.
    language_requested_on = models.DateField(
        _("facility language requested on"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Access to Django's admin for technical superusers only; roles live in nabuur.staff.
    is_staff = models.BooleanField(_("Django admin access"), default=False)
    date_joined = models.DateTimeField(_("created"), default=timezone.now)
    # Set when hard bounces past NABUUR_BOUNCE_LIMIT show the address no longer takes e-mail;
    # messages skip the person until the address changes (nabuur/messaging/bounces.py).
    email_undeliverable_at = models.DateTimeField(
        _("e-mail address undeliverable since"), null=True, blank=True
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return f"person #{self.pk}"

    def save(self, *args, **kwargs):
        self.email = normalize_email_address(self.email)
        super().save(*args, **kwargs)

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def language_asked_on(self):
        """The day the person asked for their language: their last request, else the day they
        joined (the sign-up that created them carried the language chosen on the form)."""
        return self.language_requested_on or timezone.localdate(self.date_joined)

    def record_language_request(self, language, regimes, today):
        """Keep the day of a request for the facility language of one of `regimes`, or forget
        the request when the person chose another language."""
        facility = {facility_language(regime) for regime in regimes}
        self.language_requested_on = today if language in facility else None
        self.save(update_fields=["language_requested_on"])


class DemoMfaExemption(models.Model):
    """A demo persona who may skip the second factor; honoured only with NABUUR_ENV=demo.

    `nabuur demo` fills this table so that visitors can try the printed personas.
    """

    email = models.EmailField(_("e-mail address"), unique=True)

    class Meta:
        verbose_name = _("demo exemption from the second factor")
        verbose_name_plural = _("demo exemptions from the second factor")

    def __str__(self):
        return self.email


class Invitation(models.Model):
    """A single-use, expiring link that lets an invited staff member set a password.

    Only the SHA-256 of the token is stored, so a leaked database holds no usable link.
    """

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role_assignment = models.ForeignKey(
        "staff.RoleAssignment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"invitation #{self.pk}"
