"""Settings for the portal: one module, read from the environment, with safe local defaults.

Production differs from a laptop only in environment values (cookiecutter-django style):

- ``DATABASE_URL`` (default: SQLite under ``var/``), ``REDIS_URL`` (absent: Celery tasks run
  in-process and the cache is local memory), ``SECRET_KEY`` (required unless ``DEBUG``),
  ``ALLOWED_HOSTS``, ``EMAIL_HOST`` (absent: mail is printed to the console),
  ``PRIVATE_MEDIA_ROOT``, ``PORTAL_REQUIRE_2FA`` and ``PORTAL_DEMO``.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# pytest-django imports settings before any fixture runs; the test suite must work without
# a hand-made environment, so it gets the same development defaults as DEBUG.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

DEBUG = env_bool("DEBUG")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_filters",
    "portal",
    "schools",
    "funding",
    "meetings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Resolves /<municipality>/ to a tenant and a membership, or answers 404; enforces 2FA.
    "portal.middleware.TenantMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=int(env("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, background jobs ---------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None  # job state lives in our own rows (pretix AsyncAction style)
# No broker: run tasks in-process, so `make run` needs nothing but Python.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A worker that dies mid-task must not lose the job: acknowledge after the task finishes and
# fetch one message at a time, so the broker redelivers it to the next worker. Every task
# therefore starts with an idempotency guard.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = int(env("CELERY_TASK_SOFT_TIME_LIMIT", "600"))
CELERY_TASK_TIME_LIMIT = int(env("CELERY_TASK_TIME_LIMIT", "720"))
# Redis redelivers unacknowledged messages after the visibility timeout; keep it above the
# hard time limit so a slow job is not run twice in parallel.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", str(CELERY_TASK_TIME_LIMIT + 120)))
}
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "portal")
CELERY_TIMEZONE = "Europe/Amsterdam"
# Scheduled jobs (celery beat). Each app adds its entries here.
CELERY_BEAT_SCHEDULE = {
    # Weekly digest of due and overdue meeting actions to owners and chairs (idempotent per
    # ISO week, so a beat restart that fires twice sends nothing twice).
    "meetings-weekly-reminders": {
        "task": "meetings.send_weekly_reminders",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Uploads of import previews that were never confirmed hold personal data: not for long.
    "schools-import-uploads-cleanup": {
        "task": "schools.tasks.import_uploads_cleanup",
        "schedule": 6 * 60 * 60,
    },
    # checks.md: the double-funding, overlap and gap checks run nightly for every municipality.
    "funding-checks-nightly": {
        "task": "funding.tasks.run_checks_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
}
# Spending reports whose worker died are re-queued or failed (funding.reports.tasks).
CELERY_BEAT_SCHEDULE["reports-reap-stale"] = {
    "task": "funding.reap_stale_reports",
    "schedule": 300.0,
}
# Processes that lay out one long PDF in parallel (portal.pdf.render_parallel); default: CPUs.
PORTAL_PDF_WORKERS = int(env("PORTAL_PDF_WORKERS", "0")) or None

# --- Authentication (django-allauth, invitation only, TOTP) ---------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Accounts come from an invitation sent to the address, which proves it.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {
    # https://docs.allauth.org/en/latest/account/rate_limits.html
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Onderwijsportaal"
# Policy officers, accountants and regional coordinators must set up TOTP before they see any
# data. Only a demo or a test installation turns this off.
PORTAL_REQUIRE_2FA = env_bool("PORTAL_REQUIRE_2FA", True)
PORTAL_DEMO = env_bool("PORTAL_DEMO")
# Where people report faults and accessibility problems (the contact page, the statement).
PORTAL_CONTACT_EMAIL = env("PORTAL_CONTACT_EMAIL", "onderwijsportaal@example.nl")
INVITATION_MAX_AGE_DAYS = 7
# Links in e-mails sent by background jobs (no request to build them from).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", "http://localhost:8000")
# After a write that can change findings the checks re-run this many seconds later (writes in
# between are coalesced into that run).
PORTAL_CHECKS_REFRESH_DELAY = int(env("PORTAL_CHECKS_REFRESH_DELAY", "10"))
# Aggregates shown to a regional coordinator (and in regional exports) that rest on fewer
# schools or scans than this show "–" ("minder dan 5 scholen"), as CBS suppresses small cells.
PORTAL_SMALL_NUMBER_THRESHOLD = int(env("PORTAL_SMALL_NUMBER_THRESHOLD", "5"))
# An external action owner's signed link (no account) stays valid this long.
MEETINGS_ACTION_LINK_MAX_AGE_DAYS = int(env("MEETINGS_ACTION_LINK_MAX_AGE_DAYS", "30"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and formats -------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
# Dates as 26-04-2023 and amounts as 1.034.000,00 in both languages (product.md).
FORMAT_MODULE_PATH = ["portal.formats"]
# Amounts get their thousands separators from the `money`/`number` filters; a blanket setting
# would also print years, booking numbers and ids as 2.023.
USE_THOUSAND_SEPARATOR = False

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded scans, attachments and reports are private: there is no MEDIA_URL; files are served
# only through permission-checked views.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
# Without collectstatic (development, tests) WhiteNoise serves straight from the finders.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- E-mail ---------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", "Onderwijsportaal <noreply@onderwijsportaal.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    # Behind a TLS-terminating proxy (docker-compose, a load balancer) that sets this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # /health/ is probed over plain HTTP inside the container network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint logs every page it lays out at INFO: noise in workers' logs.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
