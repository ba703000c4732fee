"""gunicorn configuration of one web process of Observatorio 1325 (``gunicorn portal.wsgi -c deploy/gunicorn.conf.py``).

Several such processes run behind nginx (deploy/nginx.conf, upstream ``observatorio_web``); each is configured
from the environment, so one file serves them all:

    GUNICORN_BIND         address to listen on (default 127.0.0.1:$PORT when PORT is set — honcho — else
                          127.0.0.1:8000). Keep it on loopback or a private address: only nginx may reach it.
    WEB_CONCURRENCY       worker processes of this gunicorn (default 2)
    GUNICORN_THREADS      threads per worker (default 4)
    FORWARDED_ALLOW_IPS   addresses of the proxy, trusted for X-Forwarded-Proto (default 127.0.0.1,::1;
                          never "*")
    GUNICORN_CONTROL_SOCKET  path of gunicorn's control socket (gunicornc); off unless set, so that several
                          gunicorn processes on one host do not fight over the default one
    GUNICORN_ACCESS_LOG   "-" (stdout, the default) or a file; "off" disables the access log

Requests do no slow work (PDFs, bulk CSVs and mail run in Celery), hence the short timeouts. gthread workers
keep a few threads per process for the database and storage waits of ordinary requests.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger

wsgi_app = "portal.wsgi:application"
proc_name = "observatorio-web"

_port = os.environ.get("PORT")
bind = [os.environ.get("GUNICORN_BIND") or (f"127.0.0.1:{_port}" if _port else "127.0.0.1:8000")]
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A request that takes 30 s is a bug now that slow work runs in Celery; nginx's proxy_read_timeout is 35 s.
timeout = 30
graceful_timeout = 30
# nginx keeps idle upstream connections 4 s (keepalive_timeout in its upstream block), less than this.
keepalive = 5
# Recycle workers now and then (jittered, so that the processes do not restart together).
max_requests = 2000
max_requests_jitter = 200
# The heartbeat file on tmpfs: on a disk it can block a worker (gunicorn's "blocking os.fchmod" note).
if os.path.isdir("/dev/shm"):  # noqa: S108 - gunicorn's own advice; only a heartbeat file
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# X-Forwarded-Proto is honoured only from the proxy. The portal reads it through SECURE_PROXY_SSL_HEADER, and
# X-Forwarded-For through PROXY_COUNT (portal/settings.py): both are safe only because nginx overwrites the first
# and appends to the second, and because nothing but nginx can reach this address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True

# ------------------------------------------------------------------------------------------------- logging
# Error log to stderr; access log as JSON lines on stdout with a fixed set of fields, like the portal's own logs
# (portal/logs.py): the path without its query string (searches name people; `next=` carries paths), with the
# tokens of password-reset and invitation links replaced; no client address, no user agent, no referrer (which
# would carry those links again), no cookies or other headers.
errorlog = "-"
_access = os.environ.get("GUNICORN_ACCESS_LOG", "-")
accesslog = None if _access == "off" else _access

SECRET_PATHS = [
    # /es/accounts/password/reset/<uidb64>/<token>/ (but not …/reset/sent/ or …/reset/done/)
    re.compile(r"^(?P<keep>.*/accounts/password/reset/)(?!sent/|done/).+$"),
    # /es/accounts/invitation/<token>/
    re.compile(r"^(?P<keep>.*/accounts/invitation/).+$"),
    # /es/reports/preview/<token>/ (an embargoed version's private preview link)
    re.compile(r"^(?P<keep>.*/reports/preview/).+$"),
]


def loggable_path(path: str) -> str:
    """``path`` as it may appear in a log: without secrets from reset and invitation links."""
    for pattern in SECRET_PATHS:
        match = pattern.match(path)
        if match:
            return match.group("keep") + "[token]/"
    return path


class AccessLogger(Logger):
    """gunicorn's logger with a JSON access line that carries nothing secret or personal."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.cfg.accesslog:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "method": environ.get("REQUEST_METHOD", ""),
            "path": loggable_path(environ.get("PATH_INFO", "")) + ("?…" if environ.get("QUERY_STRING") else ""),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False))
        except Exception:  # never fail a request because of its log line
            self.exception("access log line failed")


logger_class = AccessLogger
