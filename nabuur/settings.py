"""Nabuur settings, read from environment variables.

Every variable is documented in docs/configuration.md; tests/test_configuration.py keeps that
page complete. Defaults run a fresh checkout (`make run`): SQLite, a local mailbox, demo data.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name, default=()):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


NABUUR_ENV = env("NABUUR_ENV", "demo")
if NABUUR_ENV not in {"demo", "test", "production"}:
    raise ImproperlyConfigured(f"NABUUR_ENV must be demo, test or production, not {NABUUR_ENV!r}.")
PRODUCTION = NABUUR_ENV == "production"
DEMO = NABUUR_ENV == "demo"

VAR_DIR = Path(env("NABUUR_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("NABUUR_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("NABUUR_SECRET_KEY is required when NABUUR_ENV=production.")
    # Only for demo and test: a fixed key keeps sessions across restarts of `make run`.
    SECRET_KEY = "nabuur-insecure-demo-key-never-use-in-production-0123456789abcdef"  # noqa: S105

DEBUG = env_bool("NABUUR_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("NABUUR_DEBUG cannot be on when NABUUR_ENV=production.")

ALLOWED_HOSTS = env_list("NABUUR_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if PRODUCTION:
        raise ImproperlyConfigured("NABUUR_ALLOWED_HOSTS is required when NABUUR_ENV=production.")
    # .localhost: every <zone>.localhost of the demo's zones (#18), and localhost itself.
    ALLOWED_HOSTS = ["127.0.0.1", ".localhost", "[::1]", "testserver"]

# The address people use to reach this site, for links in e-mails. Production has no default:
# links to http://127.0.0.1:8000 reach nobody, and plain http would expose every login link.
BASE_URL = env("NABUUR_BASE_URL", None if PRODUCTION else "http://127.0.0.1:8000")
if PRODUCTION:
    if not BASE_URL:
        raise ImproperlyConfigured("NABUUR_BASE_URL is required when NABUUR_ENV=production.")
    if urlsplit(BASE_URL).scheme != "https" or not urlsplit(BASE_URL).hostname:
        raise ImproperlyConfigured(
            "NABUUR_BASE_URL must be an https:// address such as https://bin.pz-hekla.be when "
            f"NABUUR_ENV=production, not {BASE_URL!r}."
        )
BASE_URL = BASE_URL.rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("NABUUR_CSRF_TRUSTED_ORIGINS", [BASE_URL])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # The widget templates, found by FORM_RENDERER below.
    "django.forms",
    # No django.contrib.admin: every change goes through a service that writes the audit log,
    # and no page shows personal data outside the permission table (nabuur.staff.permissions).
    "django_tasks_db",
    "anymail",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "nabuur.accounts",
    "nabuur.zones",
    "nabuur.networks",
    "nabuur.members",
    "nabuur.imports",
    "nabuur.privacy",
    "nabuur.staff",
    "nabuur.audit",
    "nabuur.mailbox",
    "nabuur.messaging",
    "nabuur.evaluation",
    "nabuur.public",
    "nabuur.operations",
    "nabuur.demo",
    "nabuur.api",
]

MIDDLEWARE = [
    # First: a request's id, duration and log line cover every middleware below.
    "nabuur.operations.middleware.observe_requests",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # After the CSP: a page with a map lets the zone's tile server into its own img-src.
    "nabuur.networks.maps.MapTilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "nabuur.accounts.middleware.slide_session_expiry",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After the host check above: the request's host name decides its zone (#18).
    "nabuur.zones.site.zone_middleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "nabuur.lib.middleware.refuse_nul_characters",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After messages: a session sent to log in again is told why on the login page.
    "django.contrib.messages.middleware.MessageMiddleware",
    "nabuur.accounts.middleware.require_second_factor",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Every form renders through our templates: one field template for the whole site
# (templates/django/forms/field.html) and the Utrecht classes and widths of nabuur.lib.forms.
FORM_RENDERER = "nabuur.lib.forms.FormRenderer"

ROOT_URLCONF = "nabuur.urls"
WSGI_APPLICATION = "nabuur.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nabuur.public.context_processors.site",
            ],
            # {% colon %}: French puts a no-break space before a colon (lib.typography).
            "builtins": ["nabuur.lib.typography"],
        },
    },
]


def database_from_url(url):
    """Turn DATABASE_URL (sqlite:///path or postgres://user:pass@host:port/name) into DATABASES."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        # sqlite:///relative/path and sqlite:////absolute/path, as dj-database-url reads them.
        name = path[1:] if path.startswith("/") else path
        if name != ":memory:" and not os.path.isabs(name):
            name = str(BASE_DIR / name)
        if name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait for it
                # (busy timeout) instead of failing half-way through a transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": env("NABUUR_TEST_DATABASE_NAME")},
        }
    if parts.scheme in {"postgres", "postgresql"}:
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": env_int("NABUUR_DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": query,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:// or postgres://, not {url!r}."
    )


# Production has no default: a forgotten variable would silently make a SQLite file in
# NABUUR_VAR_DIR the zone's database.
DATABASE_URL = env(
    "DATABASE_URL", None if PRODUCTION else f"sqlite:///{VAR_DIR / 'nabuur.sqlite3'}"
)
if PRODUCTION and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL is required when NABUUR_ENV=production.")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if NABUUR_ENV == "test":
    # Argon2 is slow on purpose (about 0.2 s and 100 MiB a password) and the test suite makes
    # thousands of users; Argon2 stays listed, so its hashes still verify.
    # tests/test_password_hashing.py checks that demo and production hash with Argon2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"

# Languages: Dutch is the default; French and German serve Brussels, facility municipalities and
# the German-speaking area; English is offered on staff pages only (see nabuur.lib.languages).
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("fr", "Français"), ("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# collectstatic writes here in production; demo and tests serve from the source folders.
STATIC_ROOT = env("NABUUR_STATIC_ROOT", str(VAR_DIR / "static")) if PRODUCTION else None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without collectstatic (demo, tests) WhiteNoise serves the app and project static folders.
WHITENOISE_USE_FINDERS = not PRODUCTION


def mailers_from_url(url):
    """Turn NABUUR_EMAIL_URL into Django 6.1's MAILERS.

    smtp://user:password@host:port?tls=1&timeout=10 (STARTTLS), smtps://… (implicit TLS),
    mailbox:// (demo: stored in the local mailbox), console://, memory:// (tests).
    """
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme in {"smtp", "smtps"}:
        options = {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "username": unquote(parts.username or "") or None,
            "password": unquote(parts.password or "") or None,
            "use_ssl": parts.scheme == "smtps",
            "use_tls": parts.scheme == "smtp" and query.get("tls", "0") in {"1", "true", "yes"},
            "timeout": float(query.get("timeout", 30)),
        }
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": options,
            }
        }
    if parts.scheme == "mailbox":
        if PRODUCTION:
            raise ImproperlyConfigured("The local mailbox is for demo use; set an smtp:// URL.")
        return {"default": {"BACKEND": "nabuur.mailbox.backend.MailboxBackend"}}
    if parts.scheme == "console":
        return {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    if parts.scheme == "memory":
        return {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    raise ImproperlyConfigured(
        f"NABUUR_EMAIL_URL must be smtp://, smtps:// or mailbox://, not {url!r}."
    )


EMAIL_URL = env("NABUUR_EMAIL_URL", "smtp://localhost:25" if PRODUCTION else "mailbox://")
MAILERS = mailers_from_url(EMAIL_URL)
DEFAULT_FROM_EMAIL = env("NABUUR_FROM_EMAIL", "Nabuur <nabuur@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The outbox (nabuur.messaging.delivery): rate cap of the relay, retries, dead-worker timeout.
EMAIL_RATE = env("NABUUR_EMAIL_RATE", "")
EMAIL_MAX_ATTEMPTS = env_int("NABUUR_EMAIL_MAX_ATTEMPTS", 10)
EMAIL_CLAIM_TIMEOUT = env_int("NABUUR_EMAIL_CLAIM_TIMEOUT", 300)
# A mail provider's tracking webhooks (bounces, complaints) through django-anymail: set to
# "user:password" and give the provider https://user:password@<host>/anymail/<provider>/tracking/.
# Empty: no webhook URL exists (anymail would otherwise take events from anyone).
WEBHOOK_SECRET = env("NABUUR_WEBHOOK_SECRET", "")
if WEBHOOK_SECRET and ":" not in WEBHOOK_SECRET:
    raise ImproperlyConfigured("NABUUR_WEBHOOK_SECRET must look like user:password.")
ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_SECRET} if WEBHOOK_SECRET else {}


TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# One cache for every process and machine, in the database (its table comes with `nabuur
# migrate`): allauth keeps its login, password-reset and second-factor limits there, which a
# cache per process would multiply by the number of processes. Nabuur's own limits count in
# operations.RateCounter, atomically. Rate-limit entries expire within the hour; the room for
# 10,000 keeps the cache from culling live ones under a flood.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "nabuur_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}

# Security: strict CSP without inline scripts or styles; secure cookies in production.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# A form refused for its token says why in the site's layout and language, and how to go on.
CSRF_FAILURE_VIEW = "nabuur.public.errors.csrf_failure"
SESSION_COOKIE_AGE = env_int("NABUUR_SESSION_AGE", 30 * 60)
# The session expires after inactivity, not after login: accounts.middleware.slide_session_expiry
# moves its expiry on while it is used, with one write a minute rather than one per page.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("NABUUR_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("NABUUR_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
# The reverse proxies of our own in front of Nabuur (nginx, a load balancer). Each appends the
# address it received the request from to X-Forwarded-For, so the visitor's address is the Nth
# from the right; whatever stands further left, the visitor wrote. Nabuur's limits
# (members.ratelimit.client_ip), allauth's and the HTTPS check all follow this one count.
# NABUUR_BEHIND_PROXY=1 is the older way to say 1.
_behind_proxy = env_bool("NABUUR_BEHIND_PROXY", None)
NABUUR_TRUSTED_PROXIES = env_int("NABUUR_TRUSTED_PROXIES", 1 if _behind_proxy else 0)
if NABUUR_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("NABUUR_TRUSTED_PROXIES is a number of proxies: 0 or more.")
if _behind_proxy is not None and _behind_proxy != (NABUUR_TRUSTED_PROXIES > 0):
    raise ImproperlyConfigured(
        f"NABUUR_TRUSTED_PROXIES={NABUUR_TRUSTED_PROXIES} contradicts NABUUR_BEHIND_PROXY: set "
        "only NABUUR_TRUSTED_PROXIES, the number of proxies in front of Nabuur (0 for none)."
    )
ALLAUTH_TRUSTED_PROXY_COUNT = NABUUR_TRUSTED_PROXIES
if NABUUR_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# "json": one JSON object per line for a log collector, with a line per request
# (nabuur.operations.logs); "text": plain lines, the requests left to gunicorn's access log.
LOG_FORMAT = env("NABUUR_LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f"NABUUR_LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "nabuur.operations.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env("NABUUR_LOG_LEVEL", "INFO")},
    "loggers": {
        "django_tasks_db": {"level": "WARNING"},
        # WeasyPrint logs each of its seven steps of every PDF at INFO.
        "weasyprint.progress": {"level": "WARNING"},
        "nabuur.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}

# GET /metrics answers only with "Authorization: Bearer <this token>"; empty: no such page.
NABUUR_METRICS_TOKEN = env("NABUUR_METRICS_TOKEN", "")
# A proxy or load balancer asks for the health over plain HTTP, on the web node itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live)?$"]

# Demo data is refused in production: `nabuur demo` checks this.
DEMO_DATA_ALLOWED = not PRODUCTION

# Membership: how long a sign-up's confirmation link works, and sign-up / login-link limits.
NABUUR_CONFIRM_HOURS = env_int("NABUUR_CONFIRM_HOURS", 72)
NABUUR_JOIN_LIMIT_PER_IP = env_int("NABUUR_JOIN_LIMIT_PER_IP", 20)
NABUUR_JOIN_LIMIT_PER_ADDRESS = env_int("NABUUR_JOIN_LIMIT_PER_ADDRESS", 5)
# Days the rows of an uploaded member list (names, addresses, e-mail) are kept after its import
# finished or its check was left unconfirmed; a periodic job then deletes them.
NABUUR_IMPORT_RETENTION_DAYS = env_int("NABUUR_IMPORT_RETENTION_DAYS", 7)
# The erasure register (nabuur.privacy.erasures): a JSON-lines file outside the database and its
# backups, from which `nabuur replay_erasures` applies again, after a restore, the erasures made
# since the dump. Every web and worker machine must write to the same file.
ERASURE_REGISTER = env("NABUUR_ERASURE_REGISTER", str(VAR_DIR / "erasures.jsonl"))
# The largest member list a coordinator may upload: bytes, data rows and used columns. The
# defaults fit the largest real BIN lists.
NABUUR_IMPORT_MAX_BYTES = env_int("NABUUR_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
NABUUR_IMPORT_MAX_ROWS = env_int("NABUUR_IMPORT_MAX_ROWS", 20_000)
NABUUR_IMPORT_MAX_COLUMNS = env_int("NABUUR_IMPORT_MAX_COLUMNS", 50)

# Accounts and security (nabuur.accounts, django-allauth): staff log in with e-mail, password and
# a second factor; there is no sign-up, only invitations.
AUTHENTICATION_BACKENDS = [
    # allauth's backend behind an atomic count: the one backend that checks passwords, and its
    # answer is final (see nabuur.accounts.backends).
    "nabuur.accounts.backends.LimitedPasswordBackend",
    # For the sessions a resident's login link opens (members.views.login_link).
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = "staff:dashboard"
ACCOUNT_ADAPTER = "nabuur.accounts.adapters.AccountAdapter"
# allauth names people by their name or address, never by User.__str__ ("person #12").
ACCOUNT_USER_DISPLAY = "nabuur.accounts.adapters.user_display"
# The e-mail page refuses an address another account uses (nabuur.accounts.forms).
ACCOUNT_FORMS = {"add_email": "nabuur.accounts.forms.AddEmailForm"}
MFA_FORMS = {
    "add_webauthn": "nabuur.accounts.forms.AddWebAuthnForm",
    "login_webauthn": "nabuur.accounts.forms.LoginWebAuthnForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Invitations prove the address; allauth's own verification mails are not needed.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# A class path, not a secret.
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = (
    "allauth.account.forms.EmailAwarePasswordResetTokenGenerator"  # noqa: S105
)
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("NABUUR_REAUTHENTICATION_SECONDS", 5 * 60)
# After NABUUR_LOGIN_ATTEMPTS failures an address is locked for 15 minutes, whatever the IP:
# allauth's "login_failed" limit says so on the login page, and nabuur.accounts.backends makes it
# a bound: at most that many wrong passwords are checked per address in 15 minutes, whatever the
# number of processes.
NABUUR_LOGIN_ATTEMPTS = env_int("NABUUR_LOGIN_ATTEMPTS", 5)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"30/15m/ip,{NABUUR_LOGIN_ATTEMPTS}/15m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    "signup": "5/m/ip",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Nabuur] "
MFA_ADAPTER = "nabuur.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Nabuur"
# WebAuthn needs https, except on 127.0.0.1/localhost in demo and tests.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
# How long an invitation link works.
NABUUR_INVITATION_HOURS = env_int("NABUUR_INVITATION_HOURS", 72)

# The HTTP API (nabuur.api, docs/api.md): requests a minute per client address on the public
# endpoints and per token on the others (0: no limit), and the licence its data are published
# under (an SPDX id and its text), named in the OpenAPI document and every answer's headers.
NABUUR_API_LIMIT_PER_MINUTE = env_int("NABUUR_API_LIMIT_PER_MINUTE", 60)
NABUUR_API_TOKEN_LIMIT_PER_MINUTE = env_int("NABUUR_API_TOKEN_LIMIT_PER_MINUTE", 600)
NABUUR_API_LICENCE = env("NABUUR_API_LICENCE", "CC-BY-4.0")
NABUUR_API_LICENCE_URL = env(
    "NABUUR_API_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"
)
