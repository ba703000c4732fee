"""Upload handling that refuses oversized files before they are read whole."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler


class LimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams uploads to a temporary file and drops any file larger than MAX_UPLOAD_FILE_SIZE.

    The names of dropped files are kept on ``request.oversized_uploads`` so the form can say
    which file was refused and why, instead of failing silently.
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_FILE_SIZE:
            oversized = getattr(self.request, "oversized_uploads", [])
            oversized.append((self.field_name, self.file_name))
            self.request.oversized_uploads = oversized  # type: ignore[union-attr]
            if getattr(self, "file", None) is not None:
                self.file.close()
            raise SkipFile()
        return super().receive_data_chunk(raw_data, start)
