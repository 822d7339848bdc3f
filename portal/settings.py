"""Settings for the portal: one module, read from the environment, with safe local defaults.

Production differs from a laptop only in environment values (cookiecutter-django style):

- ``DATABASE_URL`` (default: SQLite under ``var/``), ``REDIS_URL`` (absent: Celery tasks run
  in-process and the cache is local memory), ``SECRET_KEY`` (required unless ``DEBUG``),
  ``ALLOWED_HOSTS``, ``EMAIL_HOST`` (absent: mail is printed to the console),
  ``PRIVATE_MEDIA_ROOT``, ``PORTAL_REQUIRE_2FA``, ``PORTAL_DEMO``, ``SECURE_HSTS_SECONDS`` and
  ``SECURE_HSTS_PRELOAD`` (off by default); ``DJANGO_TESTING`` only from the test settings.
"""

import os
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


# Set by the test settings (tests/settings.py, named in pyproject's pytest options) and never
# guessed from what a process has imported: the test suite gets the same development defaults
# as DEBUG without a hand-made environment, and no other process gets them by accident.
TESTING = env_bool("DJANGO_TESTING")

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
    "django.forms",  # Django's widget templates for FORM_RENDERER below
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_filters",
    "csp",
    "portal",
    "schools",
    "funding",
    "meetings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy headers (settings below).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Uploads are bounded per request before anything reads the body (issue 13 §3).
    "portal.middleware.RequestSizeMiddleware",
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

# Widgets render with the project's template settings, so templates/django/forms/ can replace
# a widget template for every form (the select with its options inline, issue 14).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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
# Login rate limits and used TOTP codes live in the cache, so it must be shared by every web
# process: Redis, falling back to the database table portal_cache while Redis is unreachable
# (portal.cache); without Redis, the database cache (never a per-process memory cache).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

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
    "import-uploads-cleanup": {
        "task": "portal.tasks.import_uploads_cleanup",
        "schedule": 6 * 60 * 60,
    },
    # checks.md: the double-funding, overlap and gap checks run nightly for every municipality.
    "funding-checks-nightly": {
        "task": "funding.tasks.run_checks_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
}
# Every background job is a portal.models.Job (portal.jobs): the sweeper re-sends jobs whose
# message was lost (Redis down when they were requested) and re-queues jobs whose worker died
# (no heartbeat for PORTAL_JOB_STALE_SECONDS), so a job runs once within a minute or two.
CELERY_BEAT_SCHEDULE["portal-jobs-sweep"] = {
    "task": "portal.tasks.sweep_jobs",
    "schedule": float(env("PORTAL_JOB_SWEEP_SECONDS", "30")),
}
PORTAL_JOB_HEARTBEAT_SECONDS = int(env("PORTAL_JOB_HEARTBEAT_SECONDS", "10"))
PORTAL_JOB_STALE_SECONDS = int(env("PORTAL_JOB_STALE_SECONDS", "60"))
PORTAL_JOB_RESEND_SECONDS = int(env("PORTAL_JOB_RESEND_SECONDS", "600"))
PORTAL_JOB_MAX_ATTEMPTS = int(env("PORTAL_JOB_MAX_ATTEMPTS", "5"))
PORTAL_JOB_KEEP_DAYS = int(env("PORTAL_JOB_KEEP_DAYS", "30"))
# Exports (issue 14 §4): an XLSX of more rows than this is built by a background job with a
# download when ready (CSV always streams); its file is removed after PORTAL_EXPORT_KEEP_HOURS.
PORTAL_EXPORT_XLSX_JOB_ROWS = int(env("PORTAL_EXPORT_XLSX_JOB_ROWS", "50000"))
PORTAL_EXPORT_KEEP_HOURS = int(env("PORTAL_EXPORT_KEEP_HOURS", "24"))
CELERY_BEAT_SCHEDULE["export-jobs-cleanup"] = {
    "task": "portal.tasks.export_jobs_cleanup",
    "schedule": 6 * 60 * 60,
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
# Behind a TLS proxy every request comes from the proxy's address, so a per-address rate limit
# would lock out everyone at once: with this many proxies in front (docker-compose: 1), the
# client is the address that the nearest proxy appended to X-Forwarded-For. 0: no proxy,
# the connection's own address (X-Forwarded-For is then ignored: a client could forge it).
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("ALLAUTH_TRUSTED_PROXY_COUNT", "0"))
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Onderwijsportaal"
# RFC 6238 section 5.2: accept one 30-second step of clock drift either way (allauth: 0).
MFA_TOTP_TOLERANCE = int(env("MFA_TOTP_TOLERANCE", "1"))
# The code that activates TOTP counts as used: it cannot also open a login (portal.mfa).
MFA_FORMS = {"activate_totp": "portal.mfa.ActivateTOTPForm"}
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
# Bounded uploads and imports (issue 13 §3; portal.uploads, portal.imports.readers).
UPLOAD_MAX_REQUEST_SIZE = int(env("UPLOAD_MAX_REQUEST_SIZE", str(250 * 1024 * 1024)))
UPLOAD_MAX_FILE_SIZE = int(env("UPLOAD_MAX_FILE_SIZE", str(200 * 1024 * 1024)))
ZIP_MAX_UNCOMPRESSED_SIZE = int(env("ZIP_MAX_UNCOMPRESSED_SIZE", str(500 * 1024 * 1024)))
ZIP_MAX_RATIO = int(env("ZIP_MAX_RATIO", "100"))
ZIP_MAX_MEMBERS = int(env("ZIP_MAX_MEMBERS", "10000"))
IMPORT_MAX_COLUMNS = int(env("IMPORT_MAX_COLUMNS", "200"))
IMPORT_MAX_ROWS = int(env("IMPORT_MAX_ROWS", "2000000"))
IMPORT_MAX_CELL_LENGTH = int(env("IMPORT_MAX_CELL_LENGTH", "10000"))
# Uploads larger than this (bytes) are checked by a background job instead of in the request.
IMPORT_INLINE_CHECK_MAX_SIZE = int(env("IMPORT_INLINE_CHECK_MAX_SIZE", str(2 * 1024 * 1024)))
# Seconds a background import may run before it is stopped and failed (Celery soft limit).
IMPORT_JOB_TIME_LIMIT = int(env("IMPORT_JOB_TIME_LIMIT", "1800"))
# Dates outside these years are refused as implausible (issue 13 §2), in imports and forms.
PLAUSIBLE_YEARS = (int(env("PLAUSIBLE_YEAR_MIN", "2000")), int(env("PLAUSIBLE_YEAR_MAX", "2100")))

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
    # Preloading is a one-way door for a municipality's whole domain (removal from the browsers'
    # lists takes months): off unless the operator says so.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:
        # check --deploy warns (security.W021) that preload is off; that is the decision above.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp): scripts only from our own static files (the portal has
# one, static/js/portal.js; no inline script, no eval), no plugins, no framing, forms post
# only to us. Style attributes stay allowed (column widths), <style> elements do not. The
# TOTP set-up shows its QR code as a data: image.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (django-permissions-policy): the portal uses no device or browser feature.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

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
