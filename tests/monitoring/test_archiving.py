"""Archived copies of source URLs, fetched from a local HTTP server on 127.0.0.1: pages, PDFs, images, redirects,
slow and huge answers, errors, private addresses; the WARC file, the text extract, retries and the member's
notification, the download headers, who may read a copy, and "archive again"."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import http.server
import socket
import threading
import time
from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from warcio.archiveiterator import ArchiveIterator

from monitoring import archiving
from monitoring.models import ArchiveStatus, EvidenceStatus, SourceArchive, Visibility
from monitoring.services import archives
from monitoring.services.evidence import submit_evidence
from monitoring.tasks import archive_source
from portal.models import AuditEvent, Notification
from tests.monitoring.conversations_kit import item, small_plan

pytestmark = pytest.mark.django_db

HTML = (
    b"<!doctype html><html><head><title>Informe SEMAR 2021</title><style>body{color:red}</style>"
    b"<script>var secreto = 'no-en-el-texto';</script></head><body><h1>Mujeres en la Marina</h1>"
    b"<p>El 50&nbsp;% de las   plazas\n\n   fueron ocupadas por mujeres.</p><noscript>activa JS</noscript>"
    b"<ul><li>Uno</li><li>Dos</li></ul></body></html>"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MB = 1024 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str | None = "text/html; charset=utf-8", **headers):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Host")))
        path = self.path
        if path == "/page.html":
            self._send(200, HTML)
        elif path == "/chunked.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            for piece in (HTML[:40], HTML[40:]):
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/informe.pdf":
            self._send(200, PDF, "application/pdf")
        elif path == "/foto":
            self._send(200, PNG, None)  # no Content-Type: sniffed
        elif path == "/r1":
            self._send(302, b"", Location="/r2")
        elif path == "/r2":
            self._send(301, b"", Location=f"http://127.0.0.1:{self.server.server_port}/page.html")
        elif path == "/loop-a":
            self._send(302, b"", Location="/loop-b")
        elif path == "/loop-b":
            self._send(302, b"", Location="/loop-a")
        elif path.startswith("/hop"):
            number = int(path[4:])
            self._send(302, b"", Location=f"/hop{number + 1}")
        elif path == "/private-redirect":
            self._send(302, b"", Location="http://169.254.169.254/latest/meta-data/")
        elif path == "/slow":
            time.sleep(1.0)  # bounded: longer than the test's time limit
            self._send(200, HTML)
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(30):  # 1.5 s at most, one byte at a time
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()  # no length announced: the body streams until the client stops reading
            chunk = b"0" * (64 * 1024)
            try:
                for _ in range(1024):  # up to 64 MB
                    self.wfile.write(chunk)
                    self.server.huge_sent += len(chunk)
            except OSError:
                return
        elif path == "/two-gigabytes":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(2 * 1024 * MB))
            self.end_headers()
            try:
                self.wfile.write(b"%PDF-" + b"0" * 1000)
            except OSError:
                return
        elif path == "/hex-charset":  # a codec that is not a text encoding: decoding it would raise (or inflate)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=hex")
            self.send_header("Content-Length", str(len(HTML)))
            self.end_headers()
            self.wfile.write(HTML)
        elif path == "/unavailable":
            self._send(503, b"<p>Mantenimiento</p>")
        else:
            self._send(404, b"<p>No encontrada</p>")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, str | None]] = []
        self.huge_sent = 0


@pytest.fixture(scope="module")
def server():
    httpd = Server()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def archive_settings(settings, server):
    settings.ARCHIVE_SOURCES = True
    settings.ARCHIVE_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ARCHIVE_TIMEOUT = 5
    settings.ARCHIVE_MAX_BYTES = 1 * MB
    settings.ARCHIVE_MAX_REDIRECTS = 5
    server.requests.clear()
    server.huge_sent = 0
    return settings


@pytest.fixture
def plan(db):
    return small_plan()


def url(server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_port}{path}"


def copy_of(cast, plan, address: str, **kwargs) -> SourceArchive:
    """A pending copy of ``address`` for a new item, made at once by the task (eager, as in the worker)."""
    evidence = item(cast, plan, source_url=address, **kwargs)
    archive = SourceArchive.objects.create(evidence=evidence, requested_url=address, requested_by=cast.member)
    archive_source.apply(args=[archive.pk])
    archive.refresh_from_db()
    return archive


def failure(address: str) -> str:
    with pytest.raises(archiving.ArchiveFailure) as caught:
        archiving.fetch(address).close()
    return caught.value.code


def warc_records(archive: SourceArchive) -> list:
    with default_storage.open(archive.warc.name, "rb") as handle:
        data = handle.read()
    records = []
    for record in ArchiveIterator(BytesIO(data)):
        body = record.content_stream().read()
        records.append((record.rec_type, record.rec_headers, record.http_headers, body))
    return records


# ------------------------------------------------------------------------------------------ what is fetched and kept
def test_an_html_page_is_kept_as_a_warc_file_with_its_hash_and_a_text_extract_without_its_script(cast, plan, server):
    archive = copy_of(cast, plan, url(server, "/page.html"))
    assert archive.status == ArchiveStatus.ARCHIVED
    assert (archive.http_status, archive.content_type, archive.size) == (200, "text/html", len(HTML))
    assert archive.sha256 == hashlib.sha256(HTML).hexdigest()
    assert archive.final_url == url(server, "/page.html") and archive.retrieved_at is not None
    assert archive.attempts == 1 and archive.error == ""
    records = warc_records(archive)
    assert [r[0] for r in records] == ["warcinfo", "request", "response"]
    _, headers, http_headers, body = records[2]
    assert headers.get_header("WARC-Target-URI") == url(server, "/page.html")
    assert headers.get_header("WARC-Date") and headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert http_headers.get_statuscode() == "200" and http_headers.get_header("Content-Type").startswith("text/html")
    assert body == HTML and hashlib.sha256(body).hexdigest() == archive.sha256
    request = records[1][2]
    assert (request.protocol, request.statusline) == ("GET", "/page.html HTTP/1.1")
    assert "Informe SEMAR 2021" in archive.text and "Mujeres en la Marina" in archive.text
    assert "El 50 % de las plazas fueron ocupadas por mujeres." in archive.text  # whitespace collapsed
    assert "secreto" not in archive.text and "color:red" not in archive.text and "activa JS" not in archive.text
    assert "Uno\nDos" in archive.text


def test_a_page_declaring_a_charset_that_is_not_a_text_encoding_is_archived_and_read_as_utf8(cast, plan, server):
    archive = copy_of(cast, plan, url(server, "/hex-charset"))
    assert archive.status == ArchiveStatus.ARCHIVED and archive.sha256 == hashlib.sha256(HTML).hexdigest()
    assert "Informe SEMAR 2021" in archive.text  # not pending for ever, not decoded by the hex codec


def test_a_chunked_page_is_stored_as_one_body_that_warc_readers_parse(cast, plan, server):
    archive = copy_of(cast, plan, url(server, "/chunked.html"))
    assert archive.status == ArchiveStatus.ARCHIVED and archive.size == len(HTML)
    body = warc_records(archive)[2][3]
    assert body == HTML and hashlib.sha256(body).hexdigest() == archive.sha256


def test_a_pdf_and_an_image_are_archived_as_they_are_without_a_text_extract(cast, plan, server):
    pdf = copy_of(cast, plan, url(server, "/informe.pdf"))
    assert (pdf.status, pdf.content_type, pdf.sha256, pdf.text) == (
        "archived",
        "application/pdf",
        hashlib.sha256(PDF).hexdigest(),
        "",
    )
    assert warc_records(pdf)[2][3] == PDF
    image = copy_of(cast, plan, url(server, "/foto"))
    assert (image.status, image.content_type) == ("archived", "image/png")  # sniffed: no type was sent


def test_a_redirect_chain_is_followed_and_every_hop_is_in_the_warc(cast, plan, server):
    archive = copy_of(cast, plan, url(server, "/r1"))
    assert archive.status == ArchiveStatus.ARCHIVED
    assert archive.final_url == url(server, "/page.html")
    assert archive.sha256 == hashlib.sha256(HTML).hexdigest()
    responses = [
        (r[1].get_header("WARC-Target-URI"), r[2].get_statuscode()) for r in warc_records(archive) if r[0] == "response"
    ]
    assert responses == [(url(server, "/r1"), "302"), (url(server, "/r2"), "301"), (url(server, "/page.html"), "200")]


def test_a_redirect_loop_and_too_many_redirects_are_refused_and_not_retried(cast, plan, server, settings):
    loop = copy_of(cast, plan, url(server, "/loop-a"))
    assert (loop.status, loop.error, loop.attempts) == ("failed", "redirect_loop", 1)
    assert [p for p, _ in server.requests] == ["/loop-a", "/loop-b"]  # the loop is seen, not walked forever
    settings.ARCHIVE_MAX_REDIRECTS = 3
    assert failure(url(server, "/hop0")) == "too_many_redirects"
    assert not SourceArchive.objects.filter(status="archived").exists()


def test_a_redirect_to_a_private_address_is_refused(server):
    assert failure(url(server, "/private-redirect")) == "private_address"


def test_a_slow_server_is_cut_off_at_the_time_limit(cast, plan, server, settings):
    settings.ARCHIVE_TIMEOUT = 0.3  # the server waits 1 s before answering, and trickles /drip for 1.5 s
    assert failure(url(server, "/slow")) == "timeout"
    assert failure(url(server, "/drip")) == "timeout"  # a body trickled byte by byte is cut off too
    archive = copy_of(cast, plan, url(server, "/slow"))
    assert (archive.status, archive.error) == ("failed", "timeout")  # retried (network trouble), then failed


def test_a_huge_body_is_not_read_past_the_limit(cast, plan, server):
    archive = copy_of(cast, plan, url(server, "/huge"))
    assert (archive.status, archive.error, archive.attempts) == ("failed", "too_large", 1)
    assert not archive.warc and archive.sha256 == ""
    # The client stopped reading: the server could write little more than the limit before the connection closed.
    assert server.huge_sent < 16 * MB


def test_a_body_announced_as_two_gigabytes_is_refused_before_reading(server):
    assert failure(url(server, "/two-gigabytes")) == "too_large"


def test_a_404_fails_at_once_with_its_status_and_tells_the_member(cast, plan, server):
    archive = copy_of(cast, plan, url(server, "/gone"))
    assert (archive.status, archive.http_status, archive.error, archive.attempts) == ("failed", 404, "http_error", 1)
    note = Notification.objects.get(kind="evidence.archive_failed")
    assert note.recipient == cast.member
    assert note.params == {"title": archive.evidence.title}  # the title only, nothing of the page
    assert note.url_kwargs == {"uuid": str(archive.evidence.uuid)}


def test_a_server_error_is_retried_then_fails_and_the_member_is_told_once(cast, plan, server):
    archive = copy_of(cast, plan, url(server, "/unavailable"))
    assert (archive.status, archive.http_status, archive.error) == ("failed", 503, "server_error")
    assert archive.attempts == archive_source.max_retries + 1
    assert [p for p, _ in server.requests] == ["/unavailable"] * (archive_source.max_retries + 1)
    assert Notification.objects.filter(kind="evidence.archive_failed", recipient=cast.member).count() == 1


def test_submission_succeeds_when_the_site_is_down_and_the_copy_is_retried_then_reported(
    cast, plan, django_capture_on_commit_callbacks
):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    draft = item(cast, plan, status=EvidenceStatus.DRAFT, source_url=f"http://127.0.0.1:{port}/informe")
    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit_evidence(evidence=draft, actor=cast.member, expected_version=draft.version)
    assert submitted.status == EvidenceStatus.SUBMITTED
    archive = SourceArchive.objects.get(evidence=draft)
    assert (archive.status, archive.error) == ("failed", "connection")
    assert archive.attempts == archive_source.max_retries + 1  # the retry path, with backoff in a real worker
    assert archive.requested_by == cast.member
    assert Notification.objects.filter(kind="evidence.archive_failed", recipient=cast.member).exists()


def test_submission_archives_the_source_once(cast, plan, server, django_capture_on_commit_callbacks):
    draft = item(cast, plan, status=EvidenceStatus.DRAFT, source_url=url(server, "/page.html"))
    with django_capture_on_commit_callbacks(execute=True):
        submit_evidence(evidence=draft, actor=cast.member, expected_version=draft.version)
    assert SourceArchive.objects.get(evidence=draft).status == ArchiveStatus.ARCHIVED
    assert archives.archive_on_submission(draft, cast.member) is None  # the same URL is archived already
    assert archives.archive_on_submission(item(cast, plan, source_url=""), cast.member) is None  # nothing to fetch


def test_without_a_worker_submission_does_not_fetch(cast, plan, server, settings, django_capture_on_commit_callbacks):
    settings.ARCHIVE_SOURCES = False
    draft = item(cast, plan, status=EvidenceStatus.DRAFT, source_url=url(server, "/page.html"))
    with django_capture_on_commit_callbacks(execute=True):
        submit_evidence(evidence=draft, actor=cast.member, expected_version=draft.version)
    assert not SourceArchive.objects.exists() and server.requests == []


# ------------------------------------------------------------------------------------------------ refused addresses
@pytest.mark.parametrize(
    "address",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://localhost/",
    ],
)
def test_private_and_local_addresses_are_refused_without_connecting(address, settings, server):
    settings.ARCHIVE_ALLOWED_NETWORKS = []
    assert failure(address) == "private_address"


def test_the_local_server_itself_is_refused_when_the_allow_list_is_off(cast, plan, server, settings):
    settings.ARCHIVE_ALLOWED_NETWORKS = []
    archive = copy_of(cast, plan, url(server, "/page.html"))
    assert (archive.status, archive.error, archive.attempts) == ("failed", "private_address", 1)
    assert server.requests == []  # never connected


def test_a_name_that_also_resolves_to_a_private_address_is_refused(monkeypatch, settings, server):
    settings.ARCHIVE_ALLOWED_NETWORKS = []
    answers = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 80)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80)),
    ]
    monkeypatch.setattr(archiving.socket, "getaddrinfo", lambda *a, **k: answers)
    assert failure("http://rebinding.test/") == "private_address"


def test_the_connection_goes_to_the_checked_address_with_the_sites_name(monkeypatch, server):
    calls = []

    def resolver(host, port, *args, **kwargs):
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(archiving.socket, "getaddrinfo", resolver)
    fetched = archiving.fetch(f"http://fuente.test:{server.server_port}/page.html")
    fetched.close()
    # Resolved once; the socket connected to the address that was checked (an IP literal needs no lookup).
    assert [host for host in calls if not host[0].isdigit()] == ["fuente.test"]
    assert server.requests == [("/page.html", f"fuente.test:{server.server_port}")]


@pytest.mark.parametrize(
    "address",
    [
        "ftp://example.org/a",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://user:secret@example.org/",
        "http:///x",
        "http://example.org:99999/",
    ],
)
def test_addresses_that_are_not_http_are_refused(address):
    assert failure(address) == "bad_url"


def test_the_text_extract_is_capped(cast, plan, server, settings):
    settings.ARCHIVE_MAX_TEXT = 20
    archive = copy_of(cast, plan, url(server, "/page.html"))
    assert len(archive.text) == 20


def test_a_gzipped_page_sent_despite_identity_is_extracted_within_bounds():
    hop = archiving.Hop(
        url="http://x.test/",
        address="203.0.113.5",
        request_headers=[],
        status=200,
        reason="OK",
        headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
        body=BytesIO(gzip.compress(HTML)),
        size=0,
        sha256="",
        at=timezone.now(),
    )
    assert "Mujeres en la Marina" in archiving.text_extract(hop)


# ------------------------------------------------------------------------------------------------- pages and files
def test_the_item_page_shows_the_copy_and_the_downloads_are_attachments_never_rendered(client, cast, plan, server):
    archive = copy_of(cast, plan, url(server, "/page.html"), status=EvidenceStatus.APPROVED)
    page = client.get(f"/en/evidence/{archive.evidence.uuid}/").content.decode()
    assert "Archived copy, retrieved on" in page
    assert archive.sha256 in page
    assert f"/en/archives/{archive.uuid}/copy.warc.gz" in page and f"/en/archives/{archive.uuid}/text.txt" in page
    assert "Archive the source again" not in page  # an anonymous reader may read, not ask
    response = client.get(f"/en/archives/{archive.uuid}/copy.warc.gz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/warc"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content)[:2] == b"\x1f\x8b"  # gzipped WARC, as stored
    text = client.get(f"/en/archives/{archive.uuid}/text.txt")
    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert text["Content-Disposition"].startswith("attachment;")
    assert text["X-Content-Type-Options"] == "nosniff" and "sandbox" in text["Content-Security-Policy"]
    assert "Mujeres en la Marina" in text.content.decode() and "<script" not in text.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("outsider", 404),
        ("other_member", 404),
        ("other_reviewer", 404),
        ("member", 200),
        ("moderator", 200),
    ],
)
def test_a_restricted_items_copies_are_404_outside_its_readers(client, cast, plan, server, role, status):
    archive = copy_of(
        cast, plan, url(server, "/page.html"), status=EvidenceStatus.APPROVED, visibility=Visibility.CONFIDENTIAL
    )
    if role != "anonymous":
        client.force_login(getattr(cast, role))
    assert client.get(f"/en/archives/{archive.uuid}/copy.warc.gz").status_code == status
    assert client.get(f"/en/archives/{archive.uuid}/text.txt").status_code == status
    for path in ("/en/evidence/", "/api/v1/evidence/", f"/en/evidence/{archive.evidence.uuid}/"):
        body = client.get(path).content.decode()
        assert (str(archive.uuid) in body) == (status == 200 and path.endswith(f"{archive.evidence.uuid}/")), path


def test_a_failed_copy_is_shown_to_the_member_with_its_reason_but_not_to_the_public(client, cast, plan, server):
    archive = copy_of(cast, plan, url(server, "/gone"), status=EvidenceStatus.APPROVED)
    page = client.get(f"/en/evidence/{archive.evidence.uuid}/").content.decode()
    assert "The site answered with an error" not in page and "archived-copies" not in page
    client.force_login(cast.member)
    page = client.get(f"/en/evidence/{archive.evidence.uuid}/").content.decode()
    assert "The site answered with an error (HTTP 404)." in page
    assert "Archive the source again" in page
    assert client.get(f"/en/archives/{archive.uuid}/copy.warc.gz").status_code == 404  # nothing to download


def test_archive_again_adds_a_copy_keeps_the_old_one_is_audited_and_one_at_a_time(
    client, cast, plan, server, django_capture_on_commit_callbacks
):
    first = copy_of(cast, plan, url(server, "/page.html"))
    evidence = first.evidence
    client.force_login(cast.member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/evidence/{evidence.uuid}/archive/")
    assert response.status_code == 302 and response["Location"].endswith("#archived-copies")
    copies = list(SourceArchive.objects.filter(evidence=evidence).order_by("pk"))
    assert [c.status for c in copies] == ["archived", "archived"] and copies[0] == first
    assert copies[0].warc.name != copies[1].warc.name
    assert AuditEvent.objects.filter(action="monitoring.evidence.archive_requested", actor=cast.member).count() == 1
    # While one is being made, another request is refused with a message.
    SourceArchive.objects.create(evidence=evidence, requested_url=evidence.source_url, requested_by=cast.member)
    page = client.post(f"/en/evidence/{evidence.uuid}/archive/", follow=True).content.decode()
    assert "A copy of this source is being made already" in page
    assert SourceArchive.objects.filter(evidence=evidence).count() == 3


@pytest.mark.parametrize("role", ["anonymous", "outsider", "other_member", "reviewer_of_other"])
def test_only_members_and_moderators_may_ask_for_a_copy(client, cast, plan, server, role):
    evidence = item(cast, plan, status=EvidenceStatus.APPROVED, source_url=url(server, "/page.html"))
    if role == "reviewer_of_other":
        client.force_login(cast.other_reviewer)
    elif role != "anonymous":
        client.force_login(getattr(cast, role))
    response = client.post(f"/en/evidence/{evidence.uuid}/archive/")
    assert response.status_code in ((302,) if role == "anonymous" else (404,))
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    assert not SourceArchive.objects.exists()
    assert client.get(f"/en/evidence/{evidence.uuid}/archive/").status_code in (302, 405)


def test_a_moderator_may_ask_for_a_copy(client, cast, plan, server, django_capture_on_commit_callbacks):
    evidence = item(cast, plan, status=EvidenceStatus.SUBMITTED, source_url=url(server, "/informe.pdf"))
    client.force_login(cast.moderator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/evidence/{evidence.uuid}/archive/")
    archive = SourceArchive.objects.get(evidence=evidence)
    assert (archive.status, archive.requested_by) == ("archived", cast.moderator)


def test_the_page_lists_every_copy_in_a_constant_number_of_queries(client, cast, plan, server):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    evidence = item(cast, plan, status=EvidenceStatus.APPROVED, source_url=url(server, "/page.html"))
    client.force_login(cast.member)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/en/evidence/{evidence.uuid}/").status_code == 200
        return len(captured)

    SourceArchive.objects.create(
        evidence=evidence, requested_url=evidence.source_url, requested_by=cast.member, status="failed", error="dns"
    )
    queries()  # the first page of a session also fills per-process caches (content types…): not what is counted
    few = queries()
    for _ in range(10):
        SourceArchive.objects.create(
            evidence=evidence,
            requested_url=evidence.source_url,
            requested_by=cast.member,
            status="failed",
            error="timeout",
        )
    assert queries() == few


def test_the_sweep_sends_copies_left_pending_to_the_worker_again(cast, plan, server):
    evidence = item(cast, plan, source_url=url(server, "/page.html"))
    stuck = SourceArchive.objects.create(evidence=evidence, requested_url=evidence.source_url, requested_by=cast.member)
    recent = item(cast, plan, source_url=url(server, "/informe.pdf"))
    waiting = SourceArchive.objects.create(evidence=recent, requested_url=recent.source_url, requested_by=cast.member)
    SourceArchive.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - dt.timedelta(hours=3))
    assert archives.stuck_copies() == [stuck.pk]
    stuck.refresh_from_db()
    waiting.refresh_from_db()
    assert (stuck.status, waiting.status) == ("archived", "pending")  # the recent one is still the worker's


def _certificates(tmp_path, name: str) -> tuple[str, str, str]:
    """A certificate authority and a server certificate for ``name`` signed by it (PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = (tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return tuple(str(p) for p in paths)  # type: ignore[return-value]


@pytest.mark.parametrize(("certified", "outcome"), [("fuente.test", "ok"), ("otro.test", "tls")])
def test_https_is_verified_against_the_sites_name_while_connecting_to_the_checked_address(
    tmp_path, monkeypatch, certified, outcome
):
    import ssl

    ca, cert, key = _certificates(tmp_path, certified)
    httpd = Server()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(archiving, "CA_CERTS", ca)
    monkeypatch.setattr(
        archiving.socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))],
    )
    try:
        address = f"https://fuente.test:{httpd.server_port}/page.html"
        if outcome == "ok":
            fetched = archiving.fetch(address)
            assert fetched.final.sha256 == hashlib.sha256(HTML).hexdigest()
            fetched.close()
            assert httpd.requests == [("/page.html", f"fuente.test:{httpd.server_port}")]
        else:
            assert failure(address) == "tls"  # a certificate for another name is refused
            assert httpd.requests == []
    finally:
        httpd.shutdown()
        httpd.server_close()
