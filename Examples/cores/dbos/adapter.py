#!/usr/bin/env python3
"""Ordeal adapter for DBOS Transact (dbos==3.4.0) on its SQLite system database.

Roles (see README.md for the full mapping table):

  task-runner --task T --steps N --step-ms MS
      One DBOS workflow, id `ordeal-task:T`, of N DBOS steps. Step i sleeps MS, appends the
      effect line `T:i` (ctx.effect, inside the step body) and returns
      {"line", "seq", "step", "task"}, which DBOS records as the step's output. After a SIGKILL
      the restarted worker does NOT call the workflow itself: DBOS.launch() recovers the
      pending workflow (its documented recovery on launch) and the worker waits on its handle.
      `task.step` is written for each step whose body ran in this process (a replayed step,
      whose recorded output DBOS returned without running it, is not re-acknowledged);
      `seq` is the step's DBOS function_id (DBOS.step_id), `snapshot` the output exactly as
      DBOS stores it (the JSON text our configured serializer writes).
  tool-client --task T --count N [--step-ms MS] [--policy P]
      Each call i is one DBOS workflow, id `T:i` (the ledger key), holding one step that
      appends `T:i` to the effects file, works MS more and returns
      {"exit":0,"line":"T:i"}. Calling a workflow id again returns DBOS's recorded result.
  reader
      Reads the system database through DBOSClient (no launch, so no recovery runs):
      task workflows and their recorded steps (checkpoints), tool workflows (idempotency
      entries), SQLite's own integrity check.
  bench-worker: ledger.replay and the floor raw.insert_txn.
"""

import hashlib
import importlib.metadata
import json
import os
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "Sources", "PythonWorkerKit"))
from ordeal_worker import Failed, Indeterminate, Usage, Worker  # noqa: E402

from dbos import DBOS, DBOSClient, DBOSConfig, Serializer, SetWorkflowID  # noqa: E402

DBOS_VERSION = importlib.metadata.version("dbos")  # 3.4.0, pinned in ci/requirements-cores.txt
APP_NAME = "ordeal-dbos"
TASK_PREFIX = "ordeal-task:"


class JSONSerializer(Serializer):
    """DBOS's documented `serializer` config option. Mapping choice: JSON text instead of the
    default pickle+base64, so a step's output is stored as readable text that the worker can
    report as `snapshot` (the corrupt fault damages exactly those bytes). Canonical form:
    sorted keys, no spaces."""

    def serialize(self, data):
        return json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)

    def deserialize(self, serialized_data):
        return json.loads(serialized_data)

    def name(self):
        return "ordeal_json"


SERIALIZER = JSONSerializer()

# Process-local facts, never stored: which step bodies DBOS ran in THIS process (as opposed to
# steps whose recorded output it replayed), and what this incarnation of a task did.
EXECUTED = set()          # {(workflow_id, function_id)}
EXECUTED_LOCK = threading.Lock()
RUN = {"first_step": None, "resumed_from_seq": None, "steps_run": 0}
CTX = {}                  # the kit's Context of this process, used from DBOS's threads


def system_database_url(options):
    """The system database: a sibling file of --db in the scenario's data folder."""
    db = options.get("db")
    if not db:
        raise Usage("--db PATH is required")
    return "sqlite:///" + os.path.abspath(db) + ".dbos"


def start_dbos(options, executor_id):
    """Configures and launches DBOS. Nothing here reaches the network: no conductor_key (no
    Conductor websocket), enable_otlp false (no OTLP export); DBOS 3.4.0 has no admin server.
    The executor ID is the worker instance's name (ORDEAL_INSTANCE, the same in each of its
    incarnations), so each client recovers only its own pending workflows, as DBOS's docs ask
    (one executor ID per process); without it (outside a run), one derived from --task."""
    config: DBOSConfig = {
        "name": APP_NAME,
        "system_database_url": system_database_url(options),
        "serializer": SERIALIZER,
        "executor_id": executor_id,
        "enable_otlp": False,
        "log_level": "WARNING",
    }
    started = time.monotonic()
    RUN["launched_at_ms"] = int(time.time() * 1000)
    DBOS(config=config)
    DBOS.launch()  # recovers this executor's PENDING workflows (documented recovery on launch)
    sys.stderr.write("dbos: launched in %.0f ms (executor %s)\n" % ((time.monotonic() - started) * 1000, executor_id))


# ---------------------------------------------------------------- task-runner

@DBOS.step(name="ordeal.task_step")
def task_step(task, index, step_ms):
    """One step: work, then the real effect, then return the output DBOS records."""
    seq = DBOS.step_id  # DBOS's function_id of this step within its workflow
    with EXECUTED_LOCK:
        EXECUTED.add((DBOS.workflow_id, seq))
    if step_ms > 0:
        time.sleep(step_ms / 1000)
    line = "%s:%d" % (task, index)
    CTX["ctx"].effect(line)
    return {"line": line, "seq": seq, "step": index, "task": task}


@DBOS.workflow(name="ordeal.task")
def task_workflow(task, steps, step_ms):
    ctx = CTX["ctx"]
    for index in range(steps):
        started = time.monotonic_ns()
        output = task_step(task, index, step_ms)
        seq = output["seq"]
        with EXECUTED_LOCK:
            ran_here = (DBOS.workflow_id, seq) in EXECUTED
        if not ran_here:
            # DBOS returned the recorded output without running the body: a replayed step.
            RUN["resumed_from_seq"] = seq
            continue
        if RUN["first_step"] is None:
            RUN["first_step"] = index
        RUN["steps_run"] += 1
        value = {"step": index, "seq": seq, "snapshot": SERIALIZER.serialize(output)}
        # The step's output is recorded (DBOS commits it before the step call returns).
        ctx.emit_op("task.step", task, "ok", time.monotonic_ns() - started, value)
    return {"task": task, "steps": steps}


def task_runner(ctx):
    CTX["ctx"] = ctx
    task = ctx.opt_str("task", "task-1")
    steps = ctx.opt_int("steps", 5)
    step_ms = ctx.opt_int("step-ms", 0)
    workflow_id = TASK_PREFIX + task
    start_dbos(ctx.options, "ordeal-" + (ctx.instance or task))
    status = DBOS.get_workflow_status(workflow_id)
    started = time.monotonic_ns()
    try:
        if status is None:
            # First incarnation: start the workflow under the id derived from --task.
            with SetWorkflowID(workflow_id):
                handle = DBOS.start_workflow(task_workflow, task, steps, step_ms)
        else:
            # A restart: DBOS.launch() has re-enqueued the pending workflow; it runs in this
            # process (its steps replayed from their records), and we wait for it.
            sys.stderr.write("dbos: %s found %s; waiting for DBOS's recovery\n" % (workflow_id, status.status))
            handle = DBOS.retrieve_workflow(workflow_id)
        handle.get_result(polling_interval_sec=0.05)
        state = DBOS.get_workflow_status(workflow_id).status
    except Exception as error:  # the workflow ended in error: its state says so
        sys.stderr.write("dbos: workflow %s raised %s: %s\n" % (workflow_id, type(error).__name__, error))
        status = DBOS.get_workflow_status(workflow_id)
        state = status.status if status else "MISSING"
    finished = state == "SUCCESS"
    ctx.emit_op(
        "task.finish", task, "ok" if finished else "fail", time.monotonic_ns() - started,
        {"state": "succeeded" if finished else state.lower(),
         "first_step": RUN["first_step"] if RUN["first_step"] is not None else steps,
         "resumed_from_seq": RUN["resumed_from_seq"], "steps_run": RUN["steps_run"]})
    DBOS.destroy()


# ---------------------------------------------------------------- tool-client

@DBOS.step(name="ordeal.tool_step")
def tool_step(task, index, step_ms):
    """The tool: its real effect first, then MS more work before DBOS records the result."""
    with EXECUTED_LOCK:
        EXECUTED.add((DBOS.workflow_id, DBOS.step_id))
    line = "%s:%d" % (task, index)
    CTX["ctx"].effect(line)
    if step_ms > 0:
        time.sleep(step_ms / 1000)
    return json.dumps({"exit": 0, "line": line}, separators=(",", ":"), sort_keys=True)


@DBOS.workflow(name="ordeal.tool_call")
def tool_workflow(task, index, step_ms):
    return tool_step(task, index, step_ms)


def tool_client(ctx):
    CTX["ctx"] = ctx
    task = ctx.opt_str("task", "task-1")
    count = ctx.opt_int("count", 100)
    step_ms = ctx.opt_int("step-ms", 0)
    policy = ctx.opt_str("policy", "run-again")
    if policy not in ("run-again", "fail"):
        raise Usage("--policy must be run-again or fail, not %r" % policy)
    start_dbos(ctx.options, "ordeal-" + (ctx.instance or task))
    for index in range(count):
        key = "%s:%d" % (task, index)
        started = time.monotonic_ns()
        try:
            with SetWorkflowID(key):
                handle = DBOS.start_workflow(tool_workflow, task, index, step_ms)
            output = handle.get_result(polling_interval_sec=0.01)
            status = DBOS.get_workflow_status(key)
        except Exception as error:
            # DBOS raised: the effect may or may not have happened.
            ctx.emit_op("tool.execute", key, "info", time.monotonic_ns() - started,
                        {"policy": policy}, "%s: %s" % (type(error).__name__, error))
            continue
        with EXECUTED_LOCK:
            ran_here = any(wf == key for wf, _ in EXECUTED)
        # `reran`: DBOS ran the call again after an interruption, during this incarnation's
        # lifetime (typically set off by its own launch's recovery): DBOS's recovery_attempts
        # is above 1 (a direct start counts 1, each recovery dispatch adds 1) and the step's
        # recorded completed_at_epoch_ms (DBOS's, in ms) is after this process launched DBOS.
        # A step recorded before the interruption (only the workflow's completion lost) and a
        # later incarnation replaying the call do not count. (workflow_status timestamps are
        # whole seconds on SQLite, so the step's own timestamp is used.)
        reran = False
        if (status.recovery_attempts or 0) > 1:
            done = [step["completed_at_epoch_ms"] or 0 for step in DBOS.list_workflow_steps(key)
                    if step["function_name"] == "ordeal.tool_step"]
            reran = bool(done) and done[0] >= RUN["launched_at_ms"]
        # Mapping: tool.execute when the step body ran in this process, or when DBOS re-ran the
        # interrupted call to answer it (DBOS recovery re-enqueues onto its internal queue,
        # so the body may run in whichever launched process dequeues it); tool.replay when
        # DBOS answered with a result recorded by an earlier run (an earlier incarnation or
        # the concurrent client). DBOS has no indeterminate-call policy: `policy` is what the
        # client asked for, and DBOS re-runs an interrupted call whatever it asked.
        ctx.emit_op("tool.execute" if ran_here or reran else "tool.replay", key, "ok", time.monotonic_ns() - started,
                    {"output": output, "i": index, "policy": policy, "reran": bool(reran)})
    DBOS.destroy()


# ---------------------------------------------------------------- reader

def sqlite_path(options):
    return system_database_url(options)[len("sqlite:///"):]


def reader(ctx):
    path = sqlite_path(ctx.options)
    if not os.path.exists(path):
        ctx.state({})
        return
    # The storage's own integrity check (DBOS has none of its own).
    with sqlite3.connect(path) as db:
        problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
    client = DBOSClient(system_database_url=system_database_url(ctx.options), serializer=SERIALIZER)
    tasks, checkpoints, idempotency, problems = {}, [], [], ([] if problems == ["ok"] else problems)
    try:
        for wf in client.list_workflows(load_input=False, load_output=True):
            if wf.name == "ordeal.task":
                task = wf.workflow_id[len(TASK_PREFIX):]
                tasks[task] = {"SUCCESS": "succeeded"}.get(wf.status, wf.status.lower())
                for step in client.list_workflow_steps(wf.workflow_id):
                    if step["error"] is not None or step["output"] is None:
                        continue
                    text = SERIALIZER.serialize(step["output"])
                    # DBOS stores no hash of a step's output: sha256 is computed here from what
                    # DBOS's read path returned, and snapshot_ok says only that the read path
                    # returned it without error (it cannot tell a changed output; see README).
                    checkpoints.append({"task": task, "seq": step["function_id"],
                                        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                                        "snapshot_ok": True, "verified": False, "type": "dbos_step_output"})
            elif wf.name == "ordeal.tool_call":
                done = wf.status == "SUCCESS" and isinstance(wf.output, str)
                idempotency.append({"key": wf.workflow_id, "kind": "tool", "status": "done" if done else wf.status.lower(),
                                    "result": wf.output if done else None})
    finally:
        client.destroy()
    ctx.state({"integrity_problems": problems, "checkpoints": checkpoints, "idempotency": idempotency, "tasks": tasks})


# ---------------------------------------------------------------- bench

def bench_replay(options):
    """ledger.replay: a workflow id whose one step completed is called again; DBOS returns the
    recorded result without running the step."""
    start_dbos(options, "ordeal-bench")
    CTX["ctx"] = type("NoEffects", (), {"effect": staticmethod(lambda line: None)})()
    key = "bench-replay-%s" % options.get("tag", "t")
    with SetWorkflowID(key):
        DBOS.start_workflow(tool_workflow, "bench", 0, 0).get_result(polling_interval_sec=0.01)

    def replay(i):
        with SetWorkflowID(key):
            DBOS.start_workflow(tool_workflow, "bench", 0, 0).get_result(polling_interval_sec=0.01)
    return replay


def bench_floor(options):
    """raw.insert_txn: a bare BEGIN IMMEDIATE / INSERT / COMMIT on the same SQLite file, with
    the journal settings DBOS leaves it at (SQLite's defaults)."""
    path = sqlite_path(options)
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.execute("CREATE TABLE IF NOT EXISTS ordeal_floor (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")

    def insert(i):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO ordeal_floor (payload) VALUES (?)", ("x" * 64,))
        db.execute("COMMIT")
    return insert


WORKER = Worker(
    "dbos", DBOS_VERSION,
    roles={"task-runner": task_runner, "tool-client": tool_client, "reader": reader},
    ops=["task.step", "task.finish", "tool.execute", "tool.replay"],
    bench={"ledger.replay": bench_replay, "raw.insert_txn": bench_floor}, floor="raw.insert_txn",
    backend=lambda options: "dbos-sqlite:default",
)

if __name__ == "__main__":
    WORKER.main()
