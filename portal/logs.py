"""Structured logging that carries no personal data, evidence text or secrets.

Only the log record's own message (written by our code, which never puts titles, names or
e-mail addresses in it) and a fixed set of fields leave the process; query strings are cut
from request paths, tokens of reset and invitation links are masked, and so are e-mail addresses
that slip into a message.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from datetime import UTC, datetime

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
QUERY = re.compile(r"\?\S*")
# The secret parts of password-reset and invitation links (also masked by deploy/nginx.conf and gunicorn.conf.py).
TOKEN_PATH = re.compile(r"(/accounts/(?:password/reset|invitation)/|/reports/preview/)(?!sent/|done/)[^\s\"'?]+")


def scrub(text: str) -> str:
    return EMAIL.sub("[email]", TOKEN_PATH.sub(r"\1[token]/", QUERY.sub("?…", text)))


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record still gets logged, without its arguments
            message = str(record.msg)
        record.msg, record.args = scrub(message), ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            data["status"] = status
        if record.exc_info:
            # The exception type and where it happened; not its message, which may quote data.
            kind, _value, tb = record.exc_info
            data["exception"] = kind.__name__ if kind else "Exception"
            data["frames"] = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)[-12:]]
        return json.dumps(data, ensure_ascii=False)
