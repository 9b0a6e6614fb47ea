"""One realistic program per start method: Pool (map with chunksize 1 and 100,
imap_unordered, apply_async, starmap, a failing apply), ProcessPoolExecutor (submit,
map), Process + Queue with None sentinels, and a Manager dict. Each test checks one
part of what the agent recorded against what the program itself saw.

The `default-forkserver` run is Python 3.14's Linux default on the interpreter at hand:
the program names no start method and a sitecustomize makes the default context
forkserver in every process, as 3.14's multiprocessing/context.py does at import."""

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest

from conftest import LAUNCHER, PYTHON, PYTHON_VERSION, START_METHODS, line_of, run_to_the_end
from trace_reader import (
    KIND_CONTROL,
    KIND_EXEC_RESULT,
    KIND_EXEC_TASK,
    KIND_MESSAGE,
    KIND_POOL_RESULT,
    KIND_POOL_TASK,
    Run,
)

NO_CPU = 2**64 - 1  # RUN: a clock not read

ITEM = 10_000  # bytes per payload: pickle framing is then well under 1 %

WORKLOAD = '''\
import json, os, sys
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

ITEM = %d


def payload(i):
    return bytes([i %% 256]) * ITEM


def work(x):
    return os.getpid(), len(x)


def work2(x, extra):
    return os.getpid(), len(x) + extra


def fail(x):
    raise ValueError("bad %%d" %% x)


def consumer(tasks, results):
    while True:
        item = tasks.get()
        if item is None:
            break
        results.put((os.getpid(), len(item)))


if __name__ == "__main__":
    # "default": the module's own functions, as a program that never picks a method calls them
    ctx = mp if sys.argv[1] == "default" else mp.get_context(sys.argv[1])
    facts = {}
    items = [payload(i) for i in range(20)]
    with ctx.Pool(2) as pool:  # @pool
        facts["pool_pids"] = sorted(p.pid for p in pool._pool)
        facts["map1"] = pool.map(work, items, chunksize=1)  # @map1
        facts["map100"] = pool.map(work, [payload(i) for i in range(200)], chunksize=100)  # @map100
        facts["imap"] = sorted(pool.imap_unordered(work, items))  # @imap
        facts["apply"] = pool.apply_async(work, (items[3],)).get()  # @apply_async
        facts["starmap"] = pool.starmap(work2, [(items[i], i) for i in range(10)])  # @starmap
        try:
            pool.apply(fail, (7,))  # @fail
        except ValueError as e:
            facts["fail"] = str(e)
        print("pool", sum(n for _, n in facts["map1"]), sum(n for _, n in facts["starmap"]))
    with ProcessPoolExecutor(2, mp_context=None if ctx is mp else ctx) as ex:  # @executor
        futures = [ex.submit(work, items[i]) for i in range(5)]  # @submit
        facts["submit"] = [f.result() for f in futures]
        facts["exmap"] = list(ex.map(work, items, chunksize=4))  # @exmap
        print("executor", sum(n for _, n in facts["exmap"]))
    tasks = ctx.Queue()  # @tasks
    results = ctx.Queue()  # @results
    procs = [ctx.Process(target=consumer, args=(tasks, results)) for _ in range(2)]
    for p in procs:
        p.start()  # @pstart
    for i in range(10):
        tasks.put(payload(i))
    for _ in procs:
        tasks.put(None)
    facts["consumed"] = [results.get() for _ in range(10)]
    for p in procs:
        p.join()
    facts["consumers"] = sorted(p.pid for p in procs)
    print("queue", sum(n for _, n in facts["consumed"]))
    with ctx.Manager() as manager:
        shared = manager.dict()
        shared["a"] = 1  # @mgr
        shared["b"] = 2
        print("manager", shared["a"] + shared["b"])
    facts["start_method"] = ctx.get_start_method()
    with open(sys.argv[2], "w") as f:
        json.dump(facts, f)
''' % ITEM

# 3.14's DefaultContext(_concrete_contexts['forkserver']) on an older interpreter: the same
# DefaultContext object, so `multiprocessing.Pool` & co. (its bound methods) follow it.
FORKSERVER_DEFAULT = """\
import multiprocessing.context as context
context._default_context._default_context = context._concrete_contexts["forkserver"]
"""


class Result:
    def __init__(self, script, method, done, run, facts, plain, default):
        self.script, self.method, self.done, self.run, self.facts, self.plain = script, method, done, run, facts, plain
        self.default = default  # the program named no method: `method` is the default it got

    def line(self, marker):
        return line_of(self.script, "# @" + marker)

    def call(self, marker):
        calls = [m for m in self.run.main.metas("call") if m["line"] == self.line(marker)]
        assert len(calls) == 1, "one call META at %s, found %s" % (marker, calls)
        return calls[0]

    def sends(self, kind, call=None, stream=None):
        streams = [stream] if stream else self.run.streams.values()
        return [
            r for s in streams for r in s.of("SEND") if r["kind"] == kind and (call is None or r["call"] == call["id"])
        ]


@pytest.fixture(scope="module", params=START_METHODS + ["default-forkserver"])
def workload(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("workload-" + request.param)
    script = str(tmp / "workload.py")
    with open(script, "w") as f:
        f.write(WORKLOAD)
    method, arg, env = request.param, request.param, dict(os.environ)
    if request.param == "default-forkserver":
        method, arg = "forkserver", "default"
        site = tmp / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(FORKSERVER_DEFAULT)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    run_dir = tempfile.mkdtemp(prefix="poolscope-test-", dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    facts_path = str(tmp / "facts.json")
    done = run_to_the_end(
        [PYTHON, LAUNCHER, script, arg, facts_path], timeout=180, env=dict(env, POOLSCOPE_RUN_DIR=run_dir), cwd=str(tmp)
    )
    assert done.returncode == 0, done.stderr.decode()
    plain_path = str(tmp / "plain.json")
    plain = subprocess.run([PYTHON, script, arg, plain_path], capture_output=True, timeout=180, cwd=str(tmp), env=env)
    assert plain.returncode == 0, plain.stderr.decode()
    with open(facts_path) as f:
        facts = json.load(f)
    with open(plain_path) as f:
        # The program itself, with and without the agent, ran with the method under test.
        assert facts["start_method"] == json.load(f)["start_method"] == method
    yield Result(script, method, done, Run(run_dir), facts, plain, arg == "default")
    shutil.rmtree(run_dir, ignore_errors=True)


def _key(record):
    return (record["chan"], record["job"], record["index"])


def test_stdout_and_exit_code_match_a_plain_run(workload):
    assert workload.plain.returncode == workload.done.returncode == 0
    assert workload.done.stdout == workload.plain.stdout
    assert b"poolscope" not in workload.done.stderr, workload.done.stderr.decode()


def test_run_meta_names_the_default_start_method(workload):
    (run_meta,) = workload.run.main.metas("run")
    if workload.default:
        assert run_meta["startMethod"] == "forkserver"
    else:  # the platform's default, whichever method the program then asks for
        assert run_meta["startMethod"] == ("forkserver" if PYTHON_VERSION >= (3, 14) else "fork")


def test_every_process_has_one_stream_and_a_role(workload):
    run = workload.run
    assert run.main.process["pid"] > 0
    workers = run.with_role("pool-worker")
    assert {s.pid for s in workers} <= set(workload.facts["pool_pids"])
    reaped = {m["child"]: m["code"] for m in run.main.metas("reaped")}
    for pid in workload.facts["pool_pids"]:
        # A spawn worker still booting when `with Pool()` terminates it never learnt
        # its role, or never even got to the agent.
        streams = run.by_pid(pid)
        assert len(streams) <= 1
        if not streams or streams[0].role != "pool-worker":
            assert reaped[pid] == -signal.SIGTERM
    assert len(run.with_role("executor-worker")) >= 1
    assert sorted(s.pid for s in run.with_role("process")) == workload.facts["consumers"]
    assert len(run.with_role("manager")) == 1
    for stream in run.streams.values():
        assert not stream.corrupt
        process = stream.process
        assert process["pid"] == stream.pid
        if stream.role in ("pool-worker", "executor-worker", "process", "manager"):
            assert stream.metas("role")[0]["parentPid"] == run.main.pid
            assert process["startMethod"] == workload.method
            assert stream.metas("user-start")
    started = {m["child"]: m for m in run.main.metas("start")}
    for stream in workers:
        assert started[stream.pid]["startMethod"] == workload.method
        assert started[stream.pid]["t0"] <= started[stream.pid]["t1"]


def test_pool_meta_points_at_the_users_line(workload):
    pools = workload.run.main.metas("pool")
    pool = next(p for p in pools if p["api"] == "Pool")
    assert pool["workers"] == 2
    assert pool["startMethod"] == workload.method
    assert (pool["file"], pool["line"]) == (workload.script, workload.line("pool"))
    workers = workload.run.with_role("pool-worker")
    assert {s.metas("role")[0]["pool"] for s in workers} == {pool["id"]}


@pytest.mark.parametrize(
    "marker, api, chunksize, items, chunks",
    [
        ("map1", "map", 1, 20, 20),
        ("map100", "map", 100, 200, 2),
        ("imap", "imap_unordered", 1, None, 20),
        ("apply_async", "apply_async", 1, 1, 1),
        ("starmap", "starmap", 2, 10, 5),  # the default: ceil(10 / (2 workers * 4))
        ("fail", "apply", 1, 1, 1),
    ],
)
def test_pool_calls_and_their_tasks(workload, marker, api, chunksize, items, chunks):
    call = workload.call(marker)
    assert (call["api"], call["chunksize"], call["items"]) == (api, chunksize, items)
    assert call["file"] == workload.script
    sends = workload.sends(KIND_POOL_TASK, call)
    assert len(sends) == chunks
    assert all(s["job"] == call["job"] and s["chan"] == call["pool"] for s in sends)
    assert sorted(s["index"] for s in sends) == list(range(chunks))
    if items is not None:
        assert sum(s["items"] for s in sends) == items
    if api in ("map", "starmap", "apply"):
        ends = [m for m in workload.run.main.metas("call-end") if m["id"] == call["id"]]
        assert len(ends) == 1 and ends[0]["t"] >= call["t"]


def test_each_pool_task_is_linked_from_send_to_result(workload):
    run = workload.run
    parent_sends = {_key(r): r for r in run.main.of("SEND") if r["kind"] == KIND_POOL_TASK}
    parent_recvs = {_key(r): r for r in run.main.of("RECV") if r["kind"] == KIND_POOL_RESULT}
    assert len(parent_recvs) == len(parent_sends) == 20 + 2 + 20 + 1 + 5 + 1
    ran, answered = {}, {}
    for worker in run.with_role("pool-worker"):
        recvs = {_key(r): r for r in worker.of("RECV") if r["kind"] == KIND_POOL_TASK}
        runs = {_key(r): r for r in worker.of("RUN")}
        assert set(recvs) == set(runs)
        for key, recv in recvs.items():
            sent = parent_sends[key]
            assert recv["bytes"] == sent["bytes"]  # the same message, seen from both ends
            assert sent["t0"] <= sent["t1"] <= sent["t2"] and recv["t0"] <= recv["t1"]
            assert sent["t1"] <= recv["t0"]  # one clock for every process
            task = runs[key]
            assert recv["t1"] <= task["t0"] <= task["t1"]
            if task["wait"] == NO_CPU:  # compute starts as unpickling ends ...
                assert recv["t1"] == task["t0"]
            else:  # ... or once the worker has read its clocks (docs/trace-format.md, RUN)
                assert task["t0"] - recv["t1"] < 5_000_000
            ran[key[1:]] = (worker.pid, runs[key])
        for result in (r for r in worker.of("SEND") if r["kind"] == KIND_POOL_RESULT):
            answered[(result["job"], result["index"])] = result
            assert ran[(result["job"], result["index"])][0] == worker.pid
            assert result["t0"] == ran[(result["job"], result["index"])][1]["t1"]
            got = parent_recvs[_key(result)]
            assert got["bytes"] == result["bytes"] and got["ok"] == result["ok"]
            assert result["t1"] <= got["t0"]  # t2 may come later: the writer can be descheduled
    # Every result the parent got was computed (RUN) by a worker. Its SEND record is
    # written once the write returns: a worker SIGTERMed by `with Pool()` right after
    # its last result may not get to it. Nothing else may be missing.
    assert {key[1:] for key in parent_recvs} == set(ran)
    missing = set(ran) - set(answered)
    assert len(missing) <= len(run.with_role("pool-worker"))


def test_tasks_run_on_the_pids_the_program_saw(workload):
    facts, run = workload.facts, workload.run
    seen_by_tasks = {pid for pid, _ in facts["map1"] + facts["imap"] + facts["starmap"]}
    running = {s.pid for s in run.with_role("pool-worker") if s.of("RUN")}
    assert seen_by_tasks <= set(facts["pool_pids"])
    assert running <= set(facts["pool_pids"])
    # map1: each item ran where the program saw it run.
    call = workload.call("map1")
    where = {}
    for worker in run.with_role("pool-worker"):
        for r in worker.of("RUN"):
            if r["job"] == call["job"]:
                where[r["index"]] = worker.pid
    assert [where[i] for i in range(20)] == [pid for pid, _ in facts["map1"]]


def test_pickled_sizes_match_pickle_dumps(workload):
    call = workload.call("map1")
    for send in workload.sends(KIND_POOL_TASK, call):
        expected = len(pickle.dumps(bytes([send["index"] % 256]) * ITEM))
        assert abs(send["bytes"] - expected) <= 0.01 * expected, (send["bytes"], expected)
    call = workload.call("map100")
    for send in workload.sends(KIND_POOL_TASK, call):
        expected = sum(len(pickle.dumps(bytes([i % 256]) * ITEM)) for i in range(100))
        assert abs(send["bytes"] - expected) <= 0.01 * expected, (send["bytes"], expected)


def test_task_errors_are_reported_by_the_worker(workload):
    call = workload.call("fail")
    errors = [(s, m) for s, m in workload.run.metas("task-error") if m["job"] == call["job"]]
    assert len(errors) == 1
    stream, error = errors[0]
    assert stream.role == "pool-worker"
    assert (error["type"], error["message"]) == ("ValueError", "bad 7")
    assert error["chan"] == call["pool"]
    (ran,) = [r for r in stream.of("RUN") if r["job"] == call["job"]]
    assert error["t"] >= ran["t1"]
    # Its SEND comes after the write; the pool is terminated right after this result,
    # which may kill the worker first (see test_each_pool_task_is_linked...).
    results = [r for r in stream.of("SEND") if r["kind"] == KIND_POOL_RESULT and r["job"] == call["job"]]
    assert [r["ok"] for r in results] in ([0], [])
    (got,) = [r for r in workload.run.main.of("RECV") if r["kind"] == KIND_POOL_RESULT and r["job"] == call["job"]]
    assert got["ok"] == 0
    assert workload.facts["fail"] == "bad 7"


def test_executor_submit_and_map(workload):
    run = workload.run
    executor = next(p for p in run.main.metas("pool") if p["api"] == "ProcessPoolExecutor")
    assert executor["workers"] == 2 and executor["line"] == workload.line("executor")
    submits = [m for m in run.main.metas("call") if m["api"] == "submit"]
    assert len(submits) == 5 and {m["line"] for m in submits} == {workload.line("submit")}
    assert sorted(m["job"] for m in submits) == list(range(5))
    for call in submits:
        sends = workload.sends(KIND_EXEC_TASK, call)
        assert [(s["job"], s["items"]) for s in sends] == [(call["job"], 1)]
    exmap = workload.call("exmap")
    assert (exmap["api"], exmap["chunksize"], exmap["items"], exmap["job"]) == ("executor.map", 4, 20, 5)
    sends = workload.sends(KIND_EXEC_TASK, exmap)
    assert sorted(s["job"] for s in sends) == [5, 6, 7, 8, 9]
    assert [s["items"] for s in sends] == [4] * 5
    end = [m for m in run.main.metas("call-end") if m["id"] == exmap["id"]]
    assert len(end) == 1 and end[0]["items"] == 20
    # Worker side: every work item received, run and answered; the parent got them all.
    done = {}
    for worker in run.with_role("executor-worker"):
        recvs = {r["job"] for r in worker.of("RECV") if r["kind"] == KIND_EXEC_TASK}
        runs = {r["job"]: r for r in worker.of("RUN")}
        assert recvs == set(runs)
        for r in worker.of("SEND"):
            if r["kind"] == KIND_EXEC_RESULT:
                done[r["job"]] = worker.pid
                assert r["ok"] == 1 and runs[r["job"]]["chan"] == executor["id"]
    assert sorted(done) == list(range(10))
    got = [r["job"] for r in run.main.of("RECV") if r["kind"] == KIND_EXEC_RESULT]
    assert sorted(got) == list(range(10))
    pids = [pid for pid, _ in workload.facts["submit"]]
    assert pids == [done[i] for i in range(5)]


def test_queue_messages_and_sentinels(workload):
    run = workload.run
    channels = {m["line"]: m for m in run.main.metas("channel")}
    tasks, results = channels[workload.line("tasks")], channels[workload.line("results")]
    assert tasks["api"] == results["api"] == "Queue"
    assert tasks["chan"] == tasks["peer"] and tasks["file"] == workload.script
    sent = [r for r in run.main.of("SEND") if r["chan"] == tasks["chan"]]
    assert [r["kind"] for r in sent] == [KIND_MESSAGE] * 12
    expected = [len(pickle.dumps(bytes([i % 256]) * ITEM)) for i in range(10)] + [len(pickle.dumps(None))] * 2
    assert [r["bytes"] for r in sent] == expected
    consumers = run.with_role("process")
    received = [r for s in consumers for r in s.of("RECV") if r["chan"] == tasks["chan"]]
    assert sorted(r["bytes"] for r in received) == sorted(expected)
    answers = [r for s in consumers for r in s.of("SEND") if r["chan"] == results["chan"]]
    got = [r for r in run.main.of("RECV") if r["chan"] == results["chan"]]
    assert len(answers) == len(got) == 10
    assert sorted(r["bytes"] for r in answers) == sorted(r["bytes"] for r in got)
    by_pid = {s.pid: len([r for r in s.of("SEND") if r["chan"] == results["chan"]]) for s in consumers}
    seen = {pid: 0 for pid in by_pid}
    for pid, _ in workload.facts["consumed"]:
        seen[pid] += 1
    assert by_pid == seen
    for stream in consumers:
        assert stream.metas("exit")[0]["code"] == 0
        assert stream.metas("role")[0]["target"] == "__main__.consumer" or stream.metas("role")[0][
            "target"
        ].endswith(".consumer")


def test_process_start_names_the_users_line(workload):
    consumers = {s.pid for s in workload.run.with_role("process")}
    starts = [m for m in workload.run.main.metas("start") if m["child"] in consumers]
    assert len(starts) == 2
    assert {(m["file"], m["line"]) for m in starts} == {(workload.script, workload.line("pstart"))}


def test_manager_calls_and_no_manager_traffic_as_messages(workload):
    run = workload.run
    calls = [m for m in run.main.metas("mgr")]
    methods = [m["method"] for m in calls]
    assert methods.count("dict.__setitem__") == 2 and methods.count("dict.__getitem__") == 2
    assert all(m["ok"] and m["t0"] <= m["t1"] for m in calls)
    user_chans = {m["chan"] for m in run.main.metas("channel")} | {m["peer"] for m in run.main.metas("channel")}
    for stream in run.streams.values():
        for r in stream.of("SEND") + stream.of("RECV"):
            if r["kind"] == KIND_MESSAGE:
                assert r["chan"] in user_chans, (stream.role, r)
    manager = run.with_role("manager")[0]
    assert not manager.of("SEND") and not manager.of("RECV")


def test_exit_and_reaped(workload):
    run = workload.run
    main_exit = run.main.metas("exit")
    assert len(main_exit) == 1 and main_exit[0]["code"] == 0 and main_exit[0]["maxRss"] > 0
    reaped = {m["child"]: m["code"] for m in run.main.metas("reaped")}
    for pid in workload.facts["consumers"]:
        assert reaped[pid] == 0
    for pid in workload.facts["pool_pids"]:
        assert pid in reaped  # 0 or -15: `with Pool()` ends with terminate()
    controls = [r for r in run.main.of("SEND") if r["kind"] == KIND_CONTROL]
    assert controls  # the sentinels that stop pool and executor workers


def test_children_do_not_compile_the_agent(workload):
    main_code = workload.run.main.process["agentCode"]
    assert main_code in ("cache", "compiled")
    for stream in workload.run.streams.values():
        if stream.role != "main":
            # spawn/forkserver: the run directory's code file; fork: inherited from the main
            expected = main_code if workload.method == "fork" else "cache"
            assert stream.process["agentCode"] == expected, stream.role
