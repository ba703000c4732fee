#!/usr/bin/env python3
"""Benchmark of the public portal against gunicorn (one worker, one thread) and PostgreSQL on loopback.

    .venv/bin/python bench/run.py [--evidence 100000] [--seconds 8] [--clients 4] [--reuse] [--write]

Builds a scratch database (observatorio_perf) with `generate_load_data`, serves it with one gunicorn worker,
and prints for each scenario: requests/s, p50/p95/p99 latency, SQL queries per request (counted in-process with
the same code), the worker's peak memory, and throughput as a ratio of a static file served by the same stack
(the ceiling). Also measures the CSV of all evidence, the PDF of the 500-citation report and the page weight of
a first visit. `--write` saves the table to bench/RESULTS.md. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import platform
import re
import statistics
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = 8766
DB = "observatorio_perf"
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "SECRET_KEY": "perf-" + "x" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
    "API_RATE_LIMIT": "100000000/hour",
    "DB_CONN_MAX_AGE": "600",
    "STATIC_ROOT": str(ROOT / "staticfiles"),
}


def run(*args: str) -> str:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True
    ).stdout


def prepare(evidence: int) -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    run("migrate", "-v0")
    run("generate_load_data", "--evidence", str(evidence), "--force")
    run("collectstatic", "--noinput", "-v0")
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", DB, "-qc", "VACUUM ANALYZE"], check=True)


def fetch(path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, float, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    started = time.perf_counter()
    conn.request("GET", path, headers={"X-Forwarded-Proto": "https", **(headers or {})})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, body, elapsed, {k.lower(): v for k, v in response.getheaders()}


def load(path: str, seconds: float, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"X-Forwarded-Proto": "https"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except Exception:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
        conn.close()

    for _ in range(3):
        fetch(path)
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.perf_counter() - begin
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

    return {"rps": len(lat) / total, "p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99), "errors": errors[0]}


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> None:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


QUERY_COUNT = """
import json, sys
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_X_FORWARDED_PROTO="https")
out = {}
for path in json.loads(sys.stdin.read()):
    client.get(path)  # warm
    from django.core.cache import cache
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    out[path] = len(ctx)
print(json.dumps(out))
"""


def query_counts(paths: list[str]) -> dict[str, int]:
    result = subprocess.run(
        [PY, "manage.py", "shell", "-c", QUERY_COUNT],
        cwd=ROOT,
        env={**ENV, "ALLOWED_HOSTS": "testserver,127.0.0.1"},
        input=json.dumps(paths),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def page_weight(path: str) -> tuple[int, int]:
    """Bytes transferred on a first visit with gzip/brotli: HTML plus every stylesheet, script, font and image it loads."""
    enc = {"Accept-Encoding": "br, gzip"}
    _status, body, _t, headers = fetch(path, enc)
    total = len(body)
    html = (gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body).decode(errors="replace")
    assets = set(re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="(/static/[^"]+)"', html))
    for asset in assets:
        _s, data, _t, _h = fetch(asset, enc)
        total += len(data)
        if asset.endswith(".css"):
            css = data
            try:
                css = gzip.decompress(data)
            except OSError:
                pass
            for font in re.findall(rb"url\((/static/[^)]+\.woff2?)\)", css):
                total += len(fetch(font.decode(), enc)[1])
    external = [
        u
        for u in re.findall(
            r'<(?:script|img|iframe)[^>]+src="([^"]+)"|<link[^>]+rel="(?:stylesheet|icon|preload)"[^>]+href="([^"]+)"',
            html,
        )
        for u in u
        if u and not u.startswith("/")
    ]
    return total, len(external)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--evidence", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="Keep the existing observatorio_perf database.")
    parser.add_argument("--write", action="store_true", help="Write bench/RESULTS.md.")
    args = parser.parse_args()
    if not args.reuse:
        print(f"Generating {args.evidence} evidence items…", flush=True)
        t0 = time.perf_counter()
        prepare(args.evidence)
        print(f"  data ready in {time.perf_counter() - t0:.0f} s", flush=True)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "1",
            "--threads",
            "1",
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows = []
    try:
        for _ in range(150):
            try:
                fetch("/healthz")
                break
            except OSError:
                time.sleep(0.2)
        pid = worker_pid(server.pid)
        report_path = "/es/reports/load-report-0/v2/"
        scenarios = [
            ("static file (ceiling)", "/static/img/logo.svg"),
            ("home", "/es/"),
            ("plan", "/es/plans/mx-pna-1325-2021/"),
            ("indicator", "/es/plans/mx-pna-1325-2021/indicators/I13/"),
            ("report version (cached)", report_path),
            ("evidence list", "/es/evidence/"),
            ("search: rare term", "/es/evidence/?q=feminicidios"),
            ("search: common term", "/es/evidence/?q=capacitadas"),
            ("search: very common term", "/es/evidence/?q=mujeres"),
            ("API evidence list", "/api/v1/evidence/"),
            ("API indicators list", "/api/v1/indicators/"),
            ("API report versions", "/api/v1/report-versions/?page_size=10"),
        ]
        counts = query_counts([p for _n, p in scenarios[1:]] + [report_path])
        ceiling = None
        for name, path in scenarios:
            reset_peak(pid)
            result = load(path, args.seconds, args.clients)
            ceiling = ceiling or result["rps"]
            rows.append((name, path, result, counts.get(path, 0), peak_kib(pid)))
            print(f"  {name:28} {result['rps']:8.1f}/s  p95 {result['p95']:7.1f} ms", flush=True)
        # Uncached report page: a fresh worker-side render for every request needs the cache off; measure single requests.
        lat = []
        for n in range(20):
            # The page cache is keyed by host: a new port in the Host header misses it (ALLOWED_HOSTS ignores ports).
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
            started = time.perf_counter()
            conn.request("GET", report_path, headers={"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{20000 + n}"})
            conn.getresponse().read()
            conn.close()
            lat.append((time.perf_counter() - started) * 1000)
        # CSV of all public evidence: generated in the background (timed here by the same code the task runs),
        # then served from storage.
        started = time.perf_counter()
        run("rebuild_published_files", "--force")
        csv_build = time.perf_counter() - started
        reset_peak(pid)
        before = peak_kib(pid)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=300)
        started = time.perf_counter()
        conn.request("GET", "/es/data/evidence.csv", headers={"X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        first = response.read(1)
        ttfb = time.perf_counter() - started
        size = len(first) + len(response.read())
        csv_total = time.perf_counter() - started
        csv_peak = peak_kib(pid)
        conn.close()
        # PDF of the 500-citation report: generated at publication (timed through the same code), then served.
        lookup = "from monitoring.models import ReportVersion as V; print(V.objects.get(report__slug='load-report-0', number=2).pk)"
        version_id = run("shell", "-c", lookup).strip().splitlines()[-1]
        started = time.perf_counter()
        run("rebuild_published_files", "--pdfs", version_id)
        pdf_time = time.perf_counter() - started
        reset_peak(pid)
        started = time.perf_counter()
        status, pdf, _t, _h = fetch("/es/reports/load-report-0/v2/download.pdf")
        pdf_serve = time.perf_counter() - started
        pdf_peak = peak_kib(pid)
        weights = {
            path: page_weight(path)
            for path in ("/es/", "/es/plans/mx-pna-1325-2021/indicators/I13/", report_path, "/es/evidence/")
        }
    finally:
        server.terminate()
        server.wait(timeout=30)

    lines = []
    ceiling = rows[0][2]["rps"]
    lines.append("| scenario | req/s | ratio to static | p50 ms | p95 ms | p99 ms | SQL queries | worker peak MiB |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, _path, r, q, peak in rows:
        lines.append(
            f"| {name} | {r['rps']:.1f} | {r['rps'] / ceiling:.2f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {q if name != 'static file (ceiling)' else '—'} | {peak / 1024:.0f} |"
        )
    lat.sort()
    extra = [
        f"- report version page, uncached (20 single requests that miss the page cache): p50 {statistics.median(lat):.0f} ms, p95 {lat[int(0.95 * len(lat))]:.0f} ms",
        f"- CSV of all public evidence (a stored file): {size / 1e6:.1f} MB, generated in the background in {csv_build:.1f} s (both languages, COPY on PostgreSQL), served: first byte {ttfb * 1000:.0f} ms, whole file {csv_total:.2f} s, worker peak {before / 1024:.0f} → {csv_peak / 1024:.0f} MiB",
        f"- PDF of the 500-citation report: generated at publication in {pdf_time:.1f} s (both languages, in the background), served: HTTP {status}, {len(pdf) / 1e6:.2f} MB in {pdf_serve:.2f} s, worker peak {pdf_peak / 1024:.0f} MiB",
    ]
    for path, (weight, external) in weights.items():
        extra.append(
            f"- first-visit weight of {path}: {weight / 1024:.0f} KiB compressed (HTML, CSS, fonts, images), {external} third-party requests"
        )
    cpu = next(
        (
            l.split(":", 1)[1].strip()
            for l in Path("/proc/cpuinfo").read_text().splitlines()
            if l.startswith("model name")
        ),
        platform.processor(),
    )
    machine = f"{os.cpu_count()} cores ({cpu}), {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, Python {platform.python_version()}, PostgreSQL on loopback, gunicorn 1 worker × 1 thread, {args.clients} concurrent clients × {args.seconds:.0f} s per scenario, {args.evidence} evidence items"
    text = "\n".join(lines + [""] + extra)
    print("\n" + machine + "\n\n" + text)
    if args.write:
        (ROOT / "bench" / "RESULTS.md").write_text(
            "# Benchmark results\n\n"
            f"Measured {time.strftime('%Y-%m-%d')} with `bench/run.py --evidence {args.evidence}` on: {machine}.\n\n"
            "Throughput is also given as a ratio to a static file served by the same stack (WhiteNoise in the same "
            "worker), so that figures mean something on a noisy machine. SQL queries are counted in-process with the "
            "same code (cache cleared).\n\n"
            + text
            + "\n\n"
            + "See the notes below the table in this file's history for the budgets.\n"
        )


if __name__ == "__main__":
    main()
