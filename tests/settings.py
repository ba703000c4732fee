"""Test settings: the project's settings with fast hashing and safe defaults."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Most tests act as people who have passed two-factor; tests/security turns enforcement back on.
TWO_FACTOR_REQUIRED = False
# Most tests change data with factories (not through the services that bump the public page cache) and read pages
# again; they test the pages, not the cache. tests/portal/test_page_cache.py and the deploy tests (real gunicorn
# processes and Redis) turn it on.
PAGE_CACHE = False
# Test databases are thrown away: PostgreSQL need not wait for the disk at every commit (the browser, concurrency and
# deploy tests commit thousands of times). Only durability after a crash changes; locks and isolation do not.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
