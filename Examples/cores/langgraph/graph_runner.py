"""The task-runner role of the LangGraph adapter: a LangGraph graph run as durable execution.

What a LangGraph user writes for durable execution (https://docs.langchain.com/oss/python/langgraph/durable-execution):
a StateGraph compiled with a checkpointer, invoked with a thread id; after a failure, "executing
the workflow with the same thread identifier by providing it with a `None` as the input value".
Here:
  * the graph is a chain START -> step_0 -> ... -> step_{N-1} -> END (N = --steps); each node
    sleeps --step-ms (the work), appends its effect line `TASK:i` (ctx.effect, fsynced) and
    returns its state update {"done": i + 1, "snapshot": "[TASK step i written by PID]"};
  * it is compiled with the adapter's saver (SqliteSaver on --db) and streamed with
    thread_id = --task, durability="sync" (the documented mode that "writes every checkpoint
    before continuing execution"), stream_mode="checkpoints";
  * a restarted worker finds the thread's checkpoint (graph.get_state) and streams None on the
    same thread id, as the docs say; a thread without a checkpoint starts with its input.

Mapping of Ordeal's values (README.md, "The task-runner role"):
  * LangGraph numbers a thread's checkpoints by superstep, metadata.step: -1 for the input
    checkpoint, 0 after START, i + 1 after node step_i. Ordeal's seq must run 1...n, so
    seq = metadata.step + 2 (a relabelling: seq is the checkpoint's position in the thread, one
    checkpoint per superstep). Node step_i's checkpoint is seq i + 3.
  * task.step {step: i, seq: i + 3, snapshot}: reported when the stream yields the checkpoint
    that holds node step_i's update, only if that node ran in this process, and only after
    saver.get_tuple returns that very checkpoint id (read back through the library);
    snapshot is the checkpoint's `snapshot` value as LangGraph handed it to the saver.
  * task.finish {first_step, resumed_from_seq, steps_run}: first_step = the first node that
    ran in this process (N when none ran: the thread had finished); resumed_from_seq = the seq
    of the checkpoint graph.get_state returned before streaming None (null on a fresh start);
    steps_run = the task.step acknowledged by this process.
"""

import os
import time
from typing import TypedDict


DURABILITY = "sync"
SEQ_OFFSET = 2  # seq = metadata.step + 2: LangGraph's first checkpoint (the input) is step -1
GRAPH_SOURCES = ("input", "loop", "fork")  # metadata.source of the checkpoints a graph run writes


class TaskState(TypedDict):
    task: str
    steps: int
    done: int  # nodes run so far
    snapshot: str  # what the last node produced: the step's snapshot


def node_name(i):
    return "step_%d" % i


def build_graph(steps, work):
    """The chain of `steps` nodes; node i calls work(i, state) and returns its update."""
    # Imported here, not at the top: the checkpoint-writer and reader roles (100 processes in
    # stress-100-tasks) do not pay for importing the graph runtime.
    from langgraph.graph import END, START, StateGraph

    builder = StateGraph(TaskState)
    previous = START
    for i in range(steps):
        builder.add_node(node_name(i), (lambda i: lambda state: work(i, state))(i))
        builder.add_edge(previous, node_name(i))
        previous = node_name(i)
    builder.add_edge(previous, END)
    return builder


def thread_config(task):
    return {"configurable": {"thread_id": task}}


def snapshot_text(task, i):
    return "[%s step %d written by %d]" % (task, i, os.getpid())


def is_graph_checkpoint(metadata):
    """Whether a checkpoint was written by a graph run (the writer role's are source "update")."""
    return metadata.get("source") in GRAPH_SOURCES


def seq_of(metadata):
    return metadata["step"] + SEQ_OFFSET


def task_runner(ctx, saver):
    task = ctx.opt_str("task", "task-1")
    steps = ctx.opt_int("steps", 10)
    step_ms = ctx.opt_int("step-ms", 0)
    ran = []  # the nodes that ran in this process, in order

    def work(i, state):
        # A node: its work, its side effect (durable before the node returns), its update.
        ran.append(i)
        time.sleep(step_ms / 1000)
        ctx.effect("%s:%d" % (task, i))
        return {"done": i + 1, "snapshot": snapshot_text(task, i)}

    graph = build_graph(steps, work).compile(checkpointer=saver)
    config = thread_config(task)
    head = graph.get_state(config)
    started = head.config.get("configurable", {}).get("checkpoint_id") is not None
    if started:
        # Resume as documented: the same thread id, None as the input.
        inputs, resumed_from = None, seq_of(head.metadata)
    else:
        inputs, resumed_from = {"task": task, "steps": steps, "done": 0, "snapshot": ""}, None
    acked = 0
    for event in graph.stream(inputs, config, stream_mode="checkpoints", durability=DURABILITY):
        metadata = event["metadata"]
        i = metadata["step"] - 1  # the node whose update this checkpoint holds
        if metadata.get("source") != "loop" or i < 0 or i not in ran:
            continue  # the input checkpoint, START's, or one loaded, not made, here
        checkpoint_id = event["config"]["configurable"]["checkpoint_id"]
        value = {"step": i, "seq": seq_of(metadata), "snapshot": event["values"]["snapshot"],
                 "checkpoint_id": checkpoint_id}

        def confirm(checkpoint_id=checkpoint_id, value=value):
            # durability="sync" put it before this event; acknowledge only what the saver
            # returns from its store.
            stored = saver.get_tuple({"configurable": {"thread_id": task, "checkpoint_ns": "", "checkpoint_id": checkpoint_id}})
            if stored is None:
                raise RuntimeError("the stream yielded checkpoint %s, which the saver does not return" % checkpoint_id)
            return value
        ctx.op("task.step", task, confirm)
        acked += 1
    ctx.op("task.finish", task, lambda: {"state": "succeeded", "first_step": ran[0] if ran else steps,
                                         "resumed_from_seq": resumed_from, "steps_run": acked})


def thread_status(saver, task, values):
    """The reader's `tasks` entry for a graph thread: succeeded when LangGraph has nothing left
    to run on it (graph.get_state(...).next is empty), else running. The chain's length is the
    task's own `steps` value, read from its latest checkpoint."""
    steps = values.get("steps")
    if steps is None:
        steps = values.get("__start__", {}).get("steps") if isinstance(values.get("__start__"), dict) else None
    if not isinstance(steps, int):
        return "unknown"
    graph = build_graph(steps, lambda i, state: {}).compile(checkpointer=saver)
    return "running" if graph.get_state(thread_config(task)).next else "succeeded"
