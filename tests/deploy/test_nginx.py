"""deploy/nginx.conf on its own: the shipped file in front of a fake upstream whose headers each test chooses.

The portal decides which responses are public and immutable; this module checks what nginx does with each kind
(stored or not, served from the cache or not), which headers it sends on, the redirect, the body limit and the
access log — without depending on the portal's pages. tests/deploy/test_stack.py puts the same file in front of
the real processes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.deploy import stack

pytestmark = [pytest.mark.deploy, pytest.mark.xdist_group("deploy")]

IMMUTABLE = "public, max-age=600, immutable"
# path → extra response headers
BEHAVIOUR: dict[str, dict[str, str]] = {
    "/immutable": {"Cache-Control": IMMUTABLE},
    "/immutable-set-cookie": {"Cache-Control": IMMUTABLE, "Set-Cookie": "csrftoken=abc; Path=/; Secure"},
    "/immutable-private": {"Cache-Control": "private, max-age=600, immutable"},
    "/public-max-age": {"Cache-Control": "public, max-age=600"},
    "/no-cache-control": {},
}


class FakePortal(BaseHTTPRequestHandler):
    hits: Counter[str] = Counter()
    seen: list[dict[str, str]] = []
    lock = threading.Lock()
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        with self.lock:
            self.hits[self.path] += 1
            self.seen.append({k.lower(): v for k, v in self.headers.items()} | {":path": self.path})
        if path == "/echo":
            body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
            extra: dict[str, str] = {"Content-Type": "application/json"}
        else:
            body = f"{self.path} #{self.hits[self.path]}".encode()
            extra = {"Content-Type": "text/plain", **BEHAVIOUR.get(path, {})}
        self.send_response(200)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Edge:
    client: stack.Client
    http_port: int
    workdir: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> stack.Response:
        return self.client.get(path, headers=headers)

    def hits(self, path: str) -> int:
        with FakePortal.lock:
            return FakePortal.hits[path]


@pytest.fixture(scope="module")
def edge() -> Iterator[Edge]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePortal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    workdir = Path(tempfile.mkdtemp(prefix="obs1325-edge-"))
    nginx = None
    try:
        ports = stack.NginxPorts(
            https=stack.free_port(), http=stack.free_port(), upstreams=[f"127.0.0.1:{server.server_address[1]}"] * 2
        )
        cert, key = stack.self_signed_certificate(workdir)
        nginx = stack.start_nginx(stack.render_nginx(ports, workdir, cert, key), workdir, ports)
        yield Edge(stack.Client(ports.https, tls=stack.tls_context(cert), source="127.0.0.2"), ports.http, workdir)
    finally:
        if nginx is not None:
            nginx.stop()
        server.shutdown()
        server.server_close()
        shutil.rmtree(workdir, ignore_errors=True)


def unique(path: str) -> str:
    return f"{path}?n={uuid.uuid4().hex}"


def test_http_redirects_to_https_keeping_path_and_query(edge):
    response = stack.Client(edge.http_port).get("/es/evidence/?q=mucpaz&page=2")
    assert response.status == 301
    assert response.header("Location") == "https://127.0.0.1/es/evidence/?q=mucpaz&page=2"


def test_the_portal_is_told_the_client_address_scheme_and_host(edge):
    # The client's own X-Forwarded-For is kept but nginx appends the address it really saw, last; the portal
    # takes the last one (PROXY_COUNT=1). Forwarded-Proto and -Host from the client never get through.
    seen = json.loads(
        edge.get(
            "/echo", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil"}
        ).body
    )
    assert seen["x-forwarded-for"] == "203.0.113.9, 127.0.0.2"
    assert seen["x-forwarded-proto"] == "https"
    assert seen["host"] == "127.0.0.1"
    assert "x-forwarded-host" not in seen


def test_anonymous_immutable_response_is_served_from_the_cache(edge):
    path = unique("/immutable")
    first, second = edge.get(path), edge.get(path)
    assert (first.header("X-Cache-Status"), second.header("X-Cache-Status")) == ("MISS", "HIT")
    assert second.body == first.body
    assert edge.hits(path) == 1


def test_a_reader_with_a_session_never_gets_or_fills_the_cache(edge):
    cached = unique("/immutable")
    edge.get(cached)
    with_session = edge.get(cached, headers={"Cookie": "sessionid=abc"})
    assert with_session.header("X-Cache-Status") == "BYPASS"
    assert edge.hits(cached) == 2

    fresh = unique("/immutable")
    edge.get(fresh, headers={"Cookie": "csrftoken=x; sessionid=abc"})
    assert edge.get(fresh).header("X-Cache-Status") == "MISS"  # what she got was not stored for others
    assert edge.hits(fresh) == 2


@pytest.mark.parametrize("cookie", ["messages=abc", None])
def test_a_pending_message_or_credentials_bypass_the_cache(edge, cookie):
    path = unique("/immutable")
    edge.get(path)
    headers = {"Cookie": cookie} if cookie else {"Authorization": "Bearer x"}
    assert edge.get(path, headers=headers).header("X-Cache-Status") == "BYPASS"


@pytest.mark.parametrize(
    "kind", ["/immutable-set-cookie", "/immutable-private", "/public-max-age", "/no-cache-control"]
)
def test_responses_that_are_not_public_and_immutable_or_set_a_cookie_are_never_stored(edge, kind):
    path = unique(kind)
    statuses = [edge.get(path).header("X-Cache-Status") for _ in range(3)]
    assert "HIT" not in statuses
    assert edge.hits(path) == 3


def test_bodies_above_the_portals_limit_get_413_from_nginx(edge, settings):
    conf = stack.SHIPPED_NGINX.read_text()
    sizes = re.findall(r"^\s*client_max_body_size\s+(\d+)m;", conf, flags=re.MULTILINE)
    assert sizes == ["105"], "one client_max_body_size, in MiB"
    assert int(sizes[0]) * 1024 * 1024 == settings.MAX_REQUEST_SIZE, "deploy/nginx.conf and MAX_REQUEST_SIZE differ"

    conn = edge.client.connection()
    try:
        conn.putrequest("POST", "/upload-too-large", skip_host=True)
        conn.putheader("Host", "127.0.0.1")
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(settings.MAX_REQUEST_SIZE + 1))
        conn.endheaders()  # no body is sent: nginx answers from the headers alone
        response = conn.getresponse()
        assert response.status == 413
        assert response.getheader("Server") == "nginx"
    finally:
        conn.close()
    assert edge.hits("/upload-too-large") == 0


def test_the_access_log_has_no_tokens_queries_or_addresses(edge):
    secrets_ = [
        "/es/accounts/password/reset/MTI/cgx4a1-0f1e2d3c4b5a69788796a5b4c3d2e1f0/",
        "/en/accounts/invitation/Zr7sQ2pL9vXkT4mW/",
        "/es/evidence/?q=Mar%C3%ADa+L%C3%B3pez&next=/es/workspace/",
    ]
    for path in secrets_:
        edge.get(path, headers={"User-Agent": "secret-agent/1.0", "Referer": "https://example.org/?q=who"})
    edge.get("/es/accounts/password/reset/sent/")

    # nginx writes a line once its request is finished, which may be just after the client has the answer.
    def complete() -> str | None:
        text = (edge.workdir / "access.log").read_text()
        return text if "/reset/sent/" in text else None

    log = stack.wait_for(complete, timeout=10, what="the last access log line")
    for fragment in (
        "cgx4a1",
        "MTI/",
        "Zr7sQ2pL9vXkT4mW",
        "Mar",
        "L%C3%B3pez",
        "next=",
        "127.0.0.2",
        "secret-agent",
        "example.org",
    ):
        assert fragment not in log, fragment
    paths = {json.loads(line)["path"] for line in log.splitlines()}
    assert {
        "/es/accounts/password/reset/[token]/",
        "/en/accounts/invitation/[token]/",
        "/es/evidence/?…",
        "/es/accounts/password/reset/sent/",
    } <= paths


def test_nginx_answers_http_1_1_keepalive_to_the_upstream(edge):
    # proxy_http_version 1.1 with an empty Connection header: connections to gunicorn are reused.
    edge.get(unique("/no-cache-control"))
    last = FakePortal.seen[-1]
    assert last.get("connection", "") == ""


def test_procfile_names_web_worker_and_beat():
    procfile = stack.ROOT / "Procfile"
    result = subprocess.run(
        [str(stack.VENV_BIN / "honcho"), "check", "-f", str(procfile)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "(web, worker, beat)" in result.stderr + result.stdout
    assert "gunicorn portal.wsgi -c deploy/gunicorn.conf.py" in procfile.read_text()


def test_gunicorn_configuration_loads_and_restricts_forwarded_ips():
    result = subprocess.run(
        [str(stack.VENV_BIN / "gunicorn"), "--check-config", "--print-config", "-c", str(stack.GUNICORN_CONF)],
        capture_output=True,
        text=True,
        check=False,
        cwd=stack.ROOT,
        env={"PATH": "/usr/bin:/bin", "GUNICORN_BIND": "127.0.0.1:8123", "DEBUG": "true"},
    )
    assert result.returncode == 0, result.stderr
    config = dict(
        line.split("=", 1) for line in (x.replace(" ", "") for x in result.stdout.splitlines()) if "=" in line
    )
    assert config["worker_class"] == "gthread"
    assert config["bind"] == "['127.0.0.1:8123']"
    assert config["timeout"] == "30" and config["graceful_timeout"] == "30" and config["keepalive"] == "5"
    assert config["forwarded_allow_ips"] in ("['127.0.0.1','::1']", "127.0.0.1,::1")


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/es/accounts/password/reset/MTI/abc-123/", "/es/accounts/password/reset/[token]/"),
        ("/es/accounts/password/reset/MTI/set-password/", "/es/accounts/password/reset/[token]/"),
        ("/es/accounts/password/reset/sent/", "/es/accounts/password/reset/sent/"),
        ("/en/accounts/invitation/tok/", "/en/accounts/invitation/[token]/"),
        ("/es/reports/x/v1/", "/es/reports/x/v1/"),
    ],
)
def test_gunicorn_access_log_path(path, logged):
    import runpy

    conf = runpy.run_path(str(stack.GUNICORN_CONF))
    assert conf["loggable_path"](path) == logged
