"""Archived copies of source URLs: the fetcher, the WARC file, the text extract, and the copies' life cycle.

When an item with a source URL is submitted (``archive_on_submission``, in the submission's transaction) or a
member or moderator asks again (``request_archive``), a pending ``SourceArchive`` row is written and the worker is
asked for it on commit (``tasks.archive_source`` → ``make_copy``). Submitting never waits for the fetch and never
fails because of it.

The fetch is made for an untrusted address, from inside our network, so it is fenced:

- only ``http``/``https``, no credentials in the address;
- the host is resolved once, every address it resolves to is checked (no private, loopback, link-local, multicast,
  reserved or unspecified address, unless it is in ``ARCHIVE_ALLOWED_NETWORKS``), and the connection goes to the
  checked address (the TLS name and the Host header stay the site's), so a second, different DNS answer cannot
  point the request elsewhere (DNS rebinding);
- at most ``ARCHIVE_MAX_REDIRECTS`` redirects, each one checked like the first, a loop refused;
- ``ARCHIVE_TIMEOUT`` seconds for the whole fetch (connection, every redirect, every byte), checked between reads,
  so a server that trickles its answer is cut off too;
- ``ARCHIVE_MAX_BYTES``: a larger body (announced or streamed) is not read further and the copy fails.

Network trouble and server errors (5xx, 408, 429) are retried by the task with exponential backoff; an answer that
will not change (404, a private address, a page too large) fails at once. After the last failure the submitter
(and whoever asked for the copy) is told, by title and link only.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import ipaddress
import logging
import re
import socket
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from monitoring.models import SourceArchive
from portal.errors import DomainError

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
REDIRECTS = (301, 302, 303, 307, 308)
RETRIED_STATUSES = (408, 425, 429)
USER_AGENT = "Observatorio1325-archiver/1.0 (copies of cited sources)"
ACCEPT = "text/html,application/xhtml+xml,application/pdf,image/*;q=0.9,*/*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Certificates trusted for https (None: the system's); tests point it at their own authority.
CA_CERTS: str | None = None
# The HTML read for the text extract (the copy itself keeps everything up to ARCHIVE_MAX_BYTES).
MAX_HTML_FOR_TEXT = 10 * 1024 * 1024

# Why a copy failed: the code stored on the row, what the member reads, and whether the worker tries again.
FAILURES: dict[str, tuple[Promise, bool]] = {
    "bad_url": (gettext_lazy("The address is not a web address that can be archived (http or https only)."), False),
    "private_address": (
        gettext_lazy("The address points to a private or local network, so it was not fetched."),
        False,
    ),
    "dns": (gettext_lazy("The site's name could not be found."), True),
    "connection": (gettext_lazy("The site could not be reached."), True),
    "tls": (gettext_lazy("The site's secure connection could not be verified."), False),
    "timeout": (gettext_lazy("The site took too long to answer."), True),
    "too_large": (gettext_lazy("The page is larger than the archive accepts."), False),
    "too_many_redirects": (gettext_lazy("The address redirects too many times."), False),
    "redirect_loop": (gettext_lazy("The address redirects in a loop."), False),
    "http_error": (gettext_lazy("The site answered with an error."), False),
    "server_error": (gettext_lazy("The site answered with an error."), True),
    "storage": (gettext_lazy("The copy could not be stored."), True),
    "unavailable": (gettext_lazy("The copy could not be made."), True),
}


def failure_message(archive: SourceArchive) -> str:
    """What a member reads about a failed (or retrying) copy, in her language; the HTTP status when there was one."""
    message = str(FAILURES.get(archive.error, FAILURES["unavailable"])[0])
    if archive.http_status and archive.error in ("http_error", "server_error"):
        message = f"{message.rstrip('.')} (HTTP {archive.http_status})."
    return message


class ArchiveFailure(Exception):
    """The fetch did not give a copy; ``code`` is one of FAILURES."""

    def __init__(self, code: str, http_status: int | None = None, final_url: str = ""):
        self.code = code
        self.http_status = http_status
        self.final_url = final_url
        super().__init__(code if http_status is None else f"{code} ({http_status})")

    @property
    def retry(self) -> bool:
        return FAILURES.get(self.code, FAILURES["unavailable"])[1]


class RetryArchive(Exception):
    """Raised by ``make_copy`` when the copy should be tried again later (the task's ``autoretry_for``)."""


class ArchiveError(DomainError):
    """A member's request for a copy was refused; ``message`` is shown to her."""


# ------------------------------------------------------------------------------------------------- the addresses
def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(net, strict=False) for net in settings.ARCHIVE_ALLOWED_NETWORKS]


def address_allowed(address: str) -> bool:
    """May the archiver connect to this IP address? Public unicast addresses only, unless explicitly allowed."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:  # ::ffff:10.0.0.1 is 10.0.0.1
        ip = mapped
    if any(ip in net for net in _allowed_networks()):
        return True
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent on the request line


def parse_target(url: str) -> Target:
    """The parts of an address the archiver may fetch, or ``ArchiveFailure("bad_url")``."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ArchiveFailure("bad_url") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ArchiveFailure("bad_url")
    if len(url) > 2000 or any(ord(c) < 33 for c in url.strip()):
        raise ArchiveFailure("bad_url")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(url.strip(), scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


def resolve(host: str, port: int) -> str:
    """Resolve ``host`` once and return the address to connect to, after checking every address it resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ArchiveFailure("dns") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise ArchiveFailure("dns")
    if not all(address_allowed(address) for address in addresses):
        raise ArchiveFailure("private_address")
    return addresses[0]


# -------------------------------------------------------------------------------------------------------- fetching
@dataclass
class Hop:
    """One request and its answer (a redirect, or the final page)."""

    url: str
    address: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: IO[bytes]
    size: int
    sha256: str
    at: dt.datetime

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), "")


@dataclass
class Fetched:
    hops: list[Hop] = field(default_factory=list)

    @property
    def final(self) -> Hop:
        return self.hops[-1]

    def close(self) -> None:
        for hop in self.hops:
            hop.body.close()


def fetch(url: str) -> Fetched:
    """GET ``url`` within the limits (see the module's docstring); the caller closes what is returned."""
    deadline = time.monotonic() + settings.ARCHIVE_TIMEOUT
    fetched = Fetched()
    seen: set[str] = set()
    current = url
    try:
        while True:
            if current in seen:
                raise ArchiveFailure("redirect_loop", final_url=current)
            seen.add(current)
            hop = _get(parse_target(current), deadline)
            fetched.hops.append(hop)
            location = hop.header("Location")
            if hop.status in REDIRECTS and location:
                if len(fetched.hops) > settings.ARCHIVE_MAX_REDIRECTS:
                    raise ArchiveFailure("too_many_redirects", final_url=current)
                current = urljoin(current, location.strip())
                continue
            if hop.status >= 500 or hop.status in RETRIED_STATUSES:
                raise ArchiveFailure("server_error", hop.status, hop.url)
            if not 200 <= hop.status < 300:
                raise ArchiveFailure("http_error", hop.status, hop.url)
            return fetched
    except BaseException:
        fetched.close()
        raise


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ArchiveFailure("timeout")
    return left


def _get(target: Target, deadline: float) -> Hop:
    address = resolve(target.host, target.port)
    default_port = target.port == (443 if target.scheme == "https" else 80)
    host_header = target.host if default_port else f"{target.host}:{target.port}"
    if ":" in target.host:  # an IPv6 literal
        host_header = f"[{target.host}]" if default_port else f"[{target.host}]:{target.port}"
    request_headers = [
        ("Host", host_header),
        ("User-Agent", USER_AGENT),
        ("Accept", ACCEPT),
        ("Accept-Encoding", "identity"),
        ("Connection", "close"),
    ]
    left = _remaining(deadline)
    timeout = urllib3.Timeout(connect=min(settings.ARCHIVE_CONNECT_TIMEOUT, left), read=left)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=CA_CERTS,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False)
    at = timezone.now()
    try:
        response = pool.urlopen(
            "GET",
            target.path,
            headers=dict(request_headers),
            redirect=False,
            retries=False,
            preload_content=False,
            decode_content=False,
            assert_same_host=False,
        )
        try:
            body, size, sha256 = _read_body(response, deadline)
        finally:
            response.close()
    except ArchiveFailure:
        raise
    except urllib3.exceptions.SSLError as exc:
        raise ArchiveFailure("tls") from exc
    except urllib3.exceptions.NewConnectionError as exc:  # a subclass of ConnectTimeoutError, but refused
        raise ArchiveFailure("connection") from exc
    except (urllib3.exceptions.TimeoutError, TimeoutError) as exc:
        raise ArchiveFailure("timeout") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise ArchiveFailure("connection") from exc
    finally:
        pool.close()
    return Hop(
        url=target.url,
        address=address,
        request_headers=request_headers,
        status=response.status,
        reason=response.reason or "",
        headers=list(response.headers.items()),
        body=body,
        size=size,
        sha256=sha256,
        at=at,
    )


def _read_body(response: Any, deadline: float) -> tuple[IO[bytes], int, str]:
    limit = settings.ARCHIVE_MAX_BYTES
    announced = response.headers.get("Content-Length", "")
    if announced.strip().isdigit() and int(announced) > limit:
        raise ArchiveFailure("too_large")
    body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - returned open
    hasher = hashlib.sha256()
    size = 0
    try:
        while True:
            _remaining(deadline)
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise ArchiveFailure("too_large")
            hasher.update(chunk)
            body.write(chunk)
        _remaining(deadline)
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body, size, hasher.hexdigest()


# ------------------------------------------------------------------------------------------------ what was fetched
def media_type(hop: Hop) -> str:
    """The declared type of the final answer (without parameters), or one sniffed from its first bytes."""
    declared = hop.header("Content-Type").split(";", 1)[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared[:100]
    head = hop.body.read(512)
    hop.body.seek(0)
    return sniff(head) or declared or "application/octet-stream"


def sniff(head: bytes) -> str:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    start = head.lstrip()[:15].lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    return ""


def _charset(hop: Hop, head: bytes) -> str:
    declared = re.search(r"charset=[\"']?([\w.:-]+)", hop.header("Content-Type"), re.IGNORECASE)
    found = declared or re.search(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", head[:4096], re.IGNORECASE)
    name = found.group(1) if found else "utf-8"
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        info = codecs.lookup(name)
    except LookupError:
        return "utf-8"
    # "charset=hex", "zlib", "rot13"…: codecs that are not text encodings (some decompress) are never applied.
    if not info._is_text_encoding or info.name in ("idna", "punycode"):
        return "utf-8"
    return info.name


def _decoded_chunks(hop: Hop) -> Iterator[bytes]:
    """The body as the page's bytes: gzip/deflate undone (if the server sent it anyway), at most MAX_HTML_FOR_TEXT."""
    encoding = hop.header("Content-Encoding").strip().lower()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS)
    budget = MAX_HTML_FOR_TEXT
    hop.body.seek(0)
    while budget > 0:
        chunk = hop.body.read(CHUNK)
        if not chunk:
            break
        if encoding in ("gzip", "x-gzip", "deflate"):
            try:
                chunk = inflater.decompress(chunk, budget)
            except zlib.error:
                break
        budget -= len(chunk)
        yield chunk
    hop.body.seek(0)


class _TextExtractor(HTMLParser):
    """The readable text of a page: no script, style or other non-text content; blocks on their own lines."""

    SKIP = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "head"})
    BLOCKS = frozenset(
        {"p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header", "footer", "nav", "main"}
        | {"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt", "figcaption", "title", "td", "th"}
    )

    def __init__(self, limit: int):
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.parts: list[str] = []
        self.length = 0
        self.skipping = 0
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in self.SKIP:
            self.skipping += 1
        if tag in self.BLOCKS:
            self._add("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in self.SKIP and self.skipping:
            self.skipping -= 1
        if tag in self.BLOCKS:
            self._add("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title or not self.skipping:
            # A line break in HTML is a space: only blocks start new lines (``text`` collapses what is left).
            words = " ".join(data.split())
            self._add(f"{' ' if data[:1].isspace() else ''}{words}{' ' if words and data[-1:].isspace() else ''}")

    def _add(self, text: str) -> None:
        if self.length < self.limit * 2:  # room for the whitespace that collapsing removes
            self.parts.append(text)
            self.length += len(text)

    @property
    def full(self) -> bool:
        return self.length >= self.limit * 2

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return "\n".join(line for line in lines if line)[: self.limit]


def _safe_extract(hop: Hop) -> str:
    """The text extract, or none: a page whose text cannot be read is still archived (its WARC holds every byte)."""
    try:
        return text_extract(hop)
    except Exception as exc:  # a hostile or broken page must not leave its copy pending for ever
        logger.warning("archive text extract failed: %s", type(exc).__name__)  # never the page's bytes
        return ""


def text_extract(hop: Hop) -> str:
    """The readable text of an HTML answer, capped at ARCHIVE_MAX_TEXT characters ("" for anything else)."""
    head = hop.body.read(4096)
    hop.body.seek(0)
    decoder = codecs.getincrementaldecoder(_charset(hop, head))(errors="replace")
    parser = _TextExtractor(settings.ARCHIVE_MAX_TEXT)
    for chunk in _decoded_chunks(hop):
        parser.feed(decoder.decode(chunk))
        if parser.full:
            break
    else:
        parser.feed(decoder.decode(b"", final=True))
    parser.close()
    return parser.text()


def write_warc(fetched: Fetched) -> IO[bytes]:
    """A gzipped WARC file: a warcinfo record, then a request and a response record (raw headers and body) per hop."""
    output: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - returned open
    writer = WARCWriter(output, gzip=True)
    writer.write_record(
        writer.create_warcinfo_record(
            "copy.warc.gz", {"software": USER_AGENT, "format": "WARC File Format 1.1", "robots": "ignore"}
        )
    )
    for hop in fetched.hops:
        date = hop.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        target = urlsplit(hop.url)
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        request = writer.create_warc_record(
            hop.url,
            "request",
            payload=BytesIO(b""),
            length=0,
            warc_headers_dict={"WARC-Date": date, "WARC-IP-Address": hop.address},
            http_headers=StatusAndHeaders(f"GET {path} HTTP/1.1", hop.request_headers, is_http_request=True),
        )
        # The body is stored as received but without chunked framing (urllib3 removed it): say so in the headers.
        headers = [
            ("X-Archive-Orig-Transfer-Encoding", value) if key.lower() == "transfer-encoding" else (key, value)
            for key, value in hop.headers
        ]
        hop.body.seek(0)
        response = writer.create_warc_record(
            hop.url,
            "response",
            payload=hop.body,
            length=hop.size,
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-IP-Address": hop.address,
                "WARC-Concurrent-To": request.rec_headers.get_header("WARC-Record-ID"),
            },
            http_headers=StatusAndHeaders(f"{hop.status} {hop.reason}".strip(), headers, protocol="HTTP/1.1"),
        )
        writer.write_record(request)
        writer.write_record(response)
        hop.body.seek(0)
    output.seek(0)
    return output
