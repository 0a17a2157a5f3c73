"""The one settings module. Everything comes from the environment (see README), with embedded defaults."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from whitenoise.compress import Compressor

from townhall import config

BASE_DIR = Path(__file__).resolve().parent
TESTING = "pytest" in sys.modules or os.environ.get("TOWNHALL_TESTING") == "1"

DEBUG = config.env_bool("TOWNHALL_DEBUG", False)
DATA_DIR = config.ensure_data_dir(config.data_dir())
SECRET_KEY = config.secret_key(DATA_DIR)
ALLOWED_HOSTS = config.allowed_hosts()
BASE_URL = config.base_url(DEBUG)
REDIS_URL = config.redis_url()
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "ninja",  # its templates and static files: the API docs load Swagger UI from here, not from a CDN
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "townhall.core",
    "townhall.activity",
    "townhall.accounts",
    "townhall.community",
    "townhall.spaces",
    "townhall.content",
    "townhall.discussions",
    "townhall.chat",
    "townhall.realtime",
    "townhall.search",
    "townhall.notifications",
    "townhall.importers",
    "townhall.events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "townhall.web.middleware.GuardianMiddleware",
]

ROOT_URLCONF = "townhall.urls"
ASGI_APPLICATION = "townhall.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "townhall.web.context_processors.townhall",
            ],
            "builtins": ["townhall.core.templatetags.townhall_tags"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
_db = config.database(DATA_DIR)
DATABASE_ENGINE = _db.engine
# HTTP requests run in a fixed pool of threads (core/handler.py), each keeping its connection for
# CONN_MAX_AGE seconds; a PostgreSQL pool (TOWNHALL_DB_POOL) hands connections back after each request.
HTTP_THREADS = config.env_int("TOWNHALL_HTTP_THREADS", 4, minimum=1)
DATABASES = {"default": dj_database_url.parse(_db.url, conn_max_age=600, conn_health_checks=True)}
if _db.engine == "sqlite":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;"
            "PRAGMA foreign_keys=ON;PRAGMA cache_size=-65536;PRAGMA temp_store=MEMORY;"
            "PRAGMA mmap_size=268435456;"
            # Tests keep SQLite in memory with a shared cache, where a reader meets a writer's table lock
            # at once (no busy wait): the browser tests' ASGI server reads while the test writes.
            f"{'PRAGMA read_uncommitted=1;' if TESTING else ''}"
        ),
    }
else:
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {})
    if config.env_bool("TOWNHALL_DB_POOL", False):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 2,
            "max_size": config.env_int("TOWNHALL_DB_POOL_SIZE", 20, minimum=2),
            "timeout": 10,
        }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TOWNHALL_TEST_DB_NAME", "test_townhall")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels, cache, tasks -----------------------------------------------------------------------
if REDIS_URL:
    from redis.exceptions import ConnectionError as RedisConnectionError

    # Connections time out instead of hanging when Redis goes away; the cache then answers like an empty
    # one (core/cache.py) and the stream tells pages that live updates are paused (realtime/).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # retry_on_error: a pooled connection that Redis dropped (it restarted) reconnects and retries
            # once, instead of failing the first command after Redis is back.
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_connect_timeout": 2,
                        "retry_on_error": [RedisConnectionError],
                    }
                ]
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "townhall.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "townhall.realtime.layers.InMemoryLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        # Tests run tasks inline at commit; the database backend has its own tests.
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# --- Accounts (django-allauth) --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing strength is not under test; a fast hasher keeps persona set-up cheap.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/home/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_VALIDATORS = "townhall.accounts.validators.username_validators"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_ADAPTER = "townhall.web.allauth.AccountAdapter"
ACCOUNT_SIGNUP_REDIRECT_URL = "/welcome/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins: 5 per account *and address* (the key, see web/allauth.py) in 5 minutes, so a
    # stranger cannot lock the owner out; 30 per address in 10 minutes across all accounts (a shared
    # office or campus address has room for typos). Over either: 429.
    "login_failed": "5/5m/key,30/10m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Townhall"

# --- Email ----------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("TOWNHALL_EMAIL_FROM", "Townhall <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Reply by email, bounces and one-click unsubscribe by mail: notification emails carry
# reply+<token>@, bounces+<token>@ and unsubscribe+<token>@ addresses at this domain, which the mail
# server pipes to `townhall inbound-email` (notifications/email/inbound.py). Empty: no Reply-To.
TOWNHALL_REPLY_DOMAIN = os.environ.get("TOWNHALL_REPLY_DOMAIN", "").strip().lower()
TOWNHALL_INBOUND_MAX_BYTES = config.env_int("TOWNHALL_INBOUND_MAX_BYTES", 10 * 1024 * 1024)
_email_host = os.environ.get("TOWNHALL_EMAIL_HOST", "").strip()
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": config.env_int("TOWNHALL_EMAIL_PORT", 587),
                "username": os.environ.get("TOWNHALL_EMAIL_USER", ""),
                "password": os.environ.get("TOWNHALL_EMAIL_PASSWORD", ""),
                "use_tls": config.env_bool("TOWNHALL_EMAIL_TLS", True),
                "timeout": 20,
            },
        }
    }
else:
    # Embedded default: every message is written to <data dir>/mail so a local admin can read it.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "mail")},
        }
    }

# --- Static and uploads ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Debug off (production and the demo): `collectstatic` writes content-hashed copies with gzip and Brotli
# versions beside them into STATIC_ROOT, and WhiteNoise serves those with a ten-year immutable cache
# lifetime; `townhall demo` and `townhall serve` collect whenever the sources changed
# (core/staticfiles.py). Debug and tests serve the source files through the finders, always current.
COLLECTED_STATIC = not (DEBUG or TESTING)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if COLLECTED_STATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not COLLECTED_STATIC
# Pages link only hashed names; keeping only those halves the compression work of collectstatic.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
# Source maps (megabytes, read only by developer tools) are not worth compressing at every collect.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_MAX_PIXELS = 25_000_000  # checked from the header, before any pixel is decoded (core/images.py)
AVATAR_SIZE = 256

# --- Security -------------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sessions live in the database and are read through the cache (Redis when set): no query per request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
_https = BASE_URL.startswith("https://")
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https and config.env_bool("TOWNHALL_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _https else None
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = False
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- i18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Townhall -------------------------------------------------------------------------------------
API_WRITE_RATE = os.environ.get("TOWNHALL_API_WRITE_RATE", "120/m")
# A search that runs longer is stopped by the database and answers a message (search/engines.py).
SEARCH_TIME_LIMIT_MS = config.env_int("TOWNHALL_SEARCH_TIME_LIMIT_MS", 2000, minimum=50)
# `townhall serve` runs a task worker thread in the web process unless Redis is configured.
EMBEDDED_WORKER = config.env_bool("TOWNHALL_EMBEDDED_WORKER", not REDIS_URL)

# Notifications: the fan-out stores a notice's rows in batches of this many recipients, each batch its
# own task and transaction (two workers share a big fan-out; a crash loses at most one batch's work,
# redone idempotently). Task workers re-queue tasks left running by a worker that died (core/taskqueue.py)
# once they are TASK_STALE_MINUTES old, at once when that worker was a process on this machine.
NOTIFICATIONS_FANOUT_BATCH = config.env_int("TOWNHALL_NOTIFICATIONS_BATCH", 1000, minimum=1)
TASK_STALE_MINUTES = config.env_int("TOWNHALL_TASK_STALE_MINUTES", 30, minimum=1)

# The member's stream (realtime/, docs/stream-protocol.md). Broadcasts are logged for STREAM_RETENTION_HOURS
# so a reconnecting page resumes from its last sequence; a page further behind, or more than
# STREAM_REPLAY_LIMIT broadcasts behind, is told to reload its data instead.
STREAM_RETENTION_HOURS = config.env_int("TOWNHALL_STREAM_RETENTION_HOURS", 48, minimum=1)
STREAM_REPLAY_LIMIT = config.env_int("TOWNHALL_STREAM_REPLAY_LIMIT", 5000, minimum=100)
STREAM_PRUNE_EVERY = 3600  # seconds between prunes of the log (the next stream to connect enqueues it)
STREAM_MAX_FRAME_BYTES = 4096  # a bigger frame from a page gets an error frame
STREAM_FRAME_RATE = (30, 5.0)  # frames from one socket: a burst of 30, then 5 a second
STREAM_TYPING_RATE = (6, 1.0)  # typing frames from one socket: a burst of 6, then 1 a second
STREAM_PRESENCE_TTL = 70  # seconds a heartbeat keeps someone present (pages send one every 25 s)
STREAM_SEND_TIMEOUT = 2.0  # seconds a publish waits for the channel layer before giving up (it is logged)

# Web push (notifications/push/): the VAPID key pair is generated once into the data directory unless
# TOWNHALL_VAPID_PRIVATE_KEY gives it (PEM or raw base64url; several web servers must share one key).
# The subject tells push services whom to contact: a mailto: (default: the sender address) or https URL.
VAPID_PRIVATE_KEY = os.environ.get("TOWNHALL_VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = os.environ.get("TOWNHALL_VAPID_SUBJECT", "").strip()
# Push endpoints must be https; a local test endpoint (http://127.0.0.1, http://localhost) is accepted only
# in debug mode and under tests.
PUSH_ALLOW_LOCAL_ENDPOINTS = DEBUG or TESTING
PUSH_TIMEOUT = config.env_int("TOWNHALL_PUSH_TIMEOUT", 10, minimum=1)  # seconds per device and attempt

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TOWNHALL_LOG_LEVEL", "WARNING")},
    # Django's own "django" logger is at INFO: without this, every task's start and end (one per domain
    # event with a notification, many a minute) would reach the console of `townhall demo` and `serve`.
    "loggers": {"django.tasks": {"level": os.environ.get("TOWNHALL_LOG_LEVEL", "WARNING")}},
}
