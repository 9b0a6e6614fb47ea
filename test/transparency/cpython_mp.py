"""Transparency check: CPython's own multiprocessing tests, plain and under PoolScope.

    python3 test/transparency/cpython_mp.py [fork] [spawn] [forkserver]

For each start method, runs the test classes below (from the interpreter's
test/_test_multiprocessing.py, installed by mp_suite.py) once plainly and once through
the PoolScope launcher, exactly as `poolscope profile` starts a program, and compares
the sets of passed / failed / skipped test ids. Prints `N passed, N failed, N skipped`
for both runs and exits 1 on any difference. POOLSCOPE_AGENT_DIR=dist/python checks
the built agent; POOLSCOPE_TEST_PYTHON picks another interpreter (it must ship the
`test` package). A class that interpreter's suite lacks is left out, and said so.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
AGENT_DIR = os.path.abspath(os.environ.get("POOLSCOPE_AGENT_DIR") or os.path.join(ROOT, "src", "python"))
LAUNCHER = os.path.join(AGENT_DIR, "poolscope_launch.py")
PYTHON = os.environ.get("POOLSCOPE_TEST_PYTHON") or sys.executable
SUITE = os.path.join(HERE, "mp_suite.py")
VERSION = subprocess.run(
    [PYTHON, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True, check=True
).stdout.strip()
TIMEOUT_S = 600
# The classes below start well over a hundred processes; far fewer recorded means the
# agent was not installed in the children and the comparison would prove nothing.
MIN_RECORDED_PROCESSES = 100
# A test whose outcome differs is run this many more times each way (see recheck).
RECHECKS = 2

# What issue 6 asks for (Pool, Queue, Process, Manager, Connection, Event, Value, Array),
# for processes and, where CPython has them, for manager proxies; plus the classes that
# pass plainly in a few seconds on a 2-core machine. Left out for time alone (each 3-10 s
# of mostly sleeping, per start method and run): TestCondition, TestBarrier, TestPoll,
# TestFinalize and TestWait.
CLASSES = [
    "WithProcessesTestProcess",
    "WithProcessesTestSubclassingProcess",
    "WithProcessesTestQueue",
    "WithProcessesTestPool",
    "WithProcessesTestPoolWorkerErrors",
    "WithProcessesTestPoolWorkerLifetime",
    "WithProcessesTestEvent",
    "WithProcessesTestValue",
    "WithProcessesTestArray",
    "WithProcessesTestSharedCTypes",
    "WithProcessesTestLock",
    "WithProcessesTestSemaphore",
    "WithProcessesTestConnection",
    "WithProcessesTestPicklingConnections",
    "WithProcessesTestListener",
    "WithProcessesTestListenerClient",
    "WithManagerTestMyManager",
    "WithManagerTestContainers",
    "WithManagerTestQueue",
    "WithManagerTestPool",
    "WithManagerTestEvent",
    "WithManagerTestManagerRestart",
    "WithManagerTestRemoteManager",
    "TestSyncManagerTypes",
    "TestSimpleQueue",
    "TestInitializers",
    "TestPoolNotLeakOnFailure",
]


def run_suite(method, instrumented, work, tests=CLASSES):
    out = os.path.join(work, "%s-%s.json" % (method, "agent" if instrumented else "plain"))
    if os.path.exists(out):
        os.unlink(out)
    env = dict(os.environ, MP_SUITE_START_METHOD=method)
    cmd = [PYTHON, SUITE, out] + list(tests)
    run_dir = None
    if instrumented:
        run_dir = tempfile.mkdtemp(prefix="poolscope-cpython-", dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
        env["POOLSCOPE_RUN_DIR"] = run_dir
        cmd = [PYTHON, LAUNCHER] + cmd[1:]
    started = time.monotonic()
    streams = 0
    try:
        done = subprocess.run(cmd, env=env, cwd=work, capture_output=True, text=True, timeout=TIMEOUT_S)
        if run_dir:
            # One event file per recorded process (ev-PID-START.SEGMENT.bin): proof that
            # the agent was really there, in the children too.
            streams = len({name.rsplit(".", 2)[0] for name in os.listdir(run_dir) if name.startswith("ev-")})
    finally:
        if run_dir:
            shutil.rmtree(run_dir, ignore_errors=True)
    seconds = time.monotonic() - started
    outcomes, missing = {}, []
    if os.path.exists(out):
        with open(out) as f:
            written = json.load(f)
        outcomes, missing = written["outcomes"], written["missing"]
    return done, outcomes, seconds, streams, missing


def counts(outcomes):
    values = list(outcomes.values())
    return "%d passed, %d failed, %d skipped" % tuple(values.count(k) for k in ("passed", "failed", "skipped"))


def compare(method, work):
    plain, plain_out, plain_s, _, missing = run_suite(method, False, work)
    agent, agent_out, agent_s, streams, _ = run_suite(method, True, work)
    label = "%s %s" % (VERSION, method)
    if missing:
        print("%-16s left out, not in this Python's test suite: %s" % (label, ", ".join(missing)))
    print("%-16s plain:        %s  (%.0f s)" % (label, counts(plain_out), plain_s))
    print("%-16s instrumented: %s  (%.0f s, %d processes recorded)" % (label, counts(agent_out), agent_s, streams))
    sys.stdout.flush()
    problems = []
    if streams < MIN_RECORDED_PROCESSES:
        problems.append("only %d processes were recorded: the agent did not follow the children" % streams)
    if not plain_out:
        problems.append("the plain run recorded no tests (exit %s):\n%s" % (plain.returncode, plain.stderr[-4000:]))
    differing = sorted(t for t in set(plain_out) | set(agent_out) if plain_out.get(t) != agent_out.get(t))
    if not differing and plain.returncode != agent.returncode:
        problems.append("exit code %s plain, %s instrumented" % (plain.returncode, agent.returncode))
    problems += recheck(method, work, differing, plain_out, agent_out)
    complaints = [line for line in agent.stderr.splitlines() if line.startswith("poolscope:")]
    if complaints:
        problems.append("the agent complained:\n    " + "\n    ".join(complaints))
    if problems:
        print("%s: DIFFERENT\n  %s" % (label, "\n  ".join(problems)))
        if agent_out != plain_out:
            print("--- instrumented stderr (tail) ---\n" + agent.stderr[-6000:])
    return not problems


def recheck(method, work, differing, plain_out, agent_out):
    """Runs the differing tests RECHECKS more times each way. Only a test whose outcome also
    varies between plain runs (flaky without PoolScope, e.g. a timing test on a loaded
    machine) is excused; any other difference is the agent's."""
    if not differing:
        return []
    names = [t.split(".", 1)[1] for t in differing]  # drop the "__main__." module prefix
    plain_seen = {t: {plain_out.get(t, "not run")} for t in differing}
    agent_seen = {t: {agent_out.get(t, "not run")} for t in differing}
    for _ in range(RECHECKS):
        for seen, instrumented in ((plain_seen, False), (agent_seen, True)):
            outcomes = run_suite(method, instrumented, work, names)[1]
            for t in differing:
                seen[t].add(outcomes.get(t, "not run"))
    problems = []
    for t in differing:
        verdict = "%s: %s plain, %s instrumented" % (t, "/".join(sorted(plain_seen[t])), "/".join(sorted(agent_seen[t])))
        if len(plain_seen[t]) > 1:
            print("%s %s flaky without PoolScope too (excused): %s" % (VERSION, method, verdict))
        else:
            problems.append(verdict)
    return problems


def main(argv):
    methods = argv or ["fork", "spawn"]
    work = tempfile.mkdtemp(prefix="poolscope-cpython-")
    try:
        ok = [compare(m, work) for m in methods]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
