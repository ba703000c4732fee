"""Settings for Observatorio 1325, read from the environment (see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# templates/, static/ and locale/ sit at the top of a source checkout (and so of an editable install); a built
# package (`pip install .`) carries them in portal/project/ (pyproject.toml, [tool.setuptools.package-dir]), out of
# reach of Django's per-app lookups, so that the project's files come first in both cases.
_PACKAGED_PROJECT_DIR = Path(__file__).resolve().parent / "project"
PROJECT_DIR = _PACKAGED_PROJECT_DIR if _PACKAGED_PROJECT_DIR.is_dir() else BASE_DIR

DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET = "insecure-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set when DEBUG is off (generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.sitemaps",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "portal",
    "monitoring",
]

MIDDLEWARE = [
    "portal.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (precompressed, immutable names) are answered here, before anything else runs.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses HTML and JSON. Django masks CSRF tokens per response, which is what keeps compression safe
    # against BREACH-style attacks. Pages from the page cache arrive already compressed and pass through.
    "django.middleware.gzip.GZipMiddleware",
    # Anonymous public pages from the shared cache (portal/page_cache.py): before sessions, authentication and
    # the database; its stored responses carry the headers the middlewares below added when they were rendered.
    "portal.page_cache.PageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything that reads the database: a control character in the address is a 404 or 400, never a 500.
    "portal.middleware.ControlCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.AccountSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # throttles failed logins before the real backend runs
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "monitoring:evidence_list"
LOGOUT_REDIRECT_URL = "home"

# Spanish first, English second. Content is translated in fields (text_es/text_en).
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", default="America/Mexico_City")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [PROJECT_DIR / "static"]

# Uploaded files go through Django's storage API: local disk by default, an
# S3-compatible bucket when STORAGE_BACKEND=s3. Media is never served publicly;
# downloads pass through permission-checking views, which stream the bytes (portal/storage.py).
STORAGE_BACKEND = env_str("STORAGE_BACKEND", default="local")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
if STORAGE_BACKEND == "local":
    _default_storage: dict[str, object] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
elif STORAGE_BACKEND == "s3":
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config as BotoConfig

    _MiB = 1024 * 1024
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env_str("S3_REGION", default="") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", default="") or None,
            # Every object is written private. Empty sends no ACL, for buckets whose ACLs are disabled (AWS's
            # default "bucket owner enforced" refuses any other ACL): keep such a bucket private by policy.
            "default_acl": env_str("S3_DEFAULT_ACL", default="private") or None,
            # The portal never hands out bucket URLs; should anything call .url(), it gets a signed URL that
            # expires within minutes, never a public one.
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            # A whole object read through django-storages (not the download views, which stream) stays in memory
            # up to this size, then spools to a temporary file.
            "max_memory_size": _MiB,
            # One streamed PUT per file up to 64 MiB: multipart uploads copy every part into memory.
            "transfer_config": TransferConfig(
                multipart_threshold=64 * _MiB, multipart_chunksize=8 * _MiB, max_concurrency=2
            ),
            "client_config": BotoConfig(
                # "path" for MinIO and most self-hosted stores; empty lets botocore choose (virtual hosts on AWS).
                s3={"addressing_style": env_str("S3_ADDRESSING_STYLE", default="") or None},
                # A bucket that does not answer fails the request within seconds (the form keeps what was typed,
                # a download shows a 503 page) instead of holding a web thread.
                connect_timeout=env_int("S3_CONNECT_TIMEOUT", 5),
                read_timeout=env_int("S3_READ_TIMEOUT", 30),
                retries={"mode": "standard", "max_attempts": 3},
            ),
        },
    }
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'.")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="Observatorio 1325 <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Widget templates may live in templates/ (e.g. components/widgets/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security. In production every cookie is secure, HTTPS is enforced and HSTS set;
# `manage.py check --deploy` is clean under these settings.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is an irreversible commitment the operator opts into with SECURE_HSTS_PRELOAD.
    "security.W021",
]

# Structured (JSON lines) logs in production; never personal data, evidence text or secrets (portal/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "portal.logs.JsonFormatter"},
    },
    "filters": {"scrub": {"()": "portal.logs.ScrubFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env_str("LOG_FORMAT", default="plain" if DEBUG else "json"),
            "filters": ["scrub"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# The catalogue shipped with the portal and imported by `make run`.
DEFAULT_PLAN_FILE = BASE_DIR / "monitoring" / "data" / "mx-pna-1325-2021.yaml"
SITE_NAME = "Observatorio 1325"
# The footer's "Source code" link (AGPL-3.0 section 13: users of the running portal are offered its source). A
# modified deployment must point it at its own modified source.
SOURCE_CODE_URL = env_str("SOURCE_CODE_URL", default="https://github.com/observatorio1325/portal")

# Evidence attachments: per-file and per-item limits (bytes), configurable.
MAX_UPLOAD_FILE_SIZE = env_int("MAX_UPLOAD_FILE_SIZE", 20 * 1024 * 1024)
MAX_UPLOAD_TOTAL_SIZE = env_int("MAX_UPLOAD_TOTAL_SIZE", 100 * 1024 * 1024)
MAX_ATTACHMENTS_PER_ITEM = env_int("MAX_ATTACHMENTS_PER_ITEM", 20)
FILE_UPLOAD_HANDLERS = ["portal.uploads.LimitedUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload streams to a temporary file, never into memory whole
DATA_UPLOAD_MAX_NUMBER_FILES = 50
# Moderation (monitoring/services/conversations.py, monitoring/previews.py): a moderator's claim on an item lapses
# after this many minutes; inline previews render at most this many PDF pages, pixels per page and seconds per file.
MODERATION_CLAIM_MINUTES = env_int("MODERATION_CLAIM_MINUTES", 120)
PREVIEW_MAX_PAGES = env_int("PREVIEW_MAX_PAGES", 3)
PREVIEW_MAX_PIXELS = env_int("PREVIEW_MAX_PIXELS", 2_000_000)
PREVIEW_MAX_SOURCE_PIXELS = env_int("PREVIEW_MAX_SOURCE_PIXELS", 40_000_000)
PREVIEW_MAX_SECONDS = env_int("PREVIEW_MAX_SECONDS", 20)
# Invitations to join an organisation expire after this many days.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)

# Backups on PostgreSQL (`manage.py backup`): encrypted with GnuPG to this public key (fingerprint, key id or
# e-mail) found in the GnuPG home BACKUP_GPG_HOME (empty: gpg's own default, ~/.gnupg). Without a recipient the
# command refuses to write a backup unless it is given --unencrypted.
BACKUP_GPG_RECIPIENT = env_str("BACKUP_GPG_RECIPIENT", default="")
BACKUP_GPG_HOME = env_str("BACKUP_GPG_HOME", default="")
# Absolute base of links in e-mail (no trailing slash).
SITE_URL = env_str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Open-data API: read-only, anonymous, paginated, throttled; CORS open for GET on /api/ only.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["portal.throttles.ReadThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env_str("API_RATE_LIMIT", default="600/hour")},
    # The limit counts per reader, portal.client.client_address (ReadThrottle.get_ident). NUM_PROXIES says the same
    # for any other throttle; DRF's default (None) would count the whole header, which a client can vary at will.
    "NUM_PROXIES": env_int("PROXY_COUNT", 0),
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Observatorio 1325 open data API",
    "DESCRIPTION": (
        "Read-only data of Observatorio 1325: plans and indicators, institutions, public evidence and published "
        "shadow-report versions. Content licensed CC BY 4.0. Only public data is ever served."
    ),
    "VERSION": "1",
    "LICENSE": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "monitoring.api.schema.document_errors",
    ],
}
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
# ----------------------------------------------------------------------------- shared cache and background work
# REDIS_URL (e.g. redis://127.0.0.1:6379/0) selects Django's built-in RedisCache: the anonymous page cache, every
# throttle (API, login) and the coalescing flags of background rebuilds are then shared by all web processes.
# Keys are prefixed with CACHE_KEY_PREFIX (default "obs1325") and Django's version number ("obs1325:1:…"); each
# entry carries its own expiry (page cache: CACHE_PAGE_SECONDS; throttles: their window). Without REDIS_URL each
# process keeps its own LocMem cache, which is right for `make run` and the tests, wrong for several processes.
REDIS_URL = env_str("REDIS_URL", default="")
# Anonymous report pages stay in the cache this long (their key changes when a newer version appears).
CACHE_PAGE_SECONDS = env_int("CACHE_PAGE_SECONDS", 7 * 24 * 3600)
# The public page cache (portal/page_cache.py): anonymous GETs of public pages served from the shared cache,
# invalidated precisely when public state changes. PAGE_CACHE=false renders every request (benchmarks of cold pages).
PAGE_CACHE = env_bool("PAGE_CACHE", default=True)
# Search results pages (a free-text query: many distinct addresses) live this long instead.
PAGE_CACHE_SEARCH_SECONDS = env_int("PAGE_CACHE_SEARCH_SECONDS", 10 * 60)
# With Redis, each web process also keeps copies of the pages it served, up to this many bytes (portal/page_store.py).
PAGE_CACHE_LOCAL_BYTES = env_int("PAGE_CACHE_LOCAL_BYTES", 64 * 1024 * 1024)
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", default="obs1325")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": 3600,
            # A Redis that does not answer within a second is treated as down (see portal/cache.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": CACHE_KEY_PREFIX}}

# Celery (portal/celery.py): the broker defaults to REDIS_URL. Without a broker every task runs eagerly, in the
# process that enqueues it, right after the transaction commits — `make run` and the tests need no worker.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", default="") or REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
# Tasks record their outcome in the database (outbox rows, stored files), not in a result backend.
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged after it ran: a worker killed mid-task leaves it to run again (every task is idempotent).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers an unacknowledged task after this many seconds; longer than the slowest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A request that enqueues work never waits long for a broker that is down: two quick retries, then the sweep.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_TIMEZONE = env_str("TIME_ZONE", default="America/Mexico_City")
# The one schedule (celery beat). Each entry is a task that is safe to run at any time, any number of times.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "portal.tasks.sweep_outbox", "schedule": 60.0},
    "outbox-purge": {"task": "portal.tasks.purge_outbox", "schedule": crontab(hour=3, minute=30)},
    "clear-sessions": {"task": "portal.tasks.clear_sessions", "schedule": crontab(hour=3, minute=45)},
    "moderation-digest": {"task": "monitoring.tasks.send_moderation_digest", "schedule": crontab(hour=8, minute=0)},
    "transparency-reminders": {
        "task": "monitoring.tasks.send_transparency_reminders",
        "schedule": crontab(hour=8, minute=15),
    },
    "published-files": {"task": "monitoring.tasks.sweep_published_files", "schedule": crontab(minute="*/15")},
    "embargo-endings": {"task": "monitoring.tasks.send_embargo_endings", "schedule": crontab(minute=5)},
}
# Prometheus metrics at /metrics: off unless METRICS_TOKEN is set; scrapers send "Authorization: Bearer <token>".
# With several processes set PROMETHEUS_MULTIPROC_DIR to a directory they share (prometheus_client's multiprocess
# mode), so one scrape sees the web processes and the worker alike.
METRICS_TOKEN = env_str("METRICS_TOKEN", default="")
if METRICS_TOKEN:
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
    MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
# Bulk CSVs are rebuilt this many seconds after the first approval or publication of a burst (one rebuild per burst).
BULK_REBUILD_DELAY = env_int("BULK_REBUILD_DELAY", 30)
# Outbox delivery: exponential backoff from MAIL_RETRY_BASE_SECONDS, given up after MAIL_MAX_AGE_HOURS.
MAIL_RETRY_BASE_SECONDS = env_int("MAIL_RETRY_BASE_SECONDS", 60)
MAIL_MAX_AGE_HOURS = env_int("MAIL_MAX_AGE_HOURS", 48)
# Delivered mail is deleted from the outbox after this many days (it holds addresses and message bodies).
MAIL_KEEP_DAYS = env_int("MAIL_KEEP_DAYS", 30)

# Transparency requests: legal answer period and extension, in working days (the law changed in 2025).
TRANSPARENCY_ANSWER_DAYS = env_int("TRANSPARENCY_ANSWER_DAYS", 20)
TRANSPARENCY_EXTENSION_DAYS = env_int("TRANSPARENCY_EXTENSION_DAYS", 10)
TRANSPARENCY_REMINDER_DAYS = env_int("TRANSPARENCY_REMINDER_DAYS", 5)

# ---------------------------------------------------------------------------------------------- account security
# Two-factor authentication (TOTP, with single-use recovery codes): required for moderators and reviewers.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER = "Observatorio 1325"
# The admin never shows TOTP secrets or their QR codes (and answers 403 instead of fetching a device first).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Sessions: absolute lifetime, idle timeout, and how recent a login must be for sensitive actions (seconds).
# The absolute limit counts from the login (portal.login_throttle stores the time in the session and
# AccountSecurityMiddleware ends the session after it, however active): SESSION_COOKIE_AGE alone would move forward
# on every request that touches the session.
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 3600)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
REAUTHENTICATION_MAX_AGE = env_int("REAUTHENTICATION_MAX_AGE", 15 * 60)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Login throttling (django-axes with portal.login_throttle's handler), two limits counted separately:
# - per address: LOGIN_FAILURE_LIMIT failures from one address (any account) pause it for LOGIN_COOLOFF_MINUTES;
# - per account: LOGIN_ACCOUNT_LIMIT failures for one account from any number of addresses in
#   LOGIN_ACCOUNT_WINDOW_MINUTES lock it, so rotating addresses does not multiply the guesses. The owner then gets
#   an e-mail with a single-use unlock link (valid LOGIN_UNLOCK_MINUTES); a password reset unlocks too.
# Failures without a username count for the address only; a success clears only that account's failures.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15)
LOGIN_ACCOUNT_LIMIT = env_int("LOGIN_ACCOUNT_LIMIT", 10)
LOGIN_ACCOUNT_WINDOW_MINUTES = env_int("LOGIN_ACCOUNT_WINDOW_MINUTES", 60)
LOGIN_UNLOCK_MINUTES = env_int("LOGIN_UNLOCK_MINUTES", 30)
# Axes keeps (and deletes) attempt rows after this; each limit then looks at its own window.
AXES_COOLOFF_TIME = timedelta(minutes=max(LOGIN_COOLOFF_MINUTES, LOGIN_ACCOUNT_WINDOW_MINUTES))
AXES_HANDLER = "portal.login_throttle.PortalAxesHandler"
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_USERNAME_CALLABLE = "portal.login_throttle.client_username"
AXES_LOCKOUT_CALLABLE = "portal.login_throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# The login form posts the address as "username"; axes would otherwise look for USERNAME_FIELD ("email"), record no
# account and so never lock one.
AXES_USERNAME_FORM_FIELD = "username"
# Behind PROXY_COUNT reverse proxies (deploy/nginx.conf: one) every proxy appends the address it was reached from
# to X-Forwarded-For: the reader is the PROXY_COUNT-th address from the right, whatever a client prepended itself.
# Addresses are never read from the header without a proxy in front (PROXY_COUNT=0, the default). One definition,
# portal.client.client_address, serves the login throttle, the API limit and everything else that counts readers.
PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "portal.client.client_address"
AXES_VERBOSE = False
# Request bodies larger than this are refused with 413 before they are read (files are checked one by one too).
MAX_REQUEST_SIZE = env_int("MAX_REQUEST_SIZE", MAX_UPLOAD_TOTAL_SIZE + 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Content-Security-Policy: no inline script or style, nothing from other hosts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Archived copies of source URLs (monitoring/archiving.py). On submission only where a worker runs: without a broker
# the fetch would run inside the submitter's request ("archive again" still works there).
ARCHIVE_SOURCES = env_bool("ARCHIVE_SOURCES", default=not CELERY_TASK_ALWAYS_EAGER)
ARCHIVE_MAX_BYTES = env_int("ARCHIVE_MAX_BYTES", 25 * 1024 * 1024)  # a larger page is cut off and not kept
ARCHIVE_TIMEOUT = env_int("ARCHIVE_TIMEOUT", 60)  # seconds for the whole fetch, every redirect included
ARCHIVE_CONNECT_TIMEOUT = env_int("ARCHIVE_CONNECT_TIMEOUT", 10)
ARCHIVE_MAX_REDIRECTS = env_int("ARCHIVE_MAX_REDIRECTS", 5)
ARCHIVE_MAX_TEXT = env_int("ARCHIVE_MAX_TEXT", 200_000)  # characters of an HTML page's text extract
# Networks the archiver may reach although they are private or local (CIDRs; empty in production; tests: 127.0.0.1/32).
ARCHIVE_ALLOWED_NETWORKS = env_list("ARCHIVE_ALLOWED_NETWORKS")
CELERY_BEAT_SCHEDULE["source-archives"] = {"task": "monitoring.tasks.sweep_source_archives", "schedule": 3600.0}
# Spreadsheet import of evidence (monitoring/imports/): at most this many rows and bytes per file; an XLSX may hold
# at most this many zip members and unpack to at most this many bytes; rows are written this many per transaction.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000)
IMPORT_MAX_FILE_SIZE = env_int("IMPORT_MAX_FILE_SIZE", 5 * 1024 * 1024)
IMPORT_MAX_ZIP_MEMBERS = env_int("IMPORT_MAX_ZIP_MEMBERS", 200)
IMPORT_MAX_UNCOMPRESSED_SIZE = env_int("IMPORT_MAX_UNCOMPRESSED_SIZE", 20 * 1024 * 1024)
IMPORT_BATCH_SIZE = env_int("IMPORT_BATCH_SIZE", 100)
