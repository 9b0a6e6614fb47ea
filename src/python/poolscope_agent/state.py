"""Who this process is, its recorder, and how agent faults are reported.

Module-level names, read by the hooks on every message: a module attribute is the
cheapest shared slot there is. `reset_for_child` runs in every new process.
"""

import os
import sys
import time
from _thread import _local

from . import recorder

clock = time.perf_counter_ns
thread_cpu = time.thread_time_ns
process_cpu = time.process_time_ns


class _ThreadSlots(_local):
    # Connection.send, SimpleQueue.put and Queue._feed pickle a message and then write
    # it on the same thread; recv/get read then unpickle on the same thread. The first
    # half leaves its measurements here for the second half.
    out = None  # (obj, nbytes, t0, t1, cpu at t0)
    inp = None  # ((chan, role), nbytes, t arrived)
    call = None  # the pool call being made on this thread (pool_hooks.Call)
    ending = False  # a pool's close/join/terminate/shutdown is running on this thread
    unprofiled = None  # a child being started runs without the agent: its command (joblib_hooks)


tls = _ThreadSlots()

enabled = False
run_dir = None
agent_dir = None
workers_override = None
chunksize_override = None
pid = 0
agent_start = 0
is_main = False
started_by = None  # how this process began: None (main), 'fork', 'spawn', 'forkserver'
role = "unknown"
name = None
parent_pid = None
agent_code = "source"  # 'cache' when a spawn child loaded the agent's marshalled code
rec = None
run_meta = None  # the main's `run` META (launcher), written first in its file
exit_code = None
exit_written = False
user_end_written = False  # a Process child's `user-end` META
# A pool or executor worker, between receiving a task and pickling its result:
is_worker = False
# (task chan, job, index, compute start, then: thread cpu, run-queue wait, process cpu (-1: not
# read), blocked, blocked_wait; RUN flags, gc_ns then): message_hooks.open_task
task = None
task_open = False
task_cpu = False  # the open task reads the thread's CPU clock (message_hooks.open_task)
task_full = False  # the open task also reads its run-queue wait and process CPU (open_task)
end_wait = end_pcpu = -1  # those two read as the task's result starts pickling
last_compute = 1 << 62  # ns the worker's last task computed (none yet: as if long)
reads_skipped = 0  # tasks since the last one read in full
# Time blocked inside multiprocessing calls (blocking.py): counted on this thread only.
block_thread = None
block_depth = 0
blocked = 0  # ns, in all
block_waits = False  # also read the run-queue wait around each such call
blocked_wait = 0  # ns of run-queue wait inside them, where read
block_cpu = False  # also read the thread's CPU clock around them (the main process)
blocked_cpu = 0  # ns of CPU inside them, where read
user_cpu_frozen = 0  # the thread's CPU outside them as the current one began
user_wall_frozen = 0  # clock() less the time inside them, as the current one began
item_skips = 0  # per-item calls to come that go unread (blocking.ITEM_SKIPS)
counting_faults = False  # also read the thread's page faults around them (faults.py)
blocked_faults = 0  # page faults inside them, once counted
block_f0 = -1  # the fault count as the current one began; -1: not read
user_faults_frozen = 0  # the faults outside them as the current one began
faults_base = 0  # the thread's fault count when counting began
user_wait = -1  # a Process child's run-queue wait when it reached user code (sched.run_delay)
gc_ns = 0  # ns a worker spent in garbage collection inside its tasks (blocking.gc_callback)
gc_started = 0  # when the collection under way began, inside a task; 0: none
# The manager's server process: all its traffic is the manager's own.
no_user_messages = False
call_ids = 0
# A joblib Parallel() call in progress (joblib_hooks): the tasks its backend hands out, on
# whichever thread (joblib dispatches the next batch from the pool's result thread), are its.
outer_call = None

_errors_reported = 0
_MAX_ERROR_METAS = 20


def start(run_dir_, agent_dir_, started_by_, workers=None, chunksize=None):
    global enabled, run_dir, agent_dir, started_by, workers_override, chunksize_override
    run_dir, agent_dir, started_by, workers_override = run_dir_, agent_dir_, started_by_, workers
    chunksize_override = chunksize
    _new_identity()
    enabled = True


def reset_for_child(started_by_):
    """A forked child: a new identity and file; only the forking thread survived."""
    global started_by, is_main, role, name, parent_pid, exit_code, exit_written, user_end_written
    global task, task_open, task_cpu, task_full, end_wait, end_pcpu, last_compute, reads_skipped
    global call_ids, is_worker, no_user_messages, block_thread, block_depth, blocked, user_wait
    global block_waits, blocked_wait, block_cpu, blocked_cpu, gc_ns, gc_started, outer_call
    global counting_faults, blocked_faults, block_f0, user_faults_frozen, faults_base, item_skips
    old = rec
    started_by, is_main = started_by_, False
    role, name, parent_pid = "unknown", None, None
    exit_code, exit_written, user_end_written, task, task_open, call_ids = None, False, False, None, False, 0
    task_cpu, task_full, end_wait, end_pcpu, last_compute, reads_skipped = False, False, -1, -1, 1 << 62, 0
    block_thread, block_depth, blocked, user_wait, block_waits, blocked_wait = None, 0, 0, -1, False, 0
    block_cpu, blocked_cpu, gc_ns, gc_started = False, 0, 0, 0
    counting_faults, blocked_faults, block_f0, user_faults_frozen, faults_base = False, 0, -1, 0, 0
    item_skips = 0
    is_worker = no_user_messages = False
    tls.out = tls.inp = tls.call = tls.unprofiled = None
    outer_call = None
    _new_identity()
    if old is not None:
        old.forget_after_fork()


def _new_identity():
    global pid, agent_start, rec
    pid = os.getpid()
    agent_start = clock()
    rec = recorder.Recorder(run_dir, pid, agent_start, _first_records)


def _first_records():
    first = []
    if is_main and run_meta is not None:
        first.append(run_meta)
    first.append(process_meta())
    return first



def process_meta():
    return {
        "k": "process",
        "t": agent_start,
        "pid": pid,
        "ppid": os.getppid(),
        "parentPid": parent_pid,
        "role": role,
        "name": name,
        "startMethod": started_by,
        "mono": clock(),
        "wall": time.time_ns(),
        "agentStart": agent_start,
        "agentCode": agent_code,
    }


def meta(kind, t=None, **fields):
    """Writes a META record; `t` defaults to now."""
    if not enabled:
        return
    fields["k"] = kind
    fields["t"] = clock() if t is None else t
    rec.meta(fields)


def next_call_id():
    global call_ids
    call_ids += 1
    return call_ids


def agent_error(exc, where=""):
    """An agent fault: said once on stderr, kept as META; the program goes on."""
    global _errors_reported
    _errors_reported += 1
    text = "%s%s: %s" % (where + ": " if where else "", type(exc).__name__, exc)
    if _errors_reported == 1:
        try:
            sys.stderr.write("poolscope: agent error: %s (the program goes on)\n" % text)
        except (OSError, ValueError):
            pass  # stderr closed: the META below still says it
    if _errors_reported <= _MAX_ERROR_METAS:
        try:
            meta("agent-error", message=text[:2000])
        except Exception:  # noqa: BLE001 - the recorder itself failed; stderr already has it
            pass
