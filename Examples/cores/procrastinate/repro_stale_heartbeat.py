#!/usr/bin/env python3
"""procrastinate 3.10.0: the heartbeat of a worker whose job was declared stalled, retried and
fetched by another worker is still accepted, and nothing tells that worker it lost the job.

Standalone (procrastinate and psycopg only, no Ordeal). Usage:
    python repro_stale_heartbeat.py postgres://postgres@127.0.0.1:PORT/postgres
On a throwaway database, following docs/howto/production/retry_stalled_jobs.md:
  1. worker A registers and fetches the job; 2. A misses its heartbeats for 0.5 s;
  3. get_stalled_jobs(seconds_since_heartbeat=0.2) + retry_job; 4. worker B fetches the job;
  5. A resumes and heartbeats: update_heartbeat(A) is accepted (it returns None, refuses
     nothing), so A, like procrastinate's own Worker, goes on running a job that is B's.
Exits 1 when A's heartbeat is accepted after the takeover, 0 when procrastinate refuses it.
"""

import asyncio
import os
import sys
import urllib.parse

import procrastinate
import psycopg
from procrastinate import exceptions


def throwaway_database(server):
    name = "repro_stale_heartbeat_%d" % os.getpid()
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
        job = await jm.fetch_job(queues=["q"], worker_id=a)
        print("1. worker %d fetched job %d" % (a, job.id))
        await asyncio.sleep(0.5)
        stalled = await jm.get_stalled_jobs(seconds_since_heartbeat=0.2)
        for s in stalled:
            await jm.retry_job(s)
        print("2. retry_stalled_jobs retried %s" % [s.id for s in stalled])
        b = await jm.register_worker()
        await jm.fetch_job(queues=["q"], worker_id=b)
        row = (await jm.list_jobs_async(id=job.id))[0]
        print("3. worker %d fetched it: status %s, worker_id %s" % (b, row.status, row.worker_id))
        try:
            await jm.update_heartbeat(a)
        except exceptions.ConnectorException as error:
            print("4. worker %d's heartbeat refused: %s" % (a, error.__cause__))
            return False
        print("4. worker %d's heartbeat ACCEPTED after its job went to worker %d: nothing refuses it or tells it" % (a, b))
        return True


if __name__ == "__main__":
    server = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PROCRASTINATE_URL", "")
    if not server:
        sys.exit("usage: repro_stale_heartbeat.py postgres://USER@HOST:PORT/DB")
    name, url = throwaway_database(server)
    try:
        bad = asyncio.run(main(url))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    print("procrastinate %s: %s" % (procrastinate.__version__, "FAIL: a stale worker's heartbeat was accepted after the takeover"
                                     if bad else "ok: the stale heartbeat was refused"))
    sys.exit(1 if bad else 0)
