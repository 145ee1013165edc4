"""One env-driven settings module (PRODUCT.md "Settings")."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """A whole number from the environment; anything else stops every command with one clear line
    (int() would end it in a ValueError that does not name the variable)."""
    raw = os.environ.get(name, str(default)).strip()
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(
            f"环境变量 {name} 应为整数，而不是 {raw!r}（{name} must be a whole number)"
        ) from None


HOME = Path(os.environ.get("GRADPHOTO_HOME", "var")).resolve()
DEBUG = env_bool("GRADPHOTO_DEBUG")
TESTING = env_bool("GRADPHOTO_TESTING")

# A random key per data folder when none is given, so a demo never runs on a published key.
_key_file = HOME / "secret.key"


def _secret_key() -> str:
    given = os.environ.get("GRADPHOTO_SECRET_KEY")
    if given:
        return given
    if _key_file.exists():
        return _key_file.read_text().strip()
    import secrets

    key = secrets.token_urlsafe(50)
    try:
        HOME.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(key)
        _key_file.chmod(0o600)
    except OSError:
        pass
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("GRADPHOTO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("GRADPHOTO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "gradphoto.common",
    "gradphoto.audit",
    "gradphoto.organisations",
    "gradphoto.accounts",
    "gradphoto.records",
    "gradphoto.photos",
    "gradphoto.linking",
    "gradphoto.verification",
    "gradphoto.imports",
    "gradphoto.corrections",
    "gradphoto.reports",
    "gradphoto.graduation",
    "gradphoto.notifications",
    "gradphoto.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gradphoto.common.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gradphoto.common.middleware.SecurityHeadersMiddleware",
    "gradphoto.common.middleware.MethodNotAllowedPageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gradphoto.urls"
WSGI_APPLICATION = "gradphoto.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "gradphoto.common.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{HOME / 'gradphoto.sqlite3'}",
        conn_max_age=env_int("GRADPHOTO_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # read-modify-write transactions queue instead of failing with "database is locked" on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("GRADPHOTO_TEST_DB_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "gradphoto.accounts.backends.IdentifierBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# Lock on username + IP together: students of one learning centre share a NAT address, and a
# username-only lock would let anyone lock a student out (RELIABILITY.md §6.1).
AXES_FAILURE_LIMIT = env_int("GRADPHOTO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = float(os.environ.get("GRADPHOTO_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("GRADPHOTO_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("GRADPHOTO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("GRADPHOTO_HSTS_PRELOAD")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Preloading HSTS is irreversible for the whole domain: the operator opts in, so the check is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = HOME / "media"

_storage = os.environ.get("GRADPHOTO_STORAGE", "file")
if _storage == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("GRADPHOTO_S3_BUCKET", ""),
            "endpoint_url": os.environ.get("GRADPHOTO_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("GRADPHOTO_S3_ACCESS_KEY", ""),
            "secret_key": os.environ.get("GRADPHOTO_S3_SECRET_KEY", ""),
            "default_acl": None,
            "querystring_auth": True,
        },
    }
else:
    # Photos are personal data: the media folder is never served directly, only through views
    # that check access (photos/views.py).
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Without an SMTP server configured, mails are written to files under the data folder (the demo).
EMAIL_BACKEND = os.environ.get("GRADPHOTO_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("GRADPHOTO_SMTP_HOST")
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("GRADPHOTO_EMAIL_FILE_PATH", str(HOME / "mail"))
EMAIL_HOST = os.environ.get("GRADPHOTO_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("GRADPHOTO_SMTP_PORT", 25)
EMAIL_HOST_USER = os.environ.get("GRADPHOTO_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("GRADPHOTO_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("GRADPHOTO_SMTP_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("GRADPHOTO_FROM_EMAIL", "gradphoto <no-reply@gradphoto.localhost>")
# SMS: a JSON line per message under HOME/sms unless a gateway backend is chosen (notifications/README.md).
GRADPHOTO_SMS_BACKEND = os.environ.get(
    "GRADPHOTO_SMS_BACKEND", "gradphoto.notifications.backends.FileSmsBackend"
)
GRADPHOTO_SMS_GATEWAY_URL = os.environ.get("GRADPHOTO_SMS_GATEWAY_URL", "")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("GRADPHOTO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Business rules that PRODUCT.md makes settings (DOMAIN.md §13).
GRADPHOTO: dict[str, Any] = {
    "VERDICT_WINDOW_HOURS": env_int("GRADPHOTO_VERDICT_WINDOW_HOURS", 24),
    "PERSON_CHECK_TRIES_PER_DAY": env_int("GRADPHOTO_PERSON_CHECK_TRIES", 5),
    "PERSON_CHECK_CHOICES": 5,
    "ACTIVATION_DAYS": 3,
    "UPLOAD_DELAY_DAYS_XINHUA": 90,
    "ID_PHOTO_MAX_BYTES": 2 * 1024 * 1024,
    # dlib distance: below the first passes, above the second fails, between is uncertain.
    "FACE_THRESHOLDS": (
        float(os.environ.get("GRADPHOTO_FACE_PASS_BELOW", "0.5")),
        float(os.environ.get("GRADPHOTO_FACE_FAIL_ABOVE", "0.6")),
    ),
    # Processes that check photos during an import (decode, standard, faces); 0 = one per core.
    "IMPORT_PROCESSES": env_int("GRADPHOTO_IMPORT_PROCESSES", 0),
    # Outbox: attempts before a message is given up; days before a school's deadline to remind.
    "NOTIFY_MAX_ATTEMPTS": env_int("GRADPHOTO_NOTIFY_MAX_ATTEMPTS", 6),
    "REMINDER_DAYS": env_int("GRADPHOTO_REMINDER_DAYS", 7),
    # 没照片,找找看 (PRODUCT.md decision 7): searches per student per Shanghai day, the delay before a claim
    # takes effect, and how long a search's thumbnails stay visible to its student.
    "PHOTO_SEARCHES_PER_DAY": env_int("GRADPHOTO_PHOTO_SEARCHES_PER_DAY", 5),
    "CLAIM_DELAY_HOURS": env_int("GRADPHOTO_CLAIM_DELAY_HOURS", 24),
    "PHOTO_SEARCH_TTL_MINUTES": env_int("GRADPHOTO_PHOTO_SEARCH_TTL_MINUTES", 30),
    # Days after its job ended before `gradphoto sweep-files` deletes an uploaded file (photos/sweep.py).
    "UPLOAD_RETENTION_DAYS": env_int("GRADPHOTO_UPLOAD_RETENTION_DAYS", 30),
    # Days after upload before `gradphoto expire-photos` deletes a photo nobody could link (retention.py).
    "UNLINKED_PHOTO_RETENTION_DAYS": env_int("GRADPHOTO_UNLINKED_PHOTO_RETENTION_DAYS", 365),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GRADPHOTO_LOG_LEVEL", "WARNING")},
}
