"""Stored files: reading them in bounded memory, and what a storage failure means for the reader.

Files live behind Django's storage API: local disk, or a private S3-compatible bucket (``STORAGE_BACKEND=s3``).
The bucket is never exposed. Objects are written with a private ACL, nothing links to them, and every file
reaches a reader through a portal view, after its permission check, streamed from the bucket through the web
process (see README, Production). ``open_stream`` is how those views read: from the bucket it streams the object's
body in chunks (django-storages' own file object would first copy the whole object into a temporary file).

A bucket that does not answer raises botocore's errors, which are not ``OSError``: ``STORAGE_ERRORS`` names every
exception a storage operation can raise for a failure on its side, for the views that must stay up when it fails.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import IO, Any, TypeVar, cast

from django.core.files.storage import Storage, default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

try:  # boto3 is only needed with STORAGE_BACKEND=s3
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    _S3_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError, Boto3Error)
except ImportError:  # pragma: no cover - boto3 is a production dependency
    _S3_ERRORS = ()

# A storage that failed: a disk error (OSError), or an S3 endpoint that is unreachable, timed out, refused the
# credentials or answered with an error (botocore/boto3 errors).
STORAGE_ERRORS: tuple[type[Exception], ...] = (OSError, *_S3_ERRORS)
RETRY_AFTER_SECONDS = 60


def open_stream(name: str, storage: Storage | None = None) -> tuple[IO[bytes], int]:
    """Open a stored file for reading in chunks: the file object and its size in bytes.

    Opening asks the storage (a HEAD and a GET on S3), so an unreachable storage or a missing file raises here,
    before a response has started, not in the middle of a download. The caller closes the file object (a
    ``FileResponse`` does).
    """
    backend = storage or default_storage
    handle = backend.open(name, "rb")
    s3_object = _s3_object(handle)
    if s3_object is not None:
        handle.close()
        answer = s3_object.get()
        return cast(IO[bytes], answer["Body"]), int(answer["ContentLength"])
    return cast(IO[bytes], handle), int(handle.size)


def _s3_object(handle: Any) -> Any:
    try:
        from storages.backends.s3 import S3File
    except ImportError:  # pragma: no cover - django-storages is a production dependency
        return None
    return handle.obj if isinstance(handle, S3File) else None


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 page of a file the storage could not deliver: clear, translated, never cached."""
    from portal.middleware import error_page

    response = error_page(
        request,
        503,
        message=_(
            "This file cannot be delivered right now because the file storage did not answer. Nothing was lost: "
            "try again in a few minutes."
        ),
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


View = TypeVar("View", bound=Callable[..., Any])


def serves_files(view: View) -> View:
    """For views that stream a stored file: a storage failure becomes the 503 page instead of a 500."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except STORAGE_ERRORS as exc:
            logger.exception("a stored file could not be read (%s)", type(exc).__name__)
            return unavailable(request)

    return cast(View, wrapper)
