"""Ordeal worker kit for Python: put a recovery core of your own through Ordeal's suite.

Standard library only, one file: copy it beside your adapter, or `pip install` its folder
(Sources/PythonWorkerKit). It speaks worker protocol 2 (docs/worker-protocol.md; the schema is
docs/worker-protocol.schema.json) and the bench-worker protocol (docs/bench-worker-protocol.md),
so an adapter is only the mapping from Ordeal's roles to your core's calls:

    from ordeal_worker import Worker, Failed, Indeterminate

    def checkpoint_writer(ctx):
        core = MyCore(ctx.options["db"])
        task = ctx.opt_str("task", "task-1")
        for _ in range(ctx.opt_int("count", 100)):
            ctx.op("checkpoint.commit", task, lambda: commit(core, task))  # returns the value dict

    Worker("my-core", "1.0", roles={"checkpoint-writer": checkpoint_writer, "reader": reader},
           ops=["checkpoint.commit"]).main()

What the kit does for you:
- parses `ROLE --db PATH --effects PATH --durability D [--NAME VALUE ...]` (exit 2 on bad usage);
- writes the ready event with its capabilities and core, each line with one write(2) loop,
  refusing an undeclared op, an unknown outcome, or a line over 4096 bytes (the state line
  excepted), and the done event with the number of op lines it wrote;
- stamps each op with its latency and CLOCK_MONOTONIC (`t_mono_ns`);
- asks the kernel to kill the worker with its parent (prctl(PR_SET_PDEATHSIG) through
  ctypes; elsewhere a thread that watches the parent);
- appends effect lines to the --effects file with O_APPEND and fsync before returning;
- counts the effects file into the reader's state.

Exit status: 0 done, 1 an operation failed in a way the role cannot continue from (any
exception out of a role), 2 bad usage.
"""

import ctypes
import ctypes.util
import json
import os
import signal
import sys
import threading
import time

PROTOCOL = 2
__version__ = "2.0.0"
MAX_LINE_BYTES = 4096
OUTCOMES = ("ok", "fail", "info")


class Usage(Exception):
    """Bad usage of the worker: exit 2 with the message."""


class Failed(Exception):
    """The operation definitely did not take effect: reported as outcome `fail`."""

    def __init__(self, error, value=None):
        super().__init__(error)
        self.value = value


class Indeterminate(Exception):
    """Whether the operation took effect cannot be known: reported as outcome `info`."""

    def __init__(self, error, value=None):
        super().__init__(error)
        self.value = value


class ProtocolError(Exception):
    """The adapter asked the kit to write something the protocol forbids (a bug to fix)."""


def write_line(fd, data):
    """Writes all of `data`, retrying short writes and EINTR (Python retries EINTR itself)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def encode(event):
    return (json.dumps(event, separators=(",", ":"), sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def parse_arguments(argv):
    """`ROLE --NAME VALUE ...` into (role, {name: value}); raises Usage."""
    if not argv or argv[0].startswith("-"):
        raise Usage("usage: ROLE --db PATH [--NAME VALUE ...]")
    role, options, rest = argv[0], {}, list(argv[1:])
    while rest:
        flag = rest.pop(0)
        if not flag.startswith("--") or len(flag) < 3:
            raise Usage("expected --NAME VALUE, got %r" % flag)
        if not rest:
            raise Usage("%s needs a value" % flag)
        options[flag[2:]] = rest.pop(0)
    return role, options


def die_with_parent():
    """Asks the kernel to SIGKILL this process when its parent dies (Linux); elsewhere, a
    daemon thread exits the process once the parent is gone. Returns False when the parent is
    already gone."""
    parent = os.getppid()
    libc_name = ctypes.util.find_library("c")
    if sys.platform.startswith("linux") and libc_name:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        PR_SET_PDEATHSIG = 1
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    else:
        def watch():
            while os.getppid() == parent:
                time.sleep(0.2)
            os._exit(1)
        threading.Thread(target=watch, daemon=True).start()
    # The parent may have died before the request was made: then no signal will come.
    return os.getppid() == parent


def effect_counts(path):
    """The lines of an effects file, counted: the reader's `state["effects"]`."""
    counts = {}
    if not path or not os.path.exists(path):
        return counts
    with open(path, "rb") as f:
        for line in f.read().split(b"\n"):
            if line:
                key = line.decode("utf-8", "replace")
                counts[key] = counts.get(key, 0) + 1
    return counts


class Context:
    """What a role function gets: its options, and the calls that report its work."""

    def __init__(self, worker, role, options, fd):
        self.worker = worker
        self.role = role
        self.options = options
        self.fd = fd
        self.ops_written = 0

    # Options.
    @property
    def instance(self):
        """The worker instance's name (`ORDEAL_INSTANCE`, e.g. `shared-0`): the same in every
        incarnation of it, distinct between instances; None outside a run."""
        return os.environ.get("ORDEAL_INSTANCE")

    def opt_str(self, name, default=None):
        return self.options.get(name, default)

    def _opt(self, name, default, convert, what):
        text = self.options.get(name)
        if text is None:
            return default
        try:
            return convert(text)
        except ValueError:
            raise Usage("--%s must be %s, not %r" % (name, what, text))

    def opt_int(self, name, default):
        return self._opt(name, default, int, "a whole number")

    def opt_float(self, name, default):
        return self._opt(name, default, float, "a number")

    def opt_bool(self, name, default=False):
        text = self.options.get(name)
        if text is None:
            return default
        if text not in ("true", "false"):
            raise Usage("--%s must be true or false, not %r" % (name, text))
        return text == "true"

    # Reporting.
    def emit(self, event):
        data = encode(event)
        if event.get("event") != "state" and len(data) > MAX_LINE_BYTES:
            raise ProtocolError("a %s line of %d bytes; the protocol allows %d" % (event.get("event"), len(data), MAX_LINE_BYTES))
        write_line(self.fd, data)

    def emit_op(self, op, key, outcome, latency_ns, value=None, error=None):
        """Reports one operation whose outcome is known."""
        if op not in self.worker.ops:
            raise ProtocolError("op %r is not among the declared ops %s" % (op, sorted(self.worker.ops)))
        if outcome not in OUTCOMES:
            raise ProtocolError("outcome %r is not one of %s" % (outcome, ", ".join(OUTCOMES)))
        event = {"event": "op", "op": op, "key": str(key), "outcome": outcome,
                 "latency_us": round(latency_ns / 1000, 1), "t_mono_ns": time.clock_gettime_ns(time.CLOCK_MONOTONIC)}
        if value is not None:
            event["value"] = value
        if error is not None:
            event["error"] = str(error)
        self.emit(event)
        self.ops_written += 1

    def op(self, name, key, call):
        """Runs `call()`, timed; reports `ok` with the dict it returns, `fail` when it raises
        Failed, `info` when it raises Indeterminate (both re-raised only if the role wants:
        they are swallowed here, the role goes on). Returns the value, or None."""
        start = time.monotonic_ns()
        try:
            value = call()
        except (Failed, Indeterminate) as outcome:
            return self._report(name, key, start, outcome)
        return self._report(name, key, start, value=value)

    async def aop(self, name, key, call):
        """`op` for a core with an asyncio API: awaits `call()`, a coroutine function."""
        start = time.monotonic_ns()
        try:
            value = await call()
        except (Failed, Indeterminate) as outcome:
            return self._report(name, key, start, outcome)
        return self._report(name, key, start, value=value)

    def _report(self, name, key, start, outcome=None, value=None):
        latency = time.monotonic_ns() - start
        if outcome is None:
            self.emit_op(name, key, "ok", latency, value)
            return value
        kind = "fail" if isinstance(outcome, Failed) else "info"
        self.emit_op(name, key, kind, latency, outcome.value, str(outcome))
        return None

    def effect(self, line):
        """Appends one effect line to the --effects file, durable before it returns."""
        path = self.options.get("effects")
        if not path:
            raise Usage("--effects is required by role %s" % self.role)
        if "\n" in line:
            raise ProtocolError("an effect line cannot hold a newline: %r" % line)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            write_line(fd, (line + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def state(self, state):
        """The reader's one state line; `effects` is filled from the --effects file if absent."""
        state = dict(state)
        state.setdefault("effects", effect_counts(self.options.get("effects")))
        for field in ("integrity_problems", "checkpoints", "work_items", "idempotency"):
            state.setdefault(field, [])
        state.setdefault("tasks", {})
        self.emit({"event": "state", "state": state})


class Worker:
    """A worker: the core it judges, its roles (name -> function of a Context), the ops they
    write, and optionally benchmark operations for `bench-worker`: `bench` maps an op name to a
    function of the options (`--backend`, `--db`, `--tag`) that opens what it needs (the load
    phase, not measured) and returns `op(i)`, the call measured once per iteration; `floor`
    names the op that is the storage's own floor (e.g. a bare insert), listed first.
    `backend(options)` names the backend in the ready event and in `--describe` (a spec that
    names your core, e.g. `my-core:sqlite-normal`, so its column stands apart from Ordeal's).
    `fencing_tokens=False` declares a core that gives no fencing token: its lease ops then carry
    no `token`, and the checkers number each item's leases in the order they were acknowledged."""

    def __init__(self, core_name, core_version, roles, ops, bench=None, floor=None, backend=None, fencing_tokens=True):
        self.core_name = core_name
        self.core_version = core_version
        self.roles = dict(roles)
        self.ops = set(ops)
        self.bench = dict(bench or {})
        self.floor = floor
        self.backend = backend
        self.fencing_tokens = fencing_tokens

    def ready_event(self, role, options):
        capabilities = {"roles": sorted(self.roles), "ops": sorted(self.ops)}
        if not self.fencing_tokens:
            capabilities["fencing_tokens"] = False
        return {
            "event": "ready", "pid": os.getpid(), "role": role,
            "backend": self.backend(options) if self.backend else options.get("backend", "sqlite:%s" % options.get("durability", "normal")),
            "versions": {"protocol": PROTOCOL, "kit": "python-" + __version__, "python": sys.version.split()[0]},
            "capabilities": capabilities,
            "core": {"name": self.core_name, "version": self.core_version},
        }

    def run(self, argv, fd=1, err=None):
        """Runs the role `argv` names; returns the exit status."""
        err = err or sys.stderr
        if argv and argv[0] == "bench-worker":
            return run_bench(self, argv[1:], fd, err)
        try:
            role, options = parse_arguments(argv)
            if role not in self.roles:
                raise Usage("unknown role %r; roles: %s" % (role, ", ".join(sorted(self.roles))))
        except Usage as error:
            err.write("%s: %s\n" % (self.core_name, error))
            return 2
        if options.get("die-with-parent", "true") == "true" and not die_with_parent():
            err.write("%s: the parent process is gone; exiting\n" % self.core_name)
            return 1
        ctx = Context(self, role, options, fd)
        try:
            ctx.emit(self.ready_event(role, options))
            self.roles[role](ctx)
        except Usage as error:
            err.write("%s %s: %s\n" % (self.core_name, role, error))
            return 2
        except Exception as error:  # the role cannot go on: exit 1, the runner records it
            err.write("%s %s: %s: %s\n" % (self.core_name, role, type(error).__name__, error))
            return 1
        ctx.emit({"event": "done", "ops": ctx.ops_written})
        return 0

    def main(self, argv=None):
        sys.exit(self.run(sys.argv[1:] if argv is None else argv))


# The bench-worker protocol (docs/bench-worker-protocol.md).

def parse_bench_arguments(argv):
    options, rest = {}, list(argv)
    while rest:
        flag = rest.pop(0)
        if flag == "--describe":
            options["describe"] = "true"
            continue
        if not flag.startswith("--") or not rest:
            raise Usage("bench-worker: expected --NAME VALUE or --describe, got %r" % flag)
        options[flag[2:]] = rest.pop(0)
    if "backend" not in options:
        raise Usage("bench-worker: --backend SPEC is required")
    return options


def run_bench(worker, argv, fd, err):
    """`bench-worker --describe` or `bench-worker --op NAME ...`: returns the exit status."""
    try:
        options = parse_bench_arguments(argv)
        if not worker.bench:
            raise Usage("bench-worker: this worker declares no benchmark operations")
        if "describe" not in options and options.get("op") not in worker.bench:
            raise Usage("bench-worker: --op %s is not an operation of this worker; valid: %s"
                        % (options.get("op"), ", ".join(sorted(worker.bench))))
    except Usage as error:
        err.write("%s\n" % error)
        return 2
    # The start signal must not kill us before we wait for it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    if not die_with_parent():
        return 1
    spec = worker.backend(options) if worker.backend else options["backend"]
    try:
        started = time.monotonic_ns()
        if "describe" in options:
            for setup in worker.bench.values():
                setup(options)
            ops = sorted(worker.bench, key=lambda name: (name != worker.floor, name))
            description = {"spec": spec, "floor": worker.floor, "ops": ops,
                           "loadMillis": (time.monotonic_ns() - started) / 1e6}
            write_line(fd, encode(description))
            return 0
        op = worker.bench[options["op"]](options)
        warmup = int(options.get("warmup", "0"))
        for i in range(warmup):
            op(i)
        write_line(fd, b"ready\n")
        signal.sigwait({signal.SIGUSR1})
        result = measure(op, warmup, options)
        write_line(fd, encode(result))
        return 0
    except Exception as error:
        err.write("bench-worker %s on %s failed: %s: %s\n" % (options.get("op", "--describe"), spec, type(error).__name__, error))
        return 1


def measure(op, first, options):
    """The measuring loop: closed (each call when the last returned) or open (`--rate R` per
    second, latency from each call's intended start, so stalls are not hidden)."""
    iterations = int(options["iterations"]) if "iterations" in options else None
    duration = int(options["duration-ns"]) if "duration-ns" in options else None
    if iterations is None and duration is None:
        raise Usage("bench-worker: --iterations or --duration-ns is required")
    rate = float(options["rate"]) if "rate" in options else None
    samples = []
    start = time.monotonic_ns()
    i = first
    while (iterations is None or len(samples) < iterations) and (duration is None or time.monotonic_ns() - start < duration):
        if rate:
            intended = start + int(len(samples) * 1e9 / rate)
            now = time.monotonic_ns()
            if now < intended:
                time.sleep((intended - now) / 1e9)
            began = intended
        else:
            began = time.monotonic_ns()
        op(i)
        samples.append(max(time.monotonic_ns() - began, 1))
        i += 1
    return {"count": len(samples), "startNanos": start, "endNanos": time.monotonic_ns(), "samplesNanos": samples}
