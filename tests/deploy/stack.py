"""The pieces of a production-like stack on 127.0.0.1, for tests/deploy: processes, nginx, mail, HTTP.

Everything waits with bounded polls (``wait_for``): a condition checked every few tenths of a second up to a
deadline, failing with what the processes logged. Nothing here sleeps to make a test pass.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import fcntl
import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV") or ROOT / ".venv") / "bin"
if not (VENV_BIN / "gunicorn").exists():
    VENV_BIN = ROOT / ".venv" / "bin"
SHIPPED_NGINX = ROOT / "deploy" / "nginx.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class NotReady(AssertionError):
    pass


def wait_for(condition: Callable[[], Any], *, timeout: float, interval: float = 0.2, what: str = "") -> Any:
    """Poll ``condition`` until it returns something truthy, at most ``timeout`` seconds (a bounded poll)."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while True:
        try:
            result = condition()
        except (OSError, http.client.HTTPException) as exc:  # not listening yet, connection reset, …
            result, last = None, exc
        if result:
            return result
        if time.monotonic() >= deadline:
            raise NotReady(f"not ready after {timeout:.0f} s: {what}" + (f" (last error: {last!r})" if last else ""))
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def exclusive(path: Path, *, timeout: float = 600) -> Iterator[None]:
    """One deploy stack per machine at a time (fixed database name and Redis number): wait for the other run."""
    with open(path, "w") as handle:
        wait_for(lambda: _try_lock(handle), timeout=timeout, interval=1, what=f"lock {path} held by another run")
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_lock(handle: Any) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


# ------------------------------------------------------------------------------------------------ processes


@dataclass
class Proc:
    """A child process with its output in a file; stopped by its own id (and its own process group)."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    stop_signal: int = signal.SIGTERM
    stop_timeout: float = 35
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.popen = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        out.close()
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self, tail: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-tail:]
        except FileNotFoundError:
            return ""

    def check_alive(self) -> None:
        if not self.alive():
            raise NotReady(f"{self.name} exited ({self.popen and self.popen.returncode}):\n{self.output()}")

    def ready_when(self, condition: Callable[[], object]) -> Callable[[], object]:
        """``condition`` for ``wait_for``, failing at once if this process exited meanwhile."""

        def check() -> object:
            self.check_alive()
            return condition()

        return check

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with suppress(ProcessLookupError):
            self.popen.send_signal(self.stop_signal)
        try:
            self.popen.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)  # the group this process leads (start_new_session)
            self.popen.wait(10)


def run(args: list[str], env: dict[str, str], *, timeout: float = 300) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


# ------------------------------------------------------------------------------------------------ static files


def static_fingerprint() -> str:
    """What collectstatic would collect (every finder's files, with size and time) and the storage's version."""
    from importlib.metadata import version

    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(f"whitenoise {version('whitenoise')} django {version('django')}".encode())
    entries = []
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = os.stat(storage.path(path))
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    for entry in sorted(entries):
        digest.update(entry.encode())
    return digest.hexdigest()[:16]


def collected_static(env: dict[str, str], cache_root: Path) -> Path:
    """STATIC_ROOT as `manage.py collectstatic` writes it with the production storage (hashed, compressed).

    Compressing takes about a minute, so the result is kept in ``cache_root`` under a fingerprint of the sources
    and made again only when a static file (or WhiteNoise) changed.
    """
    key = static_fingerprint()
    target = cache_root / key
    if (target / "staticfiles.json").exists():
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    with exclusive(cache_root.with_name(cache_root.name + ".lock")):
        if (target / "staticfiles.json").exists():  # made by another run meanwhile
            return target
        building = cache_root / f"{key}.building-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        python = str(VENV_BIN / "python")
        run([python, "manage.py", "collectstatic", "--noinput"], {**env, "STATIC_ROOT": str(building)})
        shutil.rmtree(target, ignore_errors=True)
        building.rename(target)
        # Other fingerprints a day old are no longer in use by any run.
        for old in cache_root.iterdir():
            if old.name != key and time.time() - old.stat().st_mtime > 86400:
                shutil.rmtree(old, ignore_errors=True)
    return target


# -------------------------------------------------------------------------------------------------------- nginx


@dataclass
class NginxPorts:
    https: int
    http: int
    upstreams: list[str]


# (shipped text, test text, how many times it must occur): the shipped file with only addresses, paths and the
# certificate changed. A change to deploy/nginx.conf that moves one of these fails loudly here instead of being
# silently left out of the test.
def _substitutions(ports: NginxPorts, workdir: Path, cert: Path, key: Path) -> list[tuple[str, str, int]]:
    upstream_lines = "\n    ".join(f"server {address} max_fails=3 fail_timeout=10s;" for address in ports.upstreams)
    return [
        (
            "server 127.0.0.1:8001 max_fails=3 fail_timeout=10s;\n    server 127.0.0.1:8002 max_fails=3 fail_timeout=10s;",
            upstream_lines,
            1,
        ),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{ports.https} ssl http2;", 1),
        ("listen [::]:443 ssl http2;", "", 1),
        ("listen 80;", f"listen 127.0.0.1:{ports.http};", 1),
        ("listen [::]:80;", "", 1),
        ("/etc/ssl/observatorio/fullchain.pem", str(cert), 1),
        ("/etc/ssl/observatorio/privkey.pem", str(key), 1),
        ("/var/cache/nginx/observatorio", str(workdir / "cache"), 1),
        ("/var/log/nginx/observatorio.access.log", str(workdir / "access.log"), 2),
        ("/var/www/letsencrypt", str(workdir / "acme"), 2),  # the root and its comment
    ]


def render_nginx(ports: NginxPorts, workdir: Path, cert: Path, key: Path) -> Path:
    """deploy/nginx.conf with test ports and paths, inside a minimal main configuration of our own."""
    text = SHIPPED_NGINX.read_text()
    for shipped, test, count in _substitutions(ports, workdir, cert, key):
        found = text.count(shipped)
        assert found == count, f"deploy/nginx.conf: expected {count} × {shipped!r}, found {found}"
        text = text.replace(shipped, test)
    site = workdir / "observatorio.conf"
    site.write_text(text)
    temp = workdir / "temp"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (temp / sub).mkdir(parents=True, exist_ok=True)
    (workdir / "acme").mkdir(exist_ok=True)
    main = workdir / "nginx.conf"
    # As root, nginx's workers would switch to an unprivileged user that cannot enter pytest's private tmp dirs.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
"""
    )
    return main


def start_nginx(main: Path, workdir: Path, ports: NginxPorts) -> Proc:
    if not Path(NGINX).exists():
        raise AssertionError("nginx is not installed (make test installs Debian's nginx: `make nginx`)")
    base = [NGINX, "-p", str(workdir), "-c", str(main), "-e", str(workdir / "error.log")]
    run([*base, "-t"], {"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    proc = Proc(
        "nginx", base, {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, workdir / "nginx.out", stop_timeout=10
    )
    proc.start()
    wait_for(
        proc.ready_when(lambda: _listening(ports.https) and _listening(ports.http)),
        timeout=15,
        what="nginx listening",
    )
    return proc


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def self_signed_certificate(workdir: Path) -> tuple[Path, Path]:
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        timeout=60,
    )  # fmt: skip
    return cert, key


def access_log(workdir: Path) -> list[dict[str, Any]]:
    import json

    path = workdir / "access.log"
    if not path.exists():
        return []
    complete = path.read_text().split("\n")[:-1]  # a line nginx is still writing has no newline yet
    return [json.loads(line) for line in complete if line.strip()]


# ----------------------------------------------------------------------------------------------------- HTTP


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Client:
    """A small browser: one address to connect to, an optional source address, cookies, TLS with our CA.

    ``direct`` talks plain HTTP to a gunicorn process with the headers nginx would add.
    """

    port: int
    host: str = "127.0.0.1"
    tls: ssl.SSLContext | None = None
    source: str | None = None
    forwarded_for: str | None = None  # direct only: the X-Forwarded-For nginx would send
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def connection(self) -> http.client.HTTPConnection:
        source = (self.source, 0) if self.source else None
        if self.tls is not None:
            return http.client.HTTPSConnection(
                self.host, self.port, context=self.tls, timeout=self.timeout, source_address=source
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout, source_address=source)

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        sent = {"Host": f"{self.host}:{self.port}" if self.tls else self.host, "Connection": "close"}
        if self.tls is None:  # straight to gunicorn: what nginx would have added
            sent["X-Forwarded-Proto"] = "https"
            if self.forwarded_for:
                sent["X-Forwarded-For"] = self.forwarded_for
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, data: dict[str, str], *, csrf_from: str | None = None) -> Response:
        """POST ``data`` as a form, with the CSRF token of the page at ``csrf_from`` (default: ``path``)."""
        page = self.get(csrf_from or path)
        token = csrf_token(page.text)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + (csrf_from or path),
        }
        return self.request(
            "POST", path, body=urlencode({"csrfmiddlewaretoken": token, **data}).encode(), headers=headers
        )


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def tls_context(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


# ------------------------------------------------------------------------------------------------------ mail


@dataclass
class Delivery:
    key: tuple[str, ...]
    message: EmailMessage
    accepted: bool


def message_key(envelope: Any) -> tuple[tuple[str, ...], EmailMessage]:
    """A message as the SMTP handlers tell them apart: recipients, subject and body (not Message-ID or Date)."""
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    return (",".join(sorted(envelope.rcpt_tos)), str(message["Subject"]), text), message


class FlakySMTPHandler:
    """An SMTP server's handler that refuses the first attempt at each message (451) and accepts the second.

    A message is its recipients, subject and body (each retry is a new SMTP transaction with a new Message-ID and
    Date, so those are not part of it).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.deliveries: list[Delivery] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        key, message = message_key(envelope)
        with self.lock:
            first = not any(d.key == key for d in self.deliveries)
            self.deliveries.append(Delivery(key, message, accepted=not first))
        return "451 4.3.0 Try again later" if first else "250 OK"

    def attempts_to(self, address: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if address in d.key[0].split(",")]


class HoldingSMTPHandler:
    """An SMTP server's handler that accepts every message (250) but the first attempt at the one with subject
    ``hold_subject``: that attempt is held in DATA, the client waiting for the server's answer, until ``release`` is
    set (at most ``hold_timeout`` seconds), then refused (451), so whoever sent it delivered nothing.

    ``held`` is set (and ``held_peer`` is the client's address) once the client is waiting. Should the client go away
    meanwhile, aiosmtpd cancels the handler on the lost connection: ``dropped`` is set and no answer is written.
    The wait runs in a thread, so the server's other connections are served meanwhile.
    """

    def __init__(self, hold_subject: str, *, hold_timeout: float = 30) -> None:
        self.hold_subject = hold_subject
        self.hold_timeout = hold_timeout
        self.held = threading.Event()
        self.release = threading.Event()
        self.dropped = threading.Event()
        self.held_peer: tuple[str, int] | None = None
        self.lock = threading.Lock()
        self.deliveries: list[Delivery] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        key, message = message_key(envelope)
        with self.lock:
            hold = key[1] == self.hold_subject and not self.held.is_set()
            self.deliveries.append(Delivery(key, message, accepted=not hold))
        if not hold:
            return "250 OK"
        self.held_peer = session.peer
        self.held.set()
        try:
            await asyncio.to_thread(self.release.wait, self.hold_timeout)
        except asyncio.CancelledError:
            self.dropped.set()
            raise
        return "451 4.3.0 Try again later"

    def attempts_to(self, address: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if address in d.key[0].split(",")]


# ------------------------------------------------------------------------------------------------ /proc


def process_group(pgid: int) -> list[int]:
    """The processes of group ``pgid`` (what ``ps -o pid,pgid`` lists), from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, pgrp, …
        if int(fields[2]) == pgid:
            members.append(int(entry.name))
    return sorted(members)


def socket_holders(local_port: int, pids: Iterable[int]) -> list[int]:
    """Which of ``pids`` hold the TCP socket whose local port is ``local_port`` (what ``ss -tnp`` would say)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == local_port:
                    inodes.add(f"socket:[{fields[9]}]")
    return [pid for pid in pids if inodes & _open_sockets(pid)]


def _open_sockets(pid: int) -> set[str]:
    links = set()
    with suppress(OSError):  # the process is gone
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with suppress(OSError):  # closed meanwhile
                links.add(os.readlink(fd))
    return {link for link in links if link.startswith("socket:")}
