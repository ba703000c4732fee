"""Service time and query count of public pages through the test client (no page cache), for bench/explain.

    DATABASE_URL=postgres://…/obs_perf_b DEBUG=true .venv/bin/python manage.py shell -c \
        "exec(open('bench/explain/measure.py').read())"

Prints, per path: the first request's time, the median and the worst of the next ten, the time spent in SQL (first, median)
and the number of queries. Wall times swing with the machine's load; the SQL times and the plans do less.
"""

import statistics
import time

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

PATHS = [
    "/es/",
    "/es/plans/mx-pna-1325-2021/",
    "/es/plans/mx-pna-1325-2021/indicators/I13/",
    "/es/plans/mx-pna-1325-2021/indicators/I05/",
    "/es/evidence/",
    "/es/evidence/?page=3",
    "/es/evidence/?q=feminicidios",
    "/es/evidence/?q=capacitadas",
    "/es/evidence/?q=mujeres",
    "/es/evidence/?q=mujeres&page=2",
    "/es/evidence/?state=MX-CHP&indicator=I13",
    "/es/reports/",
    "/api/v1/evidence/",
    "/api/v1/evidence/?q=mujeres",
    "/api/v1/evidence/?q=feminicidios",
]
client = Client(HTTP_ACCEPT_LANGUAGE="es", HTTP_HOST="localhost")
for path in globals().get("EXTRA_PATHS", []) + PATHS:
    times, sql = [], []
    for _ in range(11):
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
    print(
        f"{path:55} first {times[0]:7.1f} ms  median {statistics.median(times[1:]):7.1f} ms"
        f"  max {max(times[1:]):7.1f} ms  SQL first {sql[0]:6.1f} median {statistics.median(sql[1:]):6.1f} ms"
        f"  queries {len(ctx)}"
    )
