"""A Celery worker killed (SIGKILL) in the middle of sending a mail: the task runs again, the mail is sent once.

The promise is portal/settings.py's: tasks are acknowledged late (CELERY_TASK_ACKS_LATE), so a message whose
worker died unacknowledged goes back to the queue once Redis's visibility timeout (CELERY_VISIBILITY_TIMEOUT) has
passed; and portal/mail.py's: the outbox row is locked (``select_for_update(skip_locked=True)``) and only written
after the SMTP server accepted the message, in one transaction.

The session's worker and SMTP server are left alone: this test runs its own pair of workers on its own Redis
number (KILL_BROKER_URL; the same PostgreSQL database and cache as the stack) with a visibility timeout of a few
seconds, sending to an SMTP server of its own that holds the message in DATA until the first worker is dead.

With ``--pool=solo`` the task runs in the worker's main process, so SIGKILL takes the whole worker:
CELERY_TASK_REJECT_ON_WORKER_LOST (a prefork child dying under a living parent) plays no part; the redelivery is
Redis's. With production's visibility timeout (an hour) that redelivery comes late; sooner, the outbox sweep
(celery beat, every minute) enqueues the pending row again, and whichever runs second finds it sent.
"""

from __future__ import annotations

import os
import re
import signal
import time
import uuid

import pytest

from tests.deploy import stack
from tests.deploy.conftest import KILL_BROKER_URL, worker_process, worker_ready

pytestmark = [pytest.mark.deploy, pytest.mark.postgres, pytest.mark.xdist_group("deploy")]

VISIBILITY = 3  # seconds: CELERY_VISIBILITY_TIMEOUT for these workers (production: an hour)


def test_a_worker_killed_while_sending_leaves_the_mail_to_the_next_worker_which_sends_it_once(deployed):
    import redis
    from aiosmtpd.controller import Controller

    address = "worker-killed@example.org"
    subject = f"Deploy test: worker killed {uuid.uuid4().hex[:8]}"
    smtp = stack.HoldingSMTPHandler(subject, hold_timeout=30)
    controller = Controller(smtp, hostname="127.0.0.1", port=stack.free_port())
    controller.start()
    broker = redis.Redis.from_url(KILL_BROKER_URL)
    broker.flushdb()
    env = {
        **deployed.env,
        "CELERY_BROKER_URL": KILL_BROKER_URL,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
        "EMAIL_PORT": str(controller.port),
        # The held conversation must outlast the kill: with the stack's 5 s a slow machine could see smtplib give
        # up first (a recorded failure, not a killed worker). The lock check below proves it had not.
        "EMAIL_TIMEOUT": "30",
    }
    first = worker_process("worker-killed", env, deployed.workdir)
    second = worker_process("worker-after", env, deployed.workdir)
    deployed.extra += [first, second]  # their logs in a failing test's report
    try:
        first.start()
        # Enqueued as the portal does it (the outbox row, then the task on commit) while the worker starts.
        code = (
            "from django.db import transaction\n"
            "from portal.mail import queue_message\n"
            "with transaction.atomic():\n"
            f"    mail = queue_message(to={address!r}, subject={subject!r}, body='Enviado una vez.')\n"
            "print(mail.pk)\n"
        )
        pk = int(stack.run([str(stack.VENV_BIN / "python"), "manage.py", "shell", "-c", code], env).split()[-1])
        worker_ready(first)
        stack.wait_for(first.ready_when(smtp.held.is_set), timeout=30, what="the first worker's mail held in DATA")

        # Who is inside the SMTP conversation: with --pool=solo the worker's main process (no pool children).
        assert smtp.held_peer is not None
        assert first.popen is not None
        group = stack.process_group(first.popen.pid)
        assert group == [first.popen.pid], f"solo pool: one process, found {group}"
        assert stack.socket_holders(smtp.held_peer[1], group) == [first.popen.pid]
        # …still inside deliver()'s transaction, holding the outbox row: its PostgreSQL backend is idle in a
        # transaction with a row lock on the table, and the row cannot be locked by anyone else.
        backends = deployed.sql(
            "SELECT DISTINCT a.pid, a.client_port FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
            " WHERE a.state = 'idle in transaction' AND l.mode = 'RowShareLock'"
            " AND l.relation = 'portal_outgoingmail'::regclass"
        )
        mine = [pid for pid, port in backends if stack.socket_holders(port, group)]
        assert len(mine) == 1, f"the worker's backend among {backends}"
        row_lock = "SELECT id FROM portal_outgoingmail WHERE id = %s FOR UPDATE SKIP LOCKED"
        assert deployed.sql(row_lock, (pk,)) == []
        assert broker.hlen("unacked") == 1 and broker.llen("celery") == 0, "delivered to the worker, not acked"
        (task_id,) = re.findall(r"deliver_mail\[([0-9a-f-]{36})\] received", first.output(200_000))

        os.killpg(first.popen.pid, signal.SIGKILL)
        assert first.popen.wait(10) == -signal.SIGKILL
        # The SMTP server saw the client go while waiting for its answer: it never sent 250 to the dead worker.
        stack.wait_for(smtp.dropped.is_set, timeout=10, what="the held SMTP connection dropped")
        smtp.release.set()
        # PostgreSQL ends the dead connection's backend, rolling back its transaction and releasing the row lock.
        stack.wait_for(
            lambda: not deployed.sql("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (mine[0],)),
            timeout=10,
            what="the killed worker's backend gone",
        )
        assert deployed.sql(row_lock, (pk,)) == [(pk,)]
        assert deployed.sql("SELECT status, attempts FROM portal_outgoingmail WHERE id = %s", (pk,)) == [("pending", 0)]

        # Redis gives the message back once it is older than the visibility timeout. kombu looks for such messages
        # when a worker starts polling, and then only every 100 s (unacked_restore_interval × throttle, its
        # defaults): the fresh worker is started once the message is due, so its first look finds it.
        indexed = broker.zrange("unacked_index", 0, -1, withscores=True)  # [(delivery tag, when it was delivered)]
        assert len(indexed) == 1
        delivered_at = float(indexed[0][1])
        stack.wait_for(
            lambda: time.time() - delivered_at > VISIBILITY, timeout=VISIBILITY + 5, what="the visibility timeout"
        )
        second.start()

        def sent() -> bool:
            rows = deployed.sql("SELECT status FROM portal_outgoingmail WHERE id = %s", (pk,))
            return rows == [("sent",)] and any(d.accepted for d in smtp.attempts_to(address))

        stack.wait_for(second.ready_when(sent), timeout=60, interval=0.25, what="the mail sent by the fresh worker")
        # The same task message ran again (not a new one from the outbox sweep, which no beat runs here)…
        assert re.findall(r"deliver_mail\[([0-9a-f-]{36})\] received", second.output(200_000)) == [task_id]
        # …and was acknowledged: nothing is left to run it a third time (which would find the row sent anyway).
        stack.wait_for(
            lambda: broker.hlen("unacked") == 0 and broker.llen("celery") == 0,
            timeout=10,
            what="the redelivered task acknowledged",
        )

        attempts = smtp.attempts_to(address)
        assert [a.accepted for a in attempts] == [False, True], "held and dropped, then accepted once"
        assert attempts[0].key == attempts[1].key
        # attempts = 1: deliver() increments the count in memory and writes it (UPDATE) only after send_mail
        # returned, so the killed attempt wrote nothing; its transaction had only the row lock, released when
        # PostgreSQL ended the dead connection. The one attempt counted is the fresh worker's, which succeeded.
        assert deployed.sql(
            "SELECT status, attempts, last_error, sent_at IS NOT NULL FROM portal_outgoingmail WHERE id = %s", (pk,)
        ) == [("sent", 1, "", True)]
    finally:
        smtp.release.set()
        for worker in (second, first):
            worker.stop()
        controller.stop()
        broker.flushdb()
