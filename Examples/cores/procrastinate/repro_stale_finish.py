#!/usr/bin/env python3
"""procrastinate 3.10.0: a worker whose stalled job was retried and fetched by another worker
can still finish it, and the new owner's finish is then refused.

Standalone (procrastinate and psycopg only, no Ordeal). Usage:
    python repro_stale_finish.py postgres://postgres@127.0.0.1:PORT/postgres
It creates a throwaway database on that server, applies procrastinate's schema, and follows
docs/howto/production/retry_stalled_jobs.md:
  1. worker A registers and fetches the job (status doing, worker_id A);
  2. A stops heartbeating (a GC pause, SIGSTOP, a partition) for longer than the threshold;
  3. the documented retry task: get_stalled_jobs(seconds_since_heartbeat=0.2) + retry_job;
  4. worker B registers and fetches the job: it is B's now (doing, worker_id B, attempts 1);
  5. A wakes up: its update_heartbeat is accepted, and its finish_job(succeeded) too;
  6. B finishes its run of the job: procrastinate refuses it.
Exits 1 when A's stale finish_job is accepted while B owns the job (the behaviour present),
0 when procrastinate refuses it.
"""

import asyncio
import os
import sys
import urllib.parse

import procrastinate
import psycopg
from procrastinate import exceptions, jobs


def throwaway_database(server):
    name = "repro_stale_finish_%d" % os.getpid()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "%s"' % name)
        conn.execute('CREATE DATABASE "%s"' % name)
    return name, urllib.parse.urlunsplit(urllib.parse.urlsplit(server)._replace(path="/" + name))


async def main(url):
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=2))

    @app.task(name="work", queue="q")
    def work():
        pass

    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        jm = app.job_manager
        await work.defer_async()

        a = await jm.register_worker()
        job_a = await jm.fetch_job(queues=["q"], worker_id=a)
        print("1. worker %d fetched job %d (attempts %d)" % (a, job_a.id, job_a.attempts))

        await asyncio.sleep(0.5)  # A is paused: no heartbeat for 0.5 s (> 0.2 s threshold)
        stalled = await jm.get_stalled_jobs(seconds_since_heartbeat=0.2)
        for job in stalled:
            await jm.retry_job(job)
        print("2. retry_stalled_jobs retried %s" % [j.id for j in stalled])

        b = await jm.register_worker()
        job_b = await jm.fetch_job(queues=["q"], worker_id=b)
        print("3. worker %d fetched job %d (attempts %d): %s" % (
            b, job_b.id, job_b.attempts, (await jm.list_jobs_async(id=job_b.id))[0].status))

        await jm.update_heartbeat(a)
        print("4. worker %d's heartbeat after the takeover: accepted (update_heartbeat never refuses)" % a)
        stale_accepted = True
        try:
            await jm.finish_job(job=job_a, status=jobs.Status.SUCCEEDED, delete_job=False)
        except exceptions.ConnectorException as error:
            stale_accepted = False
            print("5. worker %d's stale finish_job refused: %s" % (a, error.__cause__))
        if stale_accepted:
            row = (await jm.list_jobs_async(id=job_a.id))[0]
            print("5. worker %d's stale finish_job ACCEPTED while worker %d runs the job: status %s, attempts %d, worker_id %s"
                  % (a, b, row.status, row.attempts, row.worker_id))
        try:
            await jm.finish_job(job=job_b, status=jobs.Status.SUCCEEDED, delete_job=False)
            print("6. worker %d (the owner) finished the job" % b)
        except exceptions.ConnectorException as error:
            print("6. worker %d (the owner) had its finish_job REFUSED: %s" % (b, error.__cause__))
    return stale_accepted


if __name__ == "__main__":
    server = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PROCRASTINATE_URL", "")
    if not server:
        sys.exit("usage: repro_stale_finish.py postgres://USER@HOST:PORT/DB")
    name, url = throwaway_database(server)
    try:
        bad = asyncio.run(main(url))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    print("procrastinate %s: %s" % (procrastinate.__version__, "FAIL: a stale worker finished a job another worker owned"
                                     if bad else "ok: the stale finish was refused"))
    sys.exit(1 if bad else 0)
