#!/usr/bin/env python3
"""Ordeal adapter for procrastinate 3.10.0, the PostgreSQL job queue (psycopg 3.3.9).

Roles lease-worker (a worker loop over procrastinate's public JobManager with the semantics of
its own Worker: register, heartbeat, fetch_job, finish_job), sweeper (the retry_stalled_jobs
task of its docs), reader (list_jobs), and bench-worker. README.md maps every op to its calls
and says what procrastinate does not offer: no fencing token, no per-job lease. The `token`
reported is the job's own `attempts` counter + 1 (the attempt a fetch starts).
"""

import asyncio
import hashlib
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "Sources", "PythonWorkerKit"))
from ordeal_worker import Failed, Indeterminate, Usage, Worker  # noqa: E402

import procrastinate  # noqa: E402
import psycopg  # noqa: E402
from procrastinate import exceptions as pexc  # noqa: E402
from procrastinate import jobs as pjobs  # noqa: E402

QUEUE = "ordeal"
POLL_S = 0.020            # a worker with nothing to fetch polls every 20 ms (see README)
SCHEMA_LOCK = 0x0DEA1     # advisory lock serialising schema creation and seeding (setup only)
# The per-item configuration travels in the task name (one procrastinate task per stall
# threshold and attempt budget), as the howto's "more complex" retry task would need it.
TASK_RE = re.compile(r"^ordeal\.work_item\.lease(\d+)ms\.max(\d+)$")


def task_name(lease_ms, max_attempts):
    return "ordeal.work_item.lease%dms.max%d" % (lease_ms, max_attempts)


class Stalled(Exception):
    """What the sweeper hands the task's RetryStrategy: the job's worker stopped heartbeating."""


# Connection and app.

def conninfo(options):
    """The --backend URL for libpq. Ordeal's own `timeout_ms` query parameter has no
    procrastinate or libpq counterpart (procrastinate sets no client-side deadline): dropped."""
    url = options.get("backend") or ""
    if not url.startswith(("postgres://", "postgresql://")):
        raise Usage("--backend postgres://USER@HOST:PORT/DB is required (procrastinate needs PostgreSQL)")
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "timeout_ms"]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def make_app(url, pool_max=4):
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=pool_max))


def task_for(app, name):
    """The registered procrastinate task of `name`, registered on first use with the
    RetryStrategy its name says: Ordeal's max_attempts counts leases in all, procrastinate's
    RetryStrategy(max_attempts=N) counts retries after the first run, so N = max - 1."""
    if name not in app.tasks:
        match = TASK_RE.match(name)
        if not match:
            return None
        leases = int(match.group(2))
        retry = procrastinate.RetryStrategy(max_attempts=leases - 1) if leases > 1 else False

        def work_item(item):  # never run by procrastinate's Worker: our loop does the work
            return None
        app.task(name=name, queue=QUEUE, retry=retry)(work_item)
    return app.tasks[name]


def lease_ms_of(name):
    return int(TASK_RE.match(name).group(1))


def max_of(name):
    return int(TASK_RE.match(name).group(2))


async def ensure_schema(app, url):
    """Applies procrastinate's schema (SchemaManager.apply_schema_async) once per database; an
    advisory lock keeps concurrent workers from applying it twice (setup, not queue semantics)."""
    if await app.job_manager.check_connection_async():
        return
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        if not await app.job_manager.check_connection_async():
            await app.schema_manager.apply_schema_async()


async def seed(app, url, ids, name):
    """Defers one job per missing item id (queueing_lock = item id). procrastinate refuses a
    duplicate only while the first is `todo`, so the ids already deferred are read first
    (list_jobs_async) under the advisory lock: duplicates are skipped, as Ordeal asks."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        existing = {j.task_kwargs.get("item") for j in await app.job_manager.list_jobs_async(queue=QUEUE)}
        new = [pjobs.Job(queue=QUEUE, lock=None, queueing_lock=i, task_name=name, task_kwargs={"item": i})
               for i in ids if i not in existing]
        for start in range(0, len(new), 500):
            await app.job_manager.batch_defer_jobs_async(new[start:start + 500])


async def open_items(app):
    """Jobs of our queue still `todo` or `doing` (by anyone): list_queues_async's counts."""
    for row in await app.job_manager.list_queues_async(queue=QUEUE):
        return row["todo"] + row["doing"]
    return 0


def refusal(error):
    """A procrastinate SQL function that RAISEd (SQLSTATE P0001) refused the call: nothing
    changed. Any other database error (a lost connection) leaves the outcome unknown."""
    cause = error.__cause__
    return isinstance(cause, psycopg.Error) and getattr(cause, "sqlstate", None) == "P0001"


# lease-worker.

class Held:
    """What the work loop and the heartbeat task share: the job held, its token."""
    job = token = lease_ms = None
    heartbeat_failed = False


async def heartbeat(ctx, app, worker_id, interval_s, held):
    """procrastinate's Worker._update_heartbeat: update_heartbeat(worker_id) every interval. The
    heartbeat is the worker's, not the job's; while a job is held each one is reported as that
    job's lease.renew (it is what keeps the job from being stalled). update_heartbeat never
    refuses (an UPDATE of the worker's row, which matches nothing once the row is pruned): an
    error means the connection failed (info), and, as in procrastinate's Worker, the heartbeat
    task ends and the worker stops fetching while its running job finishes."""
    while True:
        await asyncio.sleep(interval_s)
        job, token, lease_ms = held.job, held.token, held.lease_ms
        start = time.monotonic_ns()
        try:
            await app.job_manager.update_heartbeat(worker_id)
        except Exception as error:
            held.heartbeat_failed = True
            if job is not None:
                ctx.emit_op("lease.renew", job.task_kwargs["item"], "info", time.monotonic_ns() - start,
                            {"token": token}, "update_heartbeat failed: %s: %s" % (type(error).__name__, error))
            return
        if job is not None and held.job is job:
            # expires_at_ms: not stored by procrastinate; the moment its rule (stalled once the
            # heartbeat is older than seconds_since_heartbeat) would call the job stalled.
            ctx.emit_op("lease.renew", job.task_kwargs["item"], "ok", time.monotonic_ns() - start,
                        {"token": token, "expires_at_ms": int(time.time() * 1000) + lease_ms, "lease_ms": lease_ms})


async def lease_worker_async(ctx):
    url = conninfo(ctx.options)
    lease_ms = ctx.opt_int("lease-ms", 30_000)
    work_ms = ctx.opt_int("work-ms", 0)
    heartbeat_ms = ctx.opt_int("heartbeat-ms", 0)
    if lease_ms < 1:
        raise Usage("--lease-ms must be at least 1")
    app = make_app(url)
    async with app.open_async():
        await ensure_schema(app, url)
        count = ctx.opt_int("items", 10)
        prefix = ctx.opt_str("prefix", "item")
        seed_opt = ctx.options.get("seed-items")
        if seed_opt == "true" or (seed_opt is None and not await app.job_manager.list_jobs_async(queue=QUEUE)):
            name = task_name(lease_ms, ctx.opt_int("max-attempts", 3))
            await seed(app, url, ["%s-%d" % (prefix, i) for i in range(count)], name)
        # As procrastinate's Worker.run: prune stalled workers (stalled_worker_timeout, here
        # the lease), then register this worker and heartbeat (update_heartbeat_interval: the
        # --heartbeat-ms, else a third of the lease, procrastinate's own 10 s : 30 s ratio).
        await app.job_manager.prune_stalled_workers(lease_ms / 1000)
        worker_id = await app.job_manager.register_worker()
        held = Held()
        interval_s = (heartbeat_ms if heartbeat_ms > 0 else max(lease_ms / 3, 10)) / 1000
        beat = asyncio.create_task(heartbeat(ctx, app, worker_id, interval_s, held))
        delay = ctx.opt_int("start-delay-ms", 0)
        if delay > 0:
            await asyncio.sleep(delay / 1000)
        if ctx.opt_bool("abandon"):
            # Acquire up to --items jobs and exit without finishing them or unregistering:
            # a worker that died with its jobs `doing`; its heartbeat simply stops.
            for _ in range(count):
                if await fetch_and_report(ctx, app, worker_id, held) is None:
                    break
                held.job = None
            beat.cancel()
            return
        take = ctx.opt_int("take", 1 << 62)
        taken = 0
        while taken < take and not held.heartbeat_failed:
            job = await fetch_and_report(ctx, app, worker_id, held)
            if job is None:
                if await open_items(app) == 0:
                    break
                await asyncio.sleep(POLL_S)
                continue
            item = job.task_kwargs["item"]
            taken += 1
            await work(ctx, item, held.token, work_ms, heartbeat_ms)
            await ctx.aop("lease.complete", item, lambda: complete(app, job, held.token))
            held.job = None
        beat.cancel()
        # A regular shutdown unregisters the worker (Worker._shutdown).
        try:
            await app.job_manager.unregister_worker(worker_id)
        except pexc.ConnectorException as error:
            sys.stderr.write("unregister_worker failed: %s\n" % (error.__cause__ or error))


async def fetch_and_report(ctx, app, worker_id, held):
    """fetch_job, reported as lease.acquire when it returned a job; None when none was left.
    token = the job's attempts + 1: the attempt this fetch starts (retry_job increments
    attempts, so a job taken over after a retry carries a higher token)."""
    started = time.monotonic_ns()
    try:
        job = await app.job_manager.fetch_job(queues=[QUEUE], worker_id=worker_id)
    except pexc.ConnectorException as error:
        # The job may have become ours (`doing`) without the reply: unknown which; give up.
        ctx.emit_op("lease.acquire", "?", "info", time.monotonic_ns() - started, None,
                    "fetch_job failed: %s" % (error.__cause__ or error))
        raise
    if job is None:
        return None
    held.job, held.token, held.lease_ms = job, job.attempts + 1, lease_ms_of(job.task_name)
    ctx.emit_op("lease.acquire", job.task_kwargs["item"], "ok", time.monotonic_ns() - started,
                {"token": held.token, "lease_ms": held.lease_ms})
    return job


async def work(ctx, item, token, work_ms, heartbeat_ms):
    """Works work_ms. With --heartbeat-ms, in units of one interval, each reported as
    lease.work: procrastinate never tells a worker that its job was taken, so every unit is
    done believing the job is still its own."""
    if heartbeat_ms <= 0:
        if work_ms > 0:
            await asyncio.sleep(work_ms / 1000)
        return
    remaining, unit = work_ms, 0
    while remaining > 0:
        step = min(heartbeat_ms, remaining)
        await asyncio.sleep(step / 1000)
        remaining -= step
        unit += 1
        ctx.emit_op("lease.work", item, "ok", step * 1_000_000, {"token": token, "unit": unit})


async def complete(app, job, token):
    """finish_job(status=succeeded). procrastinate stores no result: the output reported is the
    status the job is finished with, which the reader reads back."""
    try:
        await app.job_manager.finish_job(job=job, status=pjobs.Status.SUCCEEDED, delete_job=False)
    except pexc.ConnectorException as error:
        if refusal(error):
            raise Failed("procrastinate refused finish_job: %s" % error.__cause__, {"token": token})
        raise Indeterminate("finish_job failed: %s" % (error.__cause__ or error), {"token": token, "output": "succeeded"})
    return {"token": token, "output": "succeeded"}


# sweeper.

async def sweep_once(app):
    """One run of the howto's retry_stalled_jobs task, per work-item task: the jobs of workers
    whose heartbeat is older than the task's threshold (get_stalled_jobs with
    seconds_since_heartbeat = lease-ms / 1000; a float, so milliseconds are kept), each retried
    (retry_job) while the task's RetryStrategy allows, else finished as failed. A job that moved
    on between the listing and the retry (finished, retried) is refused by procrastinate and
    counted in neither."""
    recovered = failed = 0
    for row in await app.job_manager.list_tasks_async(queue=QUEUE):
        task = task_for(app, row["name"])
        if task is None:
            continue
        stalled = await app.job_manager.get_stalled_jobs(
            queue=QUEUE, task_name=row["name"], seconds_since_heartbeat=lease_ms_of(row["name"]) / 1000)
        for job in stalled:
            retry = task.get_retry_exception(exception=Stalled("worker %s stopped heartbeating" % job.worker_id), job=job)
            try:
                if retry is not None:
                    d = retry.retry_decision
                    await app.job_manager.retry_job(job, retry_at=d.retry_at, priority=d.priority, queue=d.queue, lock=d.lock)
                    recovered += 1
                else:
                    await app.job_manager.finish_job(job=job, status=pjobs.Status.FAILED, delete_job=False)
                    failed += 1
            except pexc.ConnectorException as error:
                if not refusal(error):
                    raise
    return recovered, failed


async def sweeper_async(ctx):
    url = conninfo(ctx.options)
    interval = ctx.opt_int("interval-ms", 100) / 1000
    until_idle = ctx.opt_bool("until-idle")
    rounds = ctx.opt_int("rounds", 1 << 62 if until_idle else 1)
    expected = ctx.opt_int("expect-recovered", -1)
    app = make_app(url, pool_max=2)
    async with app.open_async():
        await ensure_schema(app, url)
        delay = ctx.opt_int("start-delay-ms", 0)
        if delay > 0:
            await asyncio.sleep(delay / 1000)
        total, round_, failures, seen = 0, 0, 0, False
        while True:
            round_ += 1
            start = time.monotonic_ns()
            try:
                recovered, failed = await sweep_once(app)
                nanos = time.monotonic_ns() - start
                ctx.emit_op("sweep.run", "sweep", "ok", nanos,
                            {"recovered": recovered, "failed": failed, "duration_us": round(nanos / 1000, 1)})
                total += recovered
                failures = 0
            except pexc.ConnectorException as error:
                ctx.emit_op("sweep.run", "sweep", "info", time.monotonic_ns() - start, None, str(error.__cause__ or error))
                failures += 1
                if failures >= 3:
                    raise
            if round_ >= rounds:
                break
            if until_idle:
                seen = seen or bool(await app.job_manager.list_queues_async(queue=QUEUE))
                if seen and await open_items(app) == 0:
                    break
            await asyncio.sleep(interval)
    if expected >= 0 and total != expected:
        raise RuntimeError("the sweeps recovered %d stalled jobs, expected %d (--expect-recovered)" % (total, expected))


# reader.

STATUS = {"todo": "pending", "doing": "in_progress", "succeeded": "completed", "failed": "failed",
          "cancelled": "cancelled", "aborted": "aborted", "aborting": "aborting"}


async def reader_async(ctx):
    """Every work-item job. token: the attempt a `doing` job runs (attempts + 1), else its
    attempts (finish_job from `doing` and retry_job each add one). released_token: for a
    succeeded job, its attempts after finish_job (the attempt it counted as finished): procrastinate
    records no finisher. output: the status the job was finished with (no result is stored)."""
    app = make_app(conninfo(ctx.options), pool_max=1)
    items, problems = [], []
    async with app.open_async():
        if await app.job_manager.check_connection_async():
            seen = {}
            for job in await app.job_manager.list_jobs_async(queue=QUEUE):
                if not TASK_RE.match(job.task_name):
                    continue
                item = job.task_kwargs.get("item")
                if item in seen:
                    problems.append("work item %s has two jobs: %d and %d" % (item, seen[item], job.id))
                seen[item] = job.id
                status = STATUS.get(job.status, job.status)
                entry = {"id": item, "status": status, "attempts": job.attempts,
                         "token": job.attempts + 1 if job.status == "doing" else job.attempts,
                         "max_attempts": max_of(job.task_name), "job_id": job.id, "worker_id": job.worker_id}
                if job.status == "succeeded":
                    entry.update(released_token=job.attempts, output="succeeded")
                items.append(entry)
    ctx.state({"integrity_problems": problems, "work_items": items})


# bench-worker.

def bench_lease(options):
    """lease.acquire_release: fetch_job + finish_job(succeeded) of a pre-deferred job, on a
    queue of this process's own (--tag), by a registered worker."""
    url, loop = conninfo(options), asyncio.new_event_loop()
    app = make_app(url, pool_max=1)
    # A queue per process; short, since procrastinate NOTIFYs on "procrastinate_queue_v1#QUEUE"
    # and PostgreSQL caps a channel name at 63 bytes (the runner's tags are longer).
    queue = "b-" + hashlib.sha1(options.get("tag", "t").encode()).hexdigest()[:16]
    n = int(options.get("warmup", "0")) + int(options.get("iterations", "0") or 0) + 10
    if "iterations" not in options:
        n = 20_000 if "describe" not in options else 10

    async def setup():
        await app.open_async()
        await ensure_schema(app, url)
        for start in range(0, n, 1000):
            await app.job_manager.batch_defer_jobs_async(
                [pjobs.Job(queue=queue, lock=None, queueing_lock=None, task_name="ordeal.bench", task_kwargs={"i": i})
                 for i in range(start, min(n, start + 1000))])
        return await app.job_manager.register_worker()
    worker_id = loop.run_until_complete(setup())

    async def once():
        job = await app.job_manager.fetch_job(queues=[queue], worker_id=worker_id)
        if job is None:
            raise RuntimeError("the pre-deferred jobs ran out")
        await app.job_manager.finish_job(job=job, status=pjobs.Status.SUCCEEDED, delete_job=False)
    return lambda i: loop.run_until_complete(once())


def bench_floor(options):
    """raw.insert_txn: a bare INSERT and COMMIT on the same database, through psycopg."""
    conn = psycopg.connect(conninfo(options))
    conn.execute("CREATE TABLE IF NOT EXISTS ordeal_floor (id bigserial PRIMARY KEY, payload text NOT NULL)")
    conn.commit()

    def insert(i):
        conn.execute("INSERT INTO ordeal_floor (payload) VALUES (%s)", ("x" * 64,))
        conn.commit()
    return insert


def run(coroutine):
    return lambda ctx: asyncio.run(coroutine(ctx))


def backend_name(options):
    parts = urllib.parse.urlsplit(options.get("backend", ""))
    host = parts.hostname or "?"
    return "procrastinate-postgres://%s@%s:%s%s" % (parts.username or "", host, parts.port or "", parts.path)


WORKER = Worker(
    "procrastinate", procrastinate.__version__,
    roles={"lease-worker": run(lease_worker_async), "sweeper": run(sweeper_async), "reader": run(reader_async)},
    ops=["lease.acquire", "lease.renew", "lease.work", "lease.complete", "sweep.run"],
    bench={"lease.acquire_release": bench_lease, "raw.insert_txn": bench_floor}, floor="raw.insert_txn",
    backend=backend_name,
)

if __name__ == "__main__":
    WORKER.main()
