"""The production topology on 127.0.0.1, started once per session for tests/deploy:

    client ──TLS──▶ nginx (deploy/nginx.conf) ──▶ gunicorn A ┐
                                              └─▶ gunicorn B ┼─▶ PostgreSQL (database obs_deploy)
                    Celery worker (solo) ◀── Redis db 14 ──┘  ├─▶ Redis db 14 (cache + broker)
                                                             ├─▶ S3 (moto server)
                                                             └─▶ SMTP (aiosmtpd: 451 first, then 250)

Every process runs the production settings (portal.settings, DEBUG off) from the environment built in
``deploy_env``; gunicorn runs deploy/gunicorn.conf.py. The database and Redis number are fixed, so two runs on
one machine take turns (a lock file). Everything is stopped at the end; the database is dropped.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.deploy import stack

# Normally one xdist worker runs every test here (tests/conftest.py groups them), so the stack starts once. Should
# another scheduling split them, each worker gets a stack of its own (its own database and Redis number) rather
# than waiting for the other's; two runs on one machine still take turns per worker (a lock file each).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_INDEX = int(WORKER[2:]) if WORKER[2:].isdigit() else 0
DB_NAME = "obs_deploy" if _INDEX == 0 else f"obs_deploy_gw{_INDEX}"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_DB = 14 - _INDEX  # 14, then 13, 12… for further workers
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
KEY_PREFIX = f"obs1325-deploy-{_INDEX}"
# test_worker_killed.py's own broker (its workers' queue; the cache stays REDIS_URL's): below the stacks' numbers
# and under the same lock.
KILL_BROKER_URL = f"redis://127.0.0.1:6379/{9 - _INDEX}"
BUCKET = "observatorio-deploy-test"
LOCK = Path(tempfile.gettempdir()) / f"obs1325-deploy-tests-{DB_NAME}.lock"
STATIC_CACHE = Path(tempfile.gettempdir()) / "obs1325-deploy-static"
RATE_LIMIT = 5
REPORT_SLUG = "informe-sombra-pna-1325-2021-2022"  # seed_demo's report, published as v1 and v2


@dataclass
class Stack:
    workdir: Path
    env: dict[str, str]
    ports: stack.NginxPorts
    web: list[stack.Proc]
    web_ports: list[int]
    worker: stack.Proc
    nginx: stack.Proc
    cert: Path
    smtp: stack.FlakySMTPHandler
    s3: Any
    redis: Any
    started_in: float
    extra: list[stack.Proc] = field(default_factory=list)

    def client(self, source: str | None = None) -> stack.Client:
        """A client of nginx's https server, connecting from ``source`` (any 127.x address is loopback)."""
        return stack.Client(self.ports.https, tls=stack.tls_context(self.cert), source=source)

    def direct(self, index: int, forwarded_for: str = "127.0.0.9") -> stack.Client:
        """A client of gunicorn process ``index`` itself, sending what nginx would add."""
        return stack.Client(self.web_ports[index], forwarded_for=forwarded_for)

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(DB_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def manage(self, *args: str, timeout: float = 120) -> str:
        return stack.run([str(stack.VENV_BIN / "python"), "manage.py", *args], self.env, timeout=timeout)

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    def access_log(self) -> list[dict[str, Any]]:
        return stack.access_log(self.workdir)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.output(3000)}" for p in [*self.web, self.worker, self.nginx, *self.extra])

    def start_web(self, name: str, port: int, env: dict[str, str]) -> stack.Proc:
        proc = web_process(name, port, env, self.workdir).start()
        self.extra.append(proc)
        wait_ready([proc], [port])
        return proc


def web_process(name: str, port: int, env: dict[str, str], workdir: Path) -> stack.Proc:
    return stack.Proc(
        name,
        [str(stack.VENV_BIN / "gunicorn"), "portal.wsgi", "-c", str(stack.GUNICORN_CONF)],
        {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        workdir / f"{name}.log",
    )


def worker_process(name: str, env: dict[str, str], workdir: Path) -> stack.Proc:
    """A Celery worker as the stack runs it: one process (solo pool), the task in its main process."""
    return stack.Proc(
        name,
        [
            str(stack.VENV_BIN / "celery"), "-A", "portal", "worker", "--pool=solo", "--loglevel=info",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}-{os.getpid()}@%h",
        ],
        env,
        workdir / f"{name}.log",
        stop_timeout=20,
    )  # fmt: skip


def worker_ready(worker: stack.Proc, timeout: float = 60) -> None:
    stack.wait_for(
        worker.ready_when(lambda: " ready." in worker.output(20000)), timeout=timeout, what=f"{worker.name} ready"
    )


def wait_ready(procs: list[stack.Proc], ports: list[int], timeout: float = 60) -> None:
    def healthy() -> bool:
        for proc, port in zip(procs, ports, strict=True):
            proc.check_alive()
            if stack.Client(port).get("/healthz").status != 200:
                return False
        return True

    stack.wait_for(healthy, timeout=timeout, interval=0.25, what=", ".join(p.name for p in procs) + " /healthz")


def base_env() -> dict[str, str]:
    """Only what a process needs from the outside; nothing of this pytest run's own settings leaks in."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
    return {k: os.environ[k] for k in keep if k in os.environ}


def deploy_env(*, workdir: Path, https: int, moto: int, smtp: int, static_root: Path) -> dict[str, str]:
    origin = f"https://127.0.0.1:{https}"
    return {
        **base_env(),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PYTHONUNBUFFERED": "1",
        "DEBUG": "false",
        "SECRET_KEY": "deploy-test-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": origin,
        "SITE_URL": origin,
        "DATABASE_URL": DB_URL,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": KEY_PREFIX,  # its page-cache channel apart from the other tests' (pub/sub ignores db numbers)
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{moto}",
        "S3_REGION": "us-east-1",
        "S3_ADDRESSING_STYLE": "path",
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp),
        "EMAIL_USE_TLS": "false",
        "EMAIL_TIMEOUT": "5",
        "PROXY_COUNT": "1",
        # The demo's source URLs are real government and press pages, out of reach from here: the worker would retry
        # them for an hour. tests/monitoring/test_archiving.py fetches from its own server on 127.0.0.1.
        "ARCHIVE_SOURCES": "false",
        "SECURE_SSL_REDIRECT": "false",
        "TWO_FACTOR_REQUIRED": "false",
        "API_RATE_LIMIT": f"{RATE_LIMIT}/minute",
        "MAIL_RETRY_BASE_SECONDS": "1",
        "BULK_REBUILD_DELAY": "1",
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(workdir / "media"),
        "LOG_FORMAT": "json",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
        # weasyprint's font cache
        "XDG_CACHE_HOME": str(STATIC_CACHE.parent / "obs1325-deploy-xdg-cache"),
    }


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def drop_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


@pytest.fixture(scope="session")
def deploy_stack() -> Iterator[Stack]:
    import boto3
    import redis
    from aiosmtpd.controller import Controller
    from moto.server import ThreadedMotoServer

    began = time.monotonic()
    with stack.exclusive(LOCK):
        workdir = Path(tempfile.mkdtemp(prefix="obs1325-deploy-"))
        started: list[stack.Proc] = []
        moto = smtp_controller = None
        running: Stack | None = None
        try:
            ports = stack.NginxPorts(https=stack.free_port(), http=stack.free_port(), upstreams=[])
            web_ports = [stack.free_port(), stack.free_port()]
            ports.upstreams = [f"127.0.0.1:{p}" for p in web_ports]

            moto_port = stack.free_port()
            moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
            moto.start()
            s3 = boto3.client(
                "s3",
                endpoint_url=f"http://127.0.0.1:{moto_port}",
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            s3.create_bucket(Bucket=BUCKET)

            smtp = stack.FlakySMTPHandler()
            smtp_controller = Controller(smtp, hostname="127.0.0.1", port=stack.free_port())
            smtp_controller.start()

            cache = redis.Redis.from_url(REDIS_URL)
            cache.flushdb()

            static_root = STATIC_CACHE / "pending"
            env = deploy_env(
                workdir=workdir, https=ports.https, moto=moto_port, smtp=smtp_controller.port, static_root=static_root
            )
            # The database and the static files at the same time (collectstatic is the slow one, when not cached).
            fresh_database()
            python = str(stack.VENV_BIN / "python")
            migrate = stack.Proc("migrate", [python, "manage.py", "migrate", "--noinput"], env, workdir / "migrate.log")
            migrate.start()
            static_root = stack.collected_static(env, STATIC_CACHE)
            env["STATIC_ROOT"] = str(static_root)
            stack.wait_for(lambda: migrate.popen and migrate.popen.poll() is not None, timeout=180, what="migrate")
            assert migrate.popen and migrate.popen.returncode == 0, migrate.output()
            stack.run([python, "manage.py", "import_plan", "monitoring/data/mx-pna-1325-2021.yaml"], env)
            # seed_demo refuses DEBUG off without --force (its accounts share a published password): this is a
            # throw-away database. Its publications and mail are enqueued on Redis for the worker below.
            stack.run([python, "manage.py", "seed_demo", "--force"], env)

            web = [
                web_process(name, port, env, workdir) for name, port in zip(("web-a", "web-b"), web_ports, strict=True)
            ]
            worker = worker_process("worker", env, workdir)
            for proc in (*web, worker):
                started.append(proc.start())
            cert, key = stack.self_signed_certificate(workdir)
            nginx = stack.start_nginx(stack.render_nginx(ports, workdir, cert, key), workdir, ports)
            nginx.stop_signal = signal.SIGTERM
            started.append(nginx)
            wait_ready(web, web_ports)
            worker_ready(worker)
            running = Stack(
                workdir=workdir,
                env=env,
                ports=ports,
                web=web,
                web_ports=web_ports,
                worker=worker,
                nginx=nginx,
                cert=cert,
                smtp=smtp,
                s3=s3,
                redis=cache,
                started_in=time.monotonic() - began,
            )
            yield running
        finally:
            if running is not None:
                started.extend(running.extra)
            for proc in reversed(started):
                proc.stop()
            if smtp_controller is not None:
                smtp_controller.stop()
            if moto is not None:
                moto.stop()
            if os.environ.get("OBS_DEPLOY_KEEP") != "1":
                drop_database()
                shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def deployed(deploy_stack: Stack, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """The stack, with every process's log tail attached to a failing test's report."""
    yield deploy_stack
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(deploy_stack.logs())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
