#!/usr/bin/env python3
"""Benchmark of the public portal against gunicorn (one worker, one thread), Redis and PostgreSQL on loopback.

    .venv/bin/python bench/run.py [--evidence 100000] [--seconds 8] [--clients 4] [--reuse] [--write]
    .venv/bin/python bench/run.py --scale [10000,100000,1000000] [--reuse] [--write]
    .venv/bin/python bench/run.py --reuse --page /es/evidence/ [--cold] [--gzip]

Builds a scratch database (observatorio_perf, or observatorio_perf_<N> for each size of --scale) with
`generate_load_data`, then serves it twice in turn with one gunicorn worker and the shared Redis cache
(redis://127.0.0.1:6379/12, flushed before each start): once with the public page cache (PAGE_CACHE=true:
every anonymous page measured with and without gzip, and the share of `X-Page-Cache: hit` responses counted),
once without it (PAGE_CACHE=false, "cold": every request rendered). For each scenario it prints requests/s,
p50/p95/p99 latency, throughput as a ratio of a static file served by the same stack (the ceiling, measured
in slices alternating with each page's, so that a noisy moment weighs on both sides of the ratio), SQL queries
per render and the
worker's peak memory; then three search shapes (rare, ~30 %, ~60 % of items), the stored CSV (build time,
first byte, whole file), the PDF of the 500-citation report and the page weight of a first visit, and a verdict
per budget. `--write` saves the tables to bench/RESULTS.md (above its history) and the raw numbers to
bench/results.json. All traffic stays on 127.0.0.1. See bench/README.md.
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
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
PORT = 8766
DB = "observatorio_perf"
TEMPLATE = "observatorio_perf_template"
REDIS_DB = 12
BASE_ENV = {
    **os.environ,
    "SECRET_KEY": "perf-" + "x" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
    "API_RATE_LIMIT": "100000000/hour",
    "DB_CONN_MAX_AGE": "600",
    "STATIC_ROOT": str(ROOT / "staticfiles"),
    "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
}
# The search terms of generate_load_data (see its docstring): share of all items, and so of public ones.
SEARCH = [
    ("search: rare term (feminicidios, ~0.3 %)", "/es/evidence/?q=feminicidios"),
    ("search: ~30 % term (capacitadas)", "/es/evidence/?q=capacitadas"),
    ("search: ~60 % term (mujeres)", "/es/evidence/?q=mujeres"),
]
STATIC = "/static/img/logo.svg"
PLAN = "/es/plans/mx-pna-1325-2021/"
REPORT = "/es/reports/load-report-0/v2/"
CSV = "/es/data/evidence.csv"
GZIP = {"Accept-Encoding": "gzip"}
LAST_RUN = Path(tempfile.gettempdir()) / "observatorio-bench-last-run.json"  # every finished size, as soon as measured
HISTORY = "<!-- history: the sections below are kept by --write -->"

# Budgets (issue 16).
CACHED_MIN = 0.8
COLD_MIN = 0.02
SEARCH_MIN = 0.01
TAIL_MAX = 3.0
CSV_FIRST_BYTE_MS = 50
CSV_BUILD_S = 30
CSV_BUILD_AT = 100_000
SCALE_LOSS = 1 / 3
WORKER_MIB = 250


def database_env(db: str) -> dict[str, str]:
    if not (db == DB or db.startswith(DB + "_")):
        raise SystemExit(f"refusing to use database {db!r}: only {DB} and {DB}_* are scratch databases")
    return {**BASE_ENV, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}"}


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def psql(db: str, sql: str) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-Atqc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def database_exists(db: str) -> bool:
    return psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"  # noqa: S608 - checked name


def prepare(db: str, evidence: int) -> float:
    """A fresh database with `evidence` items (from a migrated template, so only the data is built). Seconds taken."""
    started = time.perf_counter()
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    if not database_exists(TEMPLATE):
        subprocess.run(["createdb", *pg, TEMPLATE], check=True)
    manage(database_env(TEMPLATE), "migrate", "-v0")  # applies whatever migration is new since the last run
    subprocess.run(["dropdb", *pg, "--if-exists", db], check=True)
    subprocess.run(["createdb", *pg, "-T", TEMPLATE, db], check=True)
    env = database_env(db)
    manage(env, "migrate", "-v0")
    generated = time.perf_counter()
    manage(env, "generate_load_data", "--evidence", str(evidence), "--force")  # ends with VACUUM ANALYZE
    print(f"  generate_load_data --evidence {evidence}: {time.perf_counter() - generated:.0f} s", flush=True)
    manage(env, "collectstatic", "--noinput", "-v0")
    return time.perf_counter() - started


def fetch(path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, float, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    started = time.perf_counter()
    conn.request("GET", path, headers={"X-Forwarded-Proto": "https", **(headers or {})})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, body, elapsed, {k.lower(): v for k, v in response.getheaders()}


class Sample:
    """Requests of one path, accumulated over one or more time-bounded loops."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.cache: dict[str, int] = {}
        self.errors = 0
        self.elapsed = 0.0

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else float("nan")

        count = len(lat)
        return {
            "rps": count / self.elapsed if self.elapsed else float("nan"),
            "requests": count,
            "p50": pct(0.5),
            "p95": pct(0.95),
            "p99": pct(0.99),
            "errors": self.errors,
            "cache": self.cache,
            # None when no response carries the header at all (a page the page cache does not serve, or no cache).
            "hit_share": None if not count or set(self.cache) == {"absent"} else self.cache.get("hit", 0) / count,
        }


def loop(sample: Sample, path: str, seconds: float, clients: int, headers: dict[str, str] | None = None) -> None:
    """`clients` keep-alive connections requesting `path` in a loop for `seconds`, added to `sample`."""
    lock = threading.Lock()
    sent = {"X-Forwarded-Proto": "https", **(headers or {})}

    def worker(deadline: float) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            state = ""
            try:
                conn.request("GET", path, headers=sent)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                state = response.getheader("X-Page-Cache") or "absent"
            except Exception:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    sample.latencies.append(elapsed)
                    sample.cache[state] = sample.cache.get(state, 0) + 1
                else:
                    sample.errors += 1
        conn.close()

    deadline = time.perf_counter() + seconds
    threads = [threading.Thread(target=worker, args=(deadline,)) for _ in range(clients)]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sample.elapsed += time.perf_counter() - begin


def warm(path: str, headers: dict[str, str] | None = None) -> None:
    for _ in range(3):  # warm up (and fill the page cache, in the encoding requested)
        fetch(path, headers)


def worker_pid(master: int) -> int:
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


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


class Server:
    """One gunicorn worker with one thread, the page cache on or off, Redis db 12 flushed before it starts."""

    def __init__(self, env: dict[str, str], page_cache: bool) -> None:
        subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], check=True, capture_output=True)
        self.process = subprocess.Popen(
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
            env={**env, "PAGE_CACHE": "true" if page_cache else "false"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                fetch("/healthz")
                break
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("gunicorn exited") from None
                time.sleep(0.2)
        self.pid = worker_pid(self.process.pid)
        self.peak = 0

    def measure(self, path: str, seconds: float, clients: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """One path for `seconds`."""
        reset_peak(self.pid)
        warm(path, headers)
        sample = Sample()
        loop(sample, path, seconds, clients, headers)
        result = sample.summary()
        result["peak_kib"] = peak_kib(self.pid)
        self.peak = max(self.peak, result["peak_kib"])
        return result

    def pair(
        self, path: str, seconds: float, clients: int, headers: dict[str, str] | None, rounds: int
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The static ceiling and `path` in alternating slices (`rounds` of each), so that a noisy moment weighs on
        both sides of the ratio rather than on one page: (static, page)."""
        reset_peak(self.pid)
        warm(STATIC, headers)
        warm(path, headers)
        static, page = Sample(), Sample()
        for _ in range(rounds):
            loop(static, STATIC, max(0.5, seconds / 2 / rounds), clients, headers)
            loop(page, path, seconds / rounds, clients, headers)
        result = page.summary()
        result["peak_kib"] = peak_kib(self.pid)
        self.peak = max(self.peak, result["peak_kib"])
        return static.summary(), result

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


QUERY_COUNT = """
import json, sys
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_X_FORWARDED_PROTO="https")
out = {}
for path in json.loads(sys.stdin.read()):
    client.get(path)  # warm
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    out[path] = len(ctx)
print(json.dumps(out))
"""


def query_counts(env: dict[str, str], paths: list[str]) -> dict[str, int]:
    """SQL queries of one render of each page (page cache off), counted in-process with the same code."""
    result = subprocess.run(
        [PY, "manage.py", "shell", "-c", QUERY_COUNT],
        cwd=ROOT,
        env={**env, "ALLOWED_HOSTS": "testserver,127.0.0.1", "PAGE_CACHE": "false"},
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


def pages(db: str) -> list[tuple[str, str]]:
    """The anonymous pages measured, with a public evidence item and an institution of this database."""
    item = psql(
        db,
        "SELECT uuid FROM monitoring_evidence WHERE status = 'approved' AND visibility = 'public' ORDER BY id LIMIT 1",
    )
    institution = psql(
        db,
        "SELECT coalesce((SELECT code FROM monitoring_institution WHERE code = 'SRE'),"
        " (SELECT min(code) FROM monitoring_institution))",
    )
    return [
        ("home", "/es/"),
        ("plan", PLAN),
        ("indicator I13", PLAN + "indicators/I13/"),
        (f"institution {institution}", f"/es/institutions/{institution}/"),
        ("report list", "/es/reports/"),
        ("report version", REPORT),
        ("evidence list", "/es/evidence/"),
        ("evidence item", f"/es/evidence/{item}/"),
        ("transparency overview", "/es/transparency/"),
        ("open data", "/es/data/"),
        ("API evidence list", "/api/v1/evidence/"),
    ]


def run_size(db: str, evidence: int, args: argparse.Namespace) -> dict[str, Any]:
    """Both servers over one database: every number of one size."""
    env = database_env(db)
    seconds, clients = args.seconds, args.clients
    scenario_pages = pages(db)
    out: dict[str, Any] = {"evidence": evidence, "db": db, "cached": [], "cold": [], "search": []}
    out["queries"] = query_counts(env, [p for _n, p in scenario_pages] + [p for _n, p in SEARCH])

    def pair(server: Server, name: str, path: str, headers: dict[str, str] | None, run: str) -> dict[str, Any]:
        static, result = server.pair(path, seconds, clients, headers, args.rounds)
        result.update(name=name, path=path, run=run, gzip=bool(headers), ceiling=static["rps"])
        result["ratio"] = result["rps"] / static["rps"] if static["rps"] else float("nan")
        hit = result["hit_share"]
        hits = "n/a" if hit is None else f"{hit:.0%}"
        print(
            f"  [{run}] {name:44} {'gzip' if headers else 'identity':8} {result['rps']:8.1f}/s"
            f"  ratio {result['ratio']:.3f}  p50 {result['p50']:6.1f}  p99 {result['p99']:6.1f} ms  hits {hits}",
            flush=True,
        )
        return result

    # Cached: the real shared cache, each page with and without gzip, the static ceiling alternating with it.
    server = Server(env, page_cache=True)
    try:
        for name, path in scenario_pages:
            for headers in (GZIP, None):
                out["cached"].append(pair(server, name, path, headers, "cached"))
        for name, path in SEARCH:
            out["search"].append(pair(server, name, path, GZIP, "cached"))
        out["weights"] = {
            path: page_weight(path) for path in ("/es/", PLAN + "indicators/I13/", REPORT, "/es/evidence/")
        }
        out["cached_peak_kib"] = server.peak
    finally:
        server.stop()

    # Cold: every request rendered.
    server = Server(env, page_cache=False)
    try:
        for name, path in scenario_pages:
            out["cold"].append(pair(server, name, path, GZIP, "cold"))
        for name, path in SEARCH:
            out["search"].append(pair(server, name, path, GZIP, "cold"))
        # The report version page alone, rendered for every request: 20 single requests (no queueing).
        lat = sorted(fetch(REPORT, GZIP)[2] * 1000 for _ in range(20))
        out["report_single"] = {"p50": statistics.median(lat), "p95": lat[int(0.95 * len(lat))]}
        # The CSV of all public evidence: built by the same code the background task runs, then served from storage.
        build = subprocess.Popen(
            [PY, "manage.py", "rebuild_published_files", "--force"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started = time.perf_counter()
        _pid, status, usage = os.wait4(build.pid, 0)
        csv_build = time.perf_counter() - started
        if status != 0:
            raise RuntimeError(
                "rebuild_published_files failed: " + (build.stderr.read().decode() if build.stderr else "")
            )
        reset_peak(server.pid)
        before = peak_kib(server.pid)
        firsts, wholes, size = [], [], 0
        for _ in range(5):
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=300)
            started = time.perf_counter()
            conn.request("GET", CSV, headers={"X-Forwarded-Proto": "https"})
            response = conn.getresponse()
            first = response.read(1)
            firsts.append((time.perf_counter() - started) * 1000)
            size = len(first) + len(response.read())
            wholes.append(time.perf_counter() - started)
            conn.close()
        out["csv"] = {
            "status": response.status,
            "bytes": size,
            "build_s": csv_build,
            "build_peak_kib": usage.ru_maxrss,
            "first_byte_ms": statistics.median(firsts),
            "whole_s": statistics.median(wholes),
            "worker_before_kib": before,
            "worker_peak_kib": peak_kib(server.pid),
        }
        server.peak = max(server.peak, out["csv"]["worker_peak_kib"])
        # The PDF of the 500-citation report: generated at publication (same code), then served from storage.
        lookup = (
            "from monitoring.models import ReportVersion as V;"
            " print(V.objects.get(report__slug='load-report-0', number=2).pk)"
        )
        version_id = manage(env, "shell", "-c", lookup).strip().splitlines()[-1]
        started = time.perf_counter()
        manage(env, "rebuild_published_files", "--pdfs", version_id)
        pdf_time = time.perf_counter() - started
        reset_peak(server.pid)
        status_code, pdf, pdf_serve, _h = fetch(REPORT + "download.pdf")
        out["pdf"] = {
            "status": status_code,
            "bytes": len(pdf),
            "build_s": pdf_time,
            "serve_s": pdf_serve,
            "worker_peak_kib": peak_kib(server.pid),
        }
        out["cold_peak_kib"] = server.peak
    finally:
        server.stop()
    return out


def ok(flag: bool) -> str:
    return "**PASS**" if flag else "**FAIL**"


def fmt_rows(size: dict[str, Any]) -> list[str]:
    """The scenario table of one size."""
    q = size["queries"]
    lines = [
        "| run | scenario | encoding | req/s | ratio to static | p50 ms | p95 ms | p99 ms | X-Page-Cache hits | SQL queries | worker peak MiB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in size["cached"] + size["cold"] + size["search"]:
        hit = "n/a" if r["hit_share"] is None else f"{r['hit_share']:.0%}"
        lines.append(
            f"| {r['run']} | {r['name']} | {'gzip' if r['gzip'] else 'identity'} | {r['rps']:.1f} | {r['ratio']:.3f} |"
            f" {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {hit} | {q.get(r['path'], '—')} | {r['peak_kib'] / 1024:.0f} |"
        )
    ceilings = [r["ceiling"] for r in size["cached"] + size["cold"] + size["search"]]
    lines.append("")
    lines.append(
        f"Static ceiling ({STATIC}), measured alternately with each row: median {statistics.median(ceilings):.0f} req/s"
        f" (min {min(ceilings):.0f}, max {max(ceilings):.0f})."
    )
    return lines


def fmt_extra(size: dict[str, Any]) -> list[str]:
    c, p = size["csv"], size["pdf"]
    lines = [
        f"- report version page rendered for every request, 20 single requests: p50 {size['report_single']['p50']:.0f} ms,"
        f" p95 {size['report_single']['p95']:.0f} ms",
        f"- CSV of all public evidence (a stored file): HTTP {c['status']}, {c['bytes'] / 1e6:.1f} MB; built by"
        f" `rebuild_published_files --force` in {c['build_s']:.1f} s (peak {c['build_peak_kib'] / 1024:.0f} MiB); served"
        f" (median of 5): first byte {c['first_byte_ms']:.1f} ms, whole file {c['whole_s']:.2f} s, worker peak"
        f" {c['worker_before_kib'] / 1024:.0f} → {c['worker_peak_kib'] / 1024:.0f} MiB",
        f"- PDF of the 500-citation report: generated in {p['build_s']:.1f} s (both languages), served: HTTP"
        f" {p['status']}, {p['bytes'] / 1e6:.2f} MB in {p['serve_s']:.2f} s, worker peak {p['worker_peak_kib'] / 1024:.0f} MiB",
        f"- worker peak memory (VmHWM): cached run {size['cached_peak_kib'] / 1024:.0f} MiB, cold run"
        f" {size['cold_peak_kib'] / 1024:.0f} MiB",
    ]
    for path, (weight, external) in size["weights"].items():
        lines.append(
            f"- first-visit weight of {path}: {weight / 1024:.0f} KiB compressed (HTML, CSS, fonts, images),"
            f" {external} third-party requests"
        )
    return lines


def verdicts(sizes: list[dict[str, Any]]) -> list[tuple[str, str, bool | None]]:
    """(budget, numbers, passed) — passed None when the budget could not be measured in this run."""
    out: list[tuple[str, str, bool | None]] = []
    for size in sizes:
        n = f"{size['evidence']:,}"
        # Pages the page cache does not serve (no X-Page-Cache header, e.g. the API) are listed, not judged, here;
        # when no response carries the header (middleware absent), every page is judged.
        cached = [r for r in size["cached"] if r["hit_share"] is not None] or size["cached"]
        uncached = [r for r in size["cached"] if r not in cached]
        worst = min(cached, key=lambda r: r["ratio"])
        below = ", ".join(
            f"{r['name']} ({'gzip' if r['gzip'] else 'identity'}) {r['ratio']:.2f}"
            for r in cached
            if r["ratio"] < CACHED_MIN
        )
        out.append(
            (
                f"every cached anonymous page ≥ {CACHED_MIN} of the static ceiling, with and without gzip ({n})",
                f"lowest {worst['ratio']:.2f} ({worst['name']}, {'gzip' if worst['gzip'] else 'identity'}); below: "
                + (below or "none")
                + (
                    "; not served by the page cache (no X-Page-Cache header), not judged: "
                    + ", ".join(
                        f"{r['name']} ({'gzip' if r['gzip'] else 'identity'}) {r['ratio']:.3f}" for r in uncached
                    )
                    if uncached
                    else ""
                ),
                not below,
            )
        )
        shares = [r["hit_share"] for r in size["cached"] if r["hit_share"] is not None]
        out.append(
            (
                f"cached run: the measured responses were page-cache hits ({n})",
                "X-Page-Cache header absent (n/a)"
                if not shares
                else f"lowest hit share {min(shares):.1%}; under 99 %: "
                + (
                    ", ".join(
                        f"{r['name']} {r['hit_share']:.0%}"
                        for r in size["cached"]
                        if r["hit_share"] is not None and r["hit_share"] < 0.99
                    )
                    or "none"
                ),
                None if not shares else all(s >= 0.99 for s in shares),
            )
        )
        cold = size["cold"]
        worst = min(cold, key=lambda r: r["ratio"])
        out.append(
            (
                f"every cold page ≥ {COLD_MIN} of the static ceiling ({n})",
                f"lowest {worst['ratio']:.3f} ({worst['name']}); below: "
                + (", ".join(f"{r['name']} {r['ratio']:.3f}" for r in cold if r["ratio"] < COLD_MIN) or "none"),
                all(r["ratio"] >= COLD_MIN for r in cold),
            )
        )
        for r in size["search"]:
            tail = r["p99"] / r["p50"] if r["p50"] else float("inf")
            out.append(
                (
                    f"{r['name']} [{r['run']}] ≥ {SEARCH_MIN} of the ceiling, p99 ≤ {TAIL_MAX:g} × p50 ({n})",
                    f"ratio {r['ratio']:.3f}, p50 {r['p50']:.0f} ms, p99 {r['p99']:.0f} ms ({tail:.1f} × p50)",
                    r["ratio"] >= SEARCH_MIN and tail <= TAIL_MAX,
                )
            )
        c = size["csv"]
        out.append(
            (
                f"CSV first byte ≤ {CSV_FIRST_BYTE_MS} ms ({n})",
                f"{c['first_byte_ms']:.1f} ms (median of 5), whole file {c['whole_s']:.2f} s, {c['bytes'] / 1e6:.1f} MB",
                c["first_byte_ms"] <= CSV_FIRST_BYTE_MS,
            )
        )
        if size["evidence"] == CSV_BUILD_AT:
            out.append(
                (
                    f"CSV generation of {CSV_BUILD_AT:,} items ≤ {CSV_BUILD_S} s",
                    f"{c['build_s']:.1f} s (peak {c['build_peak_kib'] / 1024:.0f} MiB)",
                    c["build_s"] <= CSV_BUILD_S,
                )
            )
        peak = max(size["cached_peak_kib"], size["cold_peak_kib"]) / 1024
        out.append(
            (
                f"worker memory < {WORKER_MIB} MB ({n})",
                f"peak {peak:.0f} MiB (cached {size['cached_peak_kib'] / 1024:.0f}, cold {size['cold_peak_kib'] / 1024:.0f})",
                peak * 1.048576 < WORKER_MIB,
            )
        )
    if not any(s["evidence"] == CSV_BUILD_AT for s in sizes):
        out.append((f"CSV generation of {CSV_BUILD_AT:,} items ≤ {CSV_BUILD_S} s", "not measured at this size", None))
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        before = {
            (r["run"], r["name"], r["gzip"]): r["ratio"] for r in small["cached"] + small["cold"] + small["search"]
        }
        losses = []
        for r in large["cached"] + large["cold"] + large["search"]:
            base = before.get((r["run"], r["name"], r["gzip"]))
            if base:
                losses.append((1 - r["ratio"] / base, r))
        worst_loss, worst_row = max(losses, key=lambda x: x[0])
        out.append(
            (
                f"from {small['evidence']:,} to {large['evidence']:,} items no page loses more than a third of its throughput",
                f"largest loss {worst_loss:.0%} ({worst_row['run']} {worst_row['name']}); over a third: "
                + (
                    ", ".join(f"{r['run']} {r['name']} {loss:.0%}" for loss, r in losses if loss > SCALE_LOSS) or "none"
                ),
                all(loss <= SCALE_LOSS for loss, _r in losses),
            )
        )
    else:
        out.append(("from 10k to 1M items no page loses more than a third of its throughput", "run `--scale`", None))
    return out


def fmt_verdicts(rows: list[tuple[str, str, bool | None]]) -> list[str]:
    lines = ["| budget | measured | verdict |", "|---|---|---|"]
    for budget, numbers, passed in rows:
        lines.append(f"| {budget} | {numbers} | {'n/a' if passed is None else ok(passed)} |")
    return lines


def fmt_scale(sizes: list[dict[str, Any]]) -> list[str]:
    """Each page's ratio to the static ceiling and p99 at each size, and the worker's peak memory."""
    heads = [f"{s['evidence']:,}" for s in sizes]
    lines = [
        "| run | scenario | encoding | "
        + " | ".join(f"ratio {h}" for h in heads)
        + " | "
        + " | ".join(f"p99 ms {h}" for h in heads)
        + " |",
        "|---|---|---|" + "---:|" * (2 * len(sizes)),
    ]
    keyed = [{(r["run"], r["name"], r["gzip"]): r for r in s["cached"] + s["cold"] + s["search"]} for s in sizes]
    for key in keyed[0]:
        rows = [k.get(key) for k in keyed]
        lines.append(
            f"| {key[0]} | {key[1]} | {'gzip' if key[2] else 'identity'} | "
            + " | ".join("—" if r is None else f"{r['ratio']:.3f}" for r in rows)
            + " | "
            + " | ".join("—" if r is None else f"{r['p99']:.0f}" for r in rows)
            + " |"
        )
    lines.append(
        "| worker | peak memory MiB | | "
        + " | ".join(f"{max(s['cached_peak_kib'], s['cold_peak_kib']) / 1024:.0f}" for s in sizes)
        + " |"
        + " |" * len(sizes)
    )
    return lines


def machine(args: argparse.Namespace) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    ram = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    return (
        f"{os.cpu_count()} cores ({cpu}), {ram} GiB, Python {platform.python_version()}, PostgreSQL and Redis on"
        f" loopback, gunicorn 1 worker × 1 thread, {args.clients} concurrent clients × {args.seconds:g} s per"
        f" scenario, in {args.rounds} slices alternating with {args.rounds} slices of the static ceiling"
        f" ({args.seconds / 2:g} s in all)"
    )


def single_page(args: argparse.Namespace) -> None:
    """--page: the static ceiling and one page, on the existing database (one server)."""
    env = database_env(args.db or DB)
    server = Server(env, page_cache=not args.cold)
    headers = GZIP if args.gzip else None
    try:
        for _ in range(3):
            static, page = server.pair(args.page, args.seconds, args.clients, headers, args.rounds)
            hit = "n/a" if page["hit_share"] is None else f"{page['hit_share']:.0%}"
            print(
                f"static {static['rps']:.0f}/s  {args.page}: {page['rps']:.1f}/s ratio {page['rps'] / static['rps']:.3f}"
                f"  p50 {page['p50']:.1f} p95 {page['p95']:.1f} p99 {page['p99']:.1f} ms  hits {hit}"
                f"  X-Page-Cache {page['cache']}  worker peak {page['peak_kib'] / 1024:.0f} MiB",
                flush=True,
            )
    finally:
        server.stop()


def write_results(text: str, sizes: list[dict[str, Any]], command: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    history = ""
    if path.exists():  # everything below the marker (or the first "## Budgets" section) is kept as it is
        old = path.read_text()
        at = old.find(HISTORY)
        at = at + len(HISTORY) if at >= 0 else old.find("\n## Budgets")
        history = old[at:].lstrip("\n") if at >= 0 else ""
    path.write_text(
        "# Benchmark results\n\n"
        f"Measured {time.strftime('%Y-%m-%d')} with `{command}`. How to read this: bench/README.md.\n\n"
        + text
        + "\n\n"
        + HISTORY
        + "\n\n"
        + history
    )
    (ROOT / "bench" / "results.json").write_text(json.dumps(sizes, indent=1, default=str) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--evidence", type=int, default=100_000)
    parser.add_argument(
        "--scale",
        nargs="?",
        const="10000,100000,1000000",
        help="Run the whole benchmark at each of these sizes (default 10000,100000,1000000), one database each.",
    )
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="Keep the existing database(s) when there.")
    parser.add_argument("--write", action="store_true", help="Write bench/RESULTS.md and bench/results.json.")
    parser.add_argument("--db", help=f"Database for a single size (default {DB}; only {DB}_* allowed).")
    parser.add_argument("--page", help="Measure only this path against the static ceiling (with --reuse data).")
    parser.add_argument("--cold", action="store_true", help="With --page: PAGE_CACHE=false.")
    parser.add_argument("--gzip", action="store_true", help="With --page: send Accept-Encoding: gzip.")
    parser.add_argument(
        "--rounds", type=int, default=4, help="Alternating static/page slices per measurement (default 4)."
    )
    parser.add_argument(
        "--render", metavar="JSON", help=f"Print (and with --write, write) the tables of a saved run ({LAST_RUN})."
    )
    args = parser.parse_args()
    if args.render:
        saved = json.loads(Path(args.render).read_text())
        args.seconds, args.clients = saved["args"]["seconds"], saved["args"]["clients"]
        report(saved["sizes"], args, saved.get("elapsed", 0), "bench/run.py " + " ".join(saved["argv"]))
        return
    if args.page:
        single_page(args)
        return
    counts = [int(n) for n in args.scale.split(",")] if args.scale else [args.evidence]
    sizes = []
    started = time.perf_counter()
    for n in counts:
        db = f"{DB}_{n}" if args.scale else (args.db or DB)
        database_env(db)
        if args.reuse and database_exists(db):
            print(f"Reusing {db}.", flush=True)
        else:
            print(f"Generating {n} evidence items in {db}…", flush=True)
            print(f"  data ready in {prepare(db, n):.0f} s", flush=True)
        sizes.append(run_size(db, n, args))
        saved = {"argv": sys.argv[1:], "args": vars(args), "sizes": sizes, "elapsed": time.perf_counter() - started}
        LAST_RUN.write_text(json.dumps(saved, default=str))
    report(sizes, args, time.perf_counter() - started, "bench/run.py " + " ".join(sys.argv[1:]))


def report(sizes: list[dict[str, Any]], args: argparse.Namespace, elapsed: float, command: str) -> None:
    blocks = [machine(args) + ".", ""]
    for size in sizes:
        blocks += [f"## {size['evidence']:,} evidence items", "", *fmt_rows(size), "", *fmt_extra(size), ""]
    if len(sizes) > 1:
        blocks += ["## Scale: ratio to the static ceiling and p99 at each size", "", *fmt_scale(sizes), ""]
    blocks += ["## Verdict (issue 16 budgets)", "", *fmt_verdicts(verdicts(sizes)), ""]
    if elapsed:
        blocks += [f"Whole run: {elapsed / 60:.0f} min."]
    text = "\n".join(blocks)
    print("\n" + text)
    if args.write:
        write_results(text, sizes, command)


if __name__ == "__main__":
    main()
