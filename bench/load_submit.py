#!/usr/bin/env python3
"""Load test (not in CI): concurrent members submitting evidence with a file, against gunicorn + PostgreSQL.

    .venv/bin/python bench/load_submit.py [--clients 50] [--seconds 60] [--workers 4]

Creates a scratch database (observatorio_bench) on the local PostgreSQL, starts gunicorn on 127.0.0.1,
lets N members submit evidence with a PDF for S seconds, then checks that every acknowledged
submission is in the database exactly once with its file and the right SHA-256, and prints errors
and latencies. Traffic goes to the loopback interface only; the run ends by itself.
"""

from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
DB = "observatorio_bench"
PASSWORD = "bench-password-1325"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class LoopbackCookies(http.cookiejar.DefaultCookiePolicy):
    """The portal marks cookies Secure (it runs behind TLS in production); on loopback we send them anyway."""

    def return_ok_secure(self, cookie, request):  # type: ignore[no-untyped-def]
        return True


HEADERS = {"X-Forwarded-Proto": "https", "Referer": f"https://127.0.0.1:{PORT}/"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def env(media: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "TWO_FACTOR_REQUIRED": "false",
        "LOGIN_FAILURE_LIMIT": "100000",
        "MEDIA_ROOT": media,
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "60",
    }


SETUP = """
from portal.models import Organisation, Membership, User
org, _ = Organisation.objects.get_or_create(slug="bench", defaults={{"name": "Bench CSO"}})
for n in range({clients}):
    user = User.objects.create_user(email=f"bench{{n}}@example.org", password="{password}")
    Membership.objects.create(user=user, organisation=org, role="member")
"""


def prepare(clients: int, media: str) -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    e = env(media)
    for args in (
        ["migrate", "-v0"],
        ["import_plan", "monitoring/data/mx-pna-1325-2021.yaml"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=e, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        [PY, "manage.py", "shell", "-c", SETUP.format(clients=clients, password=PASSWORD)], cwd=ROOT, env=e, check=True
    )


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="{filename}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def client_loop(n: int, deadline: float, acked: list, errors: list, latencies: list, lock: threading.Lock) -> None:
    jar = http.cookiejar.CookieJar(policy=LoopbackCookies())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def csrf_from(html: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]

    try:
        html = (
            opener.open(urllib.request.Request(f"{BASE}/en/accounts/login/", headers=HEADERS), timeout=30)
            .read()
            .decode()
        )
        data = urllib.parse.urlencode(
            {"username": f"bench{n}@example.org", "password": PASSWORD, "csrfmiddlewaretoken": csrf_from(html)}
        ).encode()
        try:
            opener.open(urllib.request.Request(f"{BASE}/en/accounts/login/", data=data, headers=HEADERS), timeout=30)
        except urllib.error.HTTPError as exc:
            if exc.code != 302:
                raise
    except Exception as exc:
        with lock:
            errors.append(f"login {getattr(exc, 'code', type(exc).__name__)}")
        return
    i = 0
    while time.monotonic() < deadline:
        i += 1
        title = f"bench {n}-{i} {uuid.uuid4().hex[:8]}"
        content = PDF + f"% {title}\n".encode()
        started = time.monotonic()
        try:
            html = (
                opener.open(urllib.request.Request(f"{BASE}/en/workspace/evidence/new/", headers=HEADERS), timeout=60)
                .read()
                .decode()
            )
            key = re.search(r'name="creation_key" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
            body, ctype = multipart(
                {"csrfmiddlewaretoken": csrf_from(html), "creation_key": key, "title": title, "action": "draft"},
                f"{title}.pdf",
                content,
            )
            request = urllib.request.Request(
                f"{BASE}/en/workspace/evidence/new/", data=body, headers={"Content-Type": ctype, **HEADERS}
            )
            try:
                opener.open(request, timeout=60)
                with lock:
                    errors.append("no redirect (form refused)")
                continue
            except urllib.error.HTTPError as exc:
                if exc.code != 302:
                    with lock:
                        errors.append(f"HTTP {exc.code}")
                    continue
                location = exc.headers.get("Location", "")
            match = re.search(r"/evidence/([0-9a-f-]{36})/", location)
            with lock:
                latencies.append(time.monotonic() - started)
                if match:
                    acked.append((match.group(1), title, hashlib.sha256(content).hexdigest()))
                else:
                    errors.append(f"unexpected redirect {location[:40]}")
        except Exception as exc:
            with lock:
                errors.append(type(exc).__name__)


VERIFY = """
import json, sys, hashlib
from collections import Counter
from django.core.files.storage import default_storage
from monitoring.models import Evidence
import os
acked = json.load(open(os.environ["BENCH_ACKED"]))
by_uuid = {str(e.uuid): e for e in Evidence.objects.filter(organisation__slug="bench").prefetch_related("attachments")}
titles = Counter(Evidence.objects.filter(organisation__slug="bench").values_list("title", flat=True))
lost = [u for u, t, h in acked if u not in by_uuid]
bad = []
for u, t, h in acked:
    e = by_uuid.get(u)
    if e is None:
        continue
    atts = list(e.attachments.all())
    if len(atts) != 1 or atts[0].sha256 != h:
        bad.append(u); continue
    with default_storage.open(atts[0].file.name, "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != h:
            bad.append(u)
dupes = sum(1 for c in titles.values() if c > 1)
print(json.dumps({"acknowledged": len(acked), "in_database": len(by_uuid), "lost": len(lost), "bad_file_or_hash": len(bad), "duplicated": dupes}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    media = tempfile.mkdtemp(prefix="bench-media-")
    print(f"Preparing {DB} with {args.clients} members…", flush=True)
    prepare(args.clients, media)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(args.workers),
            "--threads",
            "2",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env(media),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{BASE}/healthz", timeout=2)
                break
            except Exception:
                time.sleep(0.2)
        acked: list = []
        errors: list = []
        latencies: list = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=client_loop, args=(n, deadline, acked, errors, latencies, lock))
            for n in range(args.clients)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    ack_file = Path(media) / "acked.json"
    ack_file.write_text(json.dumps(acked))
    verify = subprocess.run(
        [PY, "manage.py", "shell", "-c", VERIFY],
        cwd=ROOT,
        env={**env(media), "BENCH_ACKED": str(ack_file)},
        capture_output=True,
        text=True,
    )
    result = (
        json.loads(verify.stdout.strip().splitlines()[-1])
        if verify.returncode == 0
        else {"verify_error": verify.stderr[-500:]}
    )
    lat = sorted(latencies)

    def pct(p: float) -> str:
        return f"{lat[min(len(lat) - 1, int(p * len(lat)))] * 1000:.0f} ms" if lat else "—"

    print(f"\nclients {args.clients}, gunicorn workers {args.workers}, {elapsed:.0f} s")
    print(f"submissions acknowledged   {len(acked)}  ({len(acked) / elapsed:.1f}/s)")
    print(f"errors                     {len(errors)}  { {e: errors.count(e) for e in set(errors)} }")
    print(
        f"latency p50 / p95 / p99    {pct(0.5)} / {pct(0.95)} / {pct(0.99)}"
        + (f"  (mean {statistics.mean(lat) * 1000:.0f} ms)" if lat else "")
    )
    print(f"verification               {result}")
    ok = result.get("lost") == 0 and result.get("bad_file_or_hash") == 0 and result.get("duplicated") == 0
    print("RESULT: " + ("no submission lost or duplicated" if ok else "PROBLEM"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
