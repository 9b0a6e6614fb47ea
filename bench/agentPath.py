"""What the agent adds to one Pool task's messages, timed in one process.

    python3 bench/agentPath.py [--tasks N] [--agent DIR]   (npm run bench:agent-path)

A Pool task is four message steps: the parent sends the task (Connection.send on the
task handler), a worker gets it (SimpleQueue.get) and puts its result (SimpleQueue.put),
and the parent receives the result (Connection.recv on the result handler). This runs
those four steps back to back on two real pipes, N times, with the agent's hooks on and
then with every hook removed, and prints the difference per task, best of 7 rounds.
One process, no scheduling and no other process's load in the loop: in a calm hour it
moves by a few percent from run to run, in a noisy one by up to a fifth, where the paired
wall-time ratios of bench/overhead.py move by tens; so it shows the effect of a change to
the hot path that those cannot resolve, compared within one hour.
It does not say what a program's wall time will be: that depends on which process is
the bottleneck (bench/overhead.py measures it).

Where the agent's part goes, by taking pieces out of it in turn: the worker's reads of its
thread's CPU clock (a system call; for tasks this short, one task in 16), then the five
records (the parent's SEND and RECV, the worker's RECV, RUN and SEND).
"""

import argparse
import shutil
import sys
import tempfile
import time

import overhead

ROUNDS = 7


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20000, help="tasks per round")
    parser.add_argument("--agent", default=None, help="directory holding poolscope_agent (default: as bench/overhead.py)")
    options = parser.parse_args()
    options.agent = options.agent or overhead.default_agent()
    sys.path.insert(0, options.agent)
    from poolscope_agent import channel_hooks, install, message_hooks, patching, state

    run_dir = tempfile.mkdtemp(prefix="poolscope-bench-", dir=overhead.run_root())  # records fill it as in a run
    try:
        install.start_main(run_dir, options.agent, None, {"k": "run", "t": state.clock()})
        import multiprocessing
        import multiprocessing.connection as connection
        import multiprocessing.queues as queues

        ctx = multiprocessing.get_context("fork")
        tasks, results = ctx.SimpleQueue(), ctx.SimpleQueue()
        # What Pool's _setup_queues hook marks, and what a worker is between its task and result.
        for end in (tasks._reader, tasks._writer):
            channel_hooks.mark(end, channel_hooks.POOL_TASK, 1)
        for end in (results._reader, results._writer):
            channel_hooks.mark(end, channel_hooks.POOL_RESULT, 2)
        message_hooks.pool_calls[1] = 1
        state.is_worker = True

        def round_us():
            send, recv = connection.Connection.send, connection.Connection.recv
            get, put = queues.SimpleQueue.get, queues.SimpleQueue.put
            t0 = time.perf_counter()
            for i in range(options.tasks):
                send(tasks._writer, (1, i, abs, (i,), {}))
                job, index, _, args, _ = get(tasks)
                put(results, (job, index, (True, args[0])))
                recv(results._reader)
            return (time.perf_counter() - t0) / options.tasks * 1e6

        thread_cpu = message_hooks.thread_cpu
        recorder = type(state.rec)
        writes = recorder.send, recorder.recv, recorder.run

        def hooks(cpu_reads, records):
            message_hooks.thread_cpu = thread_cpu if cpu_reads else _no_cpu
            recorder.send, recorder.recv, recorder.run = writes if records else (_no_record,) * 3

        # The three hooked variants round by round, so that the machine's changing speed hits
        # them alike; the plain one last, as removing the hooks is for good.
        variants = {"hooked": (True, True), "no CPU reads": (False, True), "bare": (False, False)}
        best = dict.fromkeys(variants, float("inf"))
        for _ in range(ROUNDS):
            for name, switches in variants.items():
                hooks(*switches)
                best[name] = min(best[name], round_us())
        hooks(True, True)
        hooked, no_cpu, bare = best["hooked"], best["no CPU reads"], best["bare"]
        state.enabled = False
        patching.restore_all()
        plain = min(round_us() for _ in range(ROUNDS))
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)

    added = hooked - plain
    print("one Pool task's four message steps, in one process (%d tasks, best of %d):" % (options.tasks, ROUNDS))
    print("  %-44s %7.2f us" % ("plain", plain))
    print("  %-44s %7.2f us  (+%.2f us, %.2fx)" % ("with the agent", hooked, added, hooked / plain))
    print("  of the agent's part:")
    print("    %-42s %7.2f us" % ("the worker's CPU-clock reads", hooked - no_cpu))
    print("    %-42s %7.2f us" % ("five records", no_cpu - bare))
    print("    %-42s %7.2f us" % ("the hooks themselves (clocks, dispatch)", bare - plain))
    overhead.bench_line(
        figure="agent's hot path: added per Pool task (in one process)",
        value=added,
        unit="us",
        op="info",
        note="plain %.2f us per task; CPU reads %.2f, records %.2f, hooks %.2f"
        % (plain, hooked - no_cpu, no_cpu - bare, bare - plain),
    )


def _no_record(*args):
    return None


def _no_cpu():
    return 0


if __name__ == "__main__":
    main()
