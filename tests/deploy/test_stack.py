"""What an operator observes of the whole stack: nginx → two gunicorn processes → PostgreSQL, Redis, S3, SMTP,
with a Celery worker (tests/deploy/conftest.py starts it). Every wait is a bounded poll."""

from __future__ import annotations

import pickle
import re
import time
import uuid

import pytest

from tests.deploy import stack
from tests.deploy.conftest import BUCKET, KEY_PREFIX, RATE_LIMIT, REPORT_SLUG

pytestmark = [pytest.mark.deploy, pytest.mark.postgres, pytest.mark.xdist_group("deploy")]

DEMO_PASSWORD = "demo-password-1325"
LOGIN = "/es/accounts/login/"


def log_in(client: stack.Client, email: str, password: str = DEMO_PASSWORD) -> stack.Response:
    return client.post_form(LOGIN, {"username": email, "password": password})


def test_the_stack_is_up_behind_nginx(deployed):
    response = deployed.client().get("/healthz")
    assert response.status == 200
    # nginx writes its log line once the request is finished, which may be just after the client has the answer.
    logged = stack.wait_for(
        lambda: [line for line in deployed.access_log() if line["path"] == "/healthz"], timeout=10, what="log line"
    )
    assert logged[-1]["status"] == 200 and logged[-1]["upstream"] in {f"127.0.0.1:{p}" for p in deployed.web_ports}
    print(f"stack started in {deployed.started_in:.1f} s")


# ----------------------------------------------------------------------------------------- a. client address


def test_the_portal_records_the_readers_address_not_nginxs(deployed):
    email = f"deploy-a-{uuid.uuid4().hex[:8]}@example.org"
    response = log_in(deployed.client(source="127.0.0.2"), email, "not-the-password")
    assert response.status == 200  # the form again, with an error
    rows = deployed.sql("SELECT host(ip_address) FROM axes_accessattempt WHERE username = %s", (email,))
    assert rows == [("127.0.0.2",)], f"django-axes recorded {rows} (nginx connects from 127.0.0.1)"


def test_failed_logins_through_nginx_lock_the_address_and_the_account(deployed):
    limit = 5  # LOGIN_FAILURE_LIMIT's default
    attacker = deployed.client(source="127.0.0.15")
    statuses = [log_in(attacker, f"deploy-lock-{n}@example.org", "wrong-password").status for n in range(limit)]
    assert statuses == [200] * (limit - 1) + [429], "locked by address after five failures"
    # One account attacked from many addresses is locked too (LOGIN_ACCOUNT_LIMIT's default: ten tries an hour,
    # whatever the addresses); other readers are not.
    target = "miembro@jtmx.demo"
    for n in range(10):
        log_in(deployed.client(source=f"127.0.1.{n + 1}"), target, "wrong-password")
    assert log_in(deployed.client(source="127.0.2.1"), target).status == 429
    assert log_in(deployed.client(source="127.0.2.2"), "miembro@datacivica.demo").status == 302


def test_an_address_the_client_sends_itself_is_not_believed(deployed):
    email = f"deploy-a2-{uuid.uuid4().hex[:8]}@example.org"
    client = deployed.client(source="127.0.0.5")
    page = client.get(LOGIN)
    client.request(
        "POST",
        LOGIN,
        body=f"csrfmiddlewaretoken={stack.csrf_token(page.text)}&username={email}&password=wrong-password".encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": client.origin,
            "Referer": client.origin + LOGIN,
            "X-Forwarded-For": "203.0.113.77",
        },
    )
    rows = deployed.sql("SELECT host(ip_address) FROM axes_accessattempt WHERE username = %s", (email,))
    assert rows == [("127.0.0.5",)], f"django-axes recorded {rows} for a client claiming to be 203.0.113.77"


# ------------------------------------------------------------------------------------------ b. shared throttle

API = "/api/v1/institutions/"


def test_the_api_limit_is_shared_by_both_processes(deployed):
    client = deployed.client(source="127.0.0.3")
    before = len(deployed.access_log())
    statuses = [client.get(API).status for _ in range(2 * RATE_LIMIT)]
    assert statuses == [200] * RATE_LIMIT + [429] * RATE_LIMIT
    both = {f"127.0.0.1:{port}" for port in deployed.web_ports}

    def served_ok() -> set[str]:
        lines = [line for line in deployed.access_log()[before:] if line["path"] == API and line["status"] == 200]
        return {line["upstream"] for line in lines} if len(lines) == RATE_LIMIT else set()

    assert stack.wait_for(served_ok, timeout=10, what="nginx's log lines") == both, "both processes answered"


def test_the_api_limit_alternating_straight_to_each_process(deployed):
    # The same reader, as nginx would forward her, sent to A, B, A, B…: five in total, not five each.
    clients = [deployed.direct(0, forwarded_for="127.0.0.6"), deployed.direct(1, forwarded_for="127.0.0.6")]
    statuses = [clients[i % 2].get(API).status for i in range(2 * RATE_LIMIT)]
    assert statuses == [200] * RATE_LIMIT + [429] * RATE_LIMIT


def test_a_client_cannot_escape_the_limit_with_its_own_forwarded_for(deployed):
    client = deployed.client(source="127.0.0.4")
    statuses = [client.get(API, headers={"X-Forwarded-For": f"198.51.100.{n}"}).status for n in range(2 * RATE_LIMIT)]
    assert statuses == [200] * RATE_LIMIT + [429] * RATE_LIMIT


# ---------------------------------------------------------------------------------------- c. shared page cache


PAGES = f"{KEY_PREFIX}:1:pc:page:*"


def test_a_page_cached_by_one_process_is_served_by_the_other(deployed):
    path = f"/en/reports/{REPORT_SLUG}/v1/"
    for key in deployed.redis.keys(PAGES):
        deployed.redis.delete(key)

    a = deployed.direct(0).get(path)
    assert a.status == 200 and a.header("X-Page-Cache") == "miss"
    keys = sorted(deployed.redis.keys(PAGES))
    assert [k.decode().rsplit(":", 1)[1] for k in keys] == ["gz", "id"], f"process A left {keys} in Redis"
    plain = next(k for k in keys if k.endswith(b":id"))
    vector, headers, tag, body = pickle.loads(deployed.redis.get(plain))  # noqa: S301 - our own Redis
    assert body == a.body and tag == a.header("ETag")

    # Process B answers from that entry, not from its own rendering: mark the entry and B serves the mark.
    marked = body.replace(b"</body>", b"<!-- from the shared cache --></body>")
    deployed.redis.set(plain, pickle.dumps((vector, headers, tag, marked)), keepttl=True)
    b = deployed.direct(1).get(path)
    assert b.status == 200 and b.header("X-Page-Cache") == "hit"
    assert b.body == marked


APPROVE = """
from monitoring.models import Indicator, Plan
from monitoring.services.evidence import create_evidence
from monitoring.services.moderation import approve_evidence
from portal.models import Membership, User
import datetime as dt
member = Membership.objects.filter(user__email="miembro@intersecta.demo").select_related("organisation").first()
plan = Plan.objects.get(slug="mx-pna-1325-2021")
item = create_evidence(
    organisation=member.organisation, actor=member.user, submit=True, files=[],
    fields={"plan": plan, "indicators": [Indicator.objects.get(plan=plan, code="I05")], "kind": "news_report",
            "title": "%(title)s", "summary": "Publicada en el despliegue.", "source_url": "https://example.org/n",
            "source_date": dt.date(2024, 5, 1), "period_start": dt.date(2024, 1, 1), "language": "es",
            "visibility": "public"},
)
approve_evidence(evidence=item, actor=User.objects.get(email="moderadora@observatorio1325.demo"))
print("UUID", item.uuid)
"""


def test_an_approval_changes_the_pages_of_both_processes_at_once(deployed):
    title = f"Nota aprobada {uuid.uuid4().hex[:8]}"
    pages = ["/es/evidence/", "/es/plans/mx-pna-1325-2021/indicators/I05/"]
    untouched = "/es/plans/mx-pna-1325-2021/indicators/I13/"
    for index in (0, 1):
        for path in [*pages, untouched]:
            deployed.direct(index).get(path)
            assert deployed.direct(index).get(path).header("X-Page-Cache") == "hit", (index, path)

    # The service runs in another process (a management shell): the bump reaches both web processes through Redis.
    output = deployed.shell(APPROVE % {"title": title})
    item = re.search(r"UUID (\S+)", output)
    assert item, output
    for index in (0, 1):
        for path in pages:
            response = deployed.direct(index).get(path)
            assert response.status == 200 and title in response.text, (index, path)
        assert deployed.direct(index).get(untouched).header("X-Page-Cache") == "hit", index
    assert title in deployed.client().get(f"/es/evidence/{item.group(1)}/").text


def test_a_logged_in_reader_is_never_served_a_stored_page(deployed):
    deployed.client().get("/es/")
    anonymous = deployed.client().get("/es/")
    assert anonymous.header("X-Page-Cache") == "hit"
    client = deployed.client(source="127.0.0.8")
    assert log_in(client, "miembro@intersecta.demo").status == 302
    page = client.get("/es/")
    assert page.header("X-Page-Cache") == "bypass" and "/es/accounts/logout/" in page.text
    assert "no-store" in (page.header("Cache-Control") or "")


# -------------------------------------------------------------------------------------------------- d. mail


def test_mail_sent_from_a_request_is_delivered_once_after_a_refusal(deployed):
    address = "miembro@intersecta.demo"
    earlier = {d.key for d in deployed.smtp.attempts_to(address)}  # seed_demo's mail, retried in the meantime
    response = deployed.client(source="127.0.0.7").post_form("/es/accounts/password/reset/", {"email": address})
    assert response.status == 302, response.text[:500]

    def delivered():
        attempts = [d for d in deployed.smtp.attempts_to(address) if d.key not in earlier]
        return attempts if any(a.accepted for a in attempts) else None

    attempts = stack.wait_for(delivered, timeout=60, interval=0.25, what="the reset mail accepted by SMTP")
    assert [a.accepted for a in attempts] == [False, True], "refused once (451), accepted once"
    assert attempts[0].key == attempts[1].key
    assert "/accounts/password/reset/" in attempts[1].message.get_body().get_content()
    # …and the outbox says so, so no further attempt will come.
    rows = deployed.sql(
        'SELECT status, attempts FROM portal_outgoingmail WHERE "to" = %s ORDER BY id DESC LIMIT 1', (address,)
    )
    assert rows == [("sent", 2)]


# -------------------------------------------------------------------------------------- e. files in the bucket


def _objects(deployed) -> dict[str, object]:
    answer = deployed.s3.list_objects_v2(Bucket=BUCKET)
    return {item["Key"]: item["LastModified"] for item in answer.get("Contents", [])}


def test_a_publication_through_the_web_puts_its_pdfs_and_the_csvs_in_the_bucket(deployed):
    # A correction of seed_demo's report (v2 → v3): one reviewer changes an assessment (through the service) and
    # asks for publication, the other approves it; both through nginx.
    uuid_ = (
        deployed.shell(
            "from monitoring.models import Report, Assessment\n"
            "from monitoring.services.reports import save_assessment\n"
            "from portal.models import User\n"
            f"report = Report.objects.get(slug='{REPORT_SLUG}')\n"
            "a = Assessment.objects.get(report=report, indicator__code='I13')\n"
            "save_assessment(assessment=a, actor=User.objects.get(email='revisora@datacivica.demo'),"
            " fields={'narrative': a.narrative + ' (deploy test)'}, cited=list(a.cited_evidence.all()),"
            " expected_version=a.version)\n"
            "print(report.uuid)\n"
        )
        .strip()
        .splitlines()[-1]
    )  # the last line: shell may print what it imported first
    started = time.time()

    requester = deployed.client(source="127.0.0.8")
    assert log_in(requester, "revisora@datacivica.demo").status == 302
    edit = f"/es/workspace/reports/{uuid_}/"
    asked = requester.post_form(
        f"{edit}publication/request/", {"change_note": "Prueba de despliegue: nota de cambio."}, csrf_from=edit
    )
    assert asked.status == 302, asked.text[:800]

    approver = deployed.client(source="127.0.0.9")
    assert log_in(approver, "revisora@intersecta.demo").status == 302
    approved = approver.post_form(f"{edit}publication/approve/", {}, csrf_from=edit)
    assert approved.status == 302, approved.text[:800]
    assert deployed.sql(
        "SELECT max(v.number) FROM monitoring_reportversion v JOIN monitoring_report r ON r.id = v.report_id"
        " WHERE r.slug = %s",
        (REPORT_SLUG,),
    ) == [(3,)]

    wanted = {f"reports/{REPORT_SLUG}/v3-es.pdf", f"reports/{REPORT_SLUG}/v3-en.pdf"}
    csvs = {f"data/observatorio1325-assessments-{lang}.csv" for lang in ("es", "en")}

    def generated():
        objects = _objects(deployed)
        fresh_csvs = {k for k in csvs if k in objects and objects[k].timestamp() >= started - 1}
        return objects if wanted <= objects.keys() and fresh_csvs == csvs else None

    objects = stack.wait_for(generated, timeout=90, interval=0.5, what="v3's PDFs and fresh CSVs in the bucket")
    pdf = deployed.s3.get_object(Bucket=BUCKET, Key=f"reports/{REPORT_SLUG}/v3-es.pdf")["Body"].read()
    assert pdf.startswith(b"%PDF")
    assert {f"data/observatorio1325-evidence-{lang}.csv" for lang in ("es", "en")} <= objects.keys()

    download = deployed.client().get(f"/es/reports/{REPORT_SLUG}/v3/download.pdf")
    assert download.status == 200
    assert download.body == pdf


# ---------------------------------------------------------------------------------------------- f. body limit


def test_too_large_bodies_get_413_from_nginx_and_from_the_portal(deployed, settings):
    limit = settings.MAX_REQUEST_SIZE

    def post_headers_only(client: stack.Client, host: str) -> tuple[int, str | None, bytes]:
        conn = client.connection()
        try:
            conn.putrequest("POST", LOGIN, skip_host=True)
            conn.putheader("Host", host)
            conn.putheader("X-Forwarded-Proto", "https")
            conn.putheader("Content-Type", "application/x-www-form-urlencoded")
            conn.putheader("Content-Length", str(limit + 1))
            conn.putheader("Connection", "close")
            conn.endheaders()  # the body is never sent: the refusal comes from the headers
            response = conn.getresponse()
            return response.status, response.getheader("Server"), response.read()
        finally:
            conn.close()

    before = len(deployed.access_log())
    status, server, _body = post_headers_only(deployed.client(), "127.0.0.1")
    assert (status, server) == (413, "nginx")
    refused = stack.wait_for(
        lambda: [line for line in deployed.access_log()[before:] if line["status"] == 413],
        timeout=10,
        what="nginx's log line of the 413",
    )
    assert refused[-1]["upstream"] == "", "nginx refused it without asking gunicorn"

    # Behind nginx the portal keeps its own limit (a looser proxy, or a request that reaches gunicorn directly).
    status, server, body = post_headers_only(deployed.direct(0), "127.0.0.1")
    assert status == 413
    assert server != "nginx"
    assert b"too large" in body.lower() or b"grande" in body.lower()


# --------------------------------------------------------------------------------------- g. revalidation (304)


def test_a_published_version_revalidates_with_304(deployed):
    client = deployed.client(source="127.0.0.10")
    path = f"/es/reports/{REPORT_SLUG}/v1/"
    first = client.get(path)
    assert first.status == 200
    tag = first.header("ETag")
    assert tag, f"no ETag on {path} (Cache-Control: {first.header('Cache-Control')})"
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status == 304
    assert again.body == b""


def test_version_downloads_are_served_from_nginxs_cache(deployed):
    # Downloads of a version never change (Cache-Control: public, max-age=…, immutable): the second reader gets
    # nginx's copy, and a reader with a session never does.
    path = f"/en/reports/{REPORT_SLUG}/v1/download.json"
    client = deployed.client(source="127.0.0.11")
    first = client.get(path)
    assert first.status == 200
    assert "immutable" in (first.header("Cache-Control") or "")
    second = client.get(path)
    assert second.header("X-Cache-Status") == "HIT"
    assert second.body == first.body
    reviewer = deployed.client(source="127.0.0.12")
    assert log_in(reviewer, "revisora@jtmx.demo").status == 302
    assert reviewer.get(path).header("X-Cache-Status") == "BYPASS"


# ---------------------------------------------------------------------------------------------------- logs


def test_gunicorns_access_log_has_no_tokens_or_queries(deployed):
    web = deployed.direct(0, forwarded_for="127.0.0.13")
    web.get("/es/accounts/invitation/Qm9vZ3VzVG9rZW4xMjM0/")
    web.get("/es/evidence/?q=Mar%C3%ADa+L%C3%B3pez")

    def logged():
        text = deployed.web[0].output(200_000)
        return text if "/es/accounts/invitation/[token]/" in text and '"/es/evidence/?…"' in text else None

    text = stack.wait_for(logged, timeout=10, what="gunicorn access lines")
    assert "Qm9vZ3VzVG9rZW4xMjM0" not in text
    assert "L%C3%B3pez" not in text and "María" not in text
    assert "127.0.0.13" not in text


# --------------------------------------------------------------------------------------------------- faults


def test_public_pages_render_while_redis_is_down(deployed):
    closed = stack.free_port()  # nothing listens there
    env = {**deployed.env, "REDIS_URL": f"redis://127.0.0.1:{closed}/0"}
    port = stack.free_port()
    deployed.start_web("web-no-redis", port, env)
    client = stack.Client(port, forwarded_for="127.0.0.14")
    for path in ("/es/", f"/es/reports/{REPORT_SLUG}/v2/", "/es/plans/mx-pna-1325-2021/", API):
        began = time.monotonic()
        response = client.get(path)
        assert response.status == 200, (path, response.status, response.text[:300])
        assert time.monotonic() - began < 10, f"{path} waited for Redis"
        assert re.search(rb"<html|^\{|^\[", response.body[:200].lstrip()), path
