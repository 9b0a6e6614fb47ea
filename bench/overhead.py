"""PoolScope agent overhead: wall time instrumented / plain, paired in one run.

    python3 bench/overhead.py [--pairs N] [--max-pairs M] [--quick] [--start-method M] [--agent DIR]

Each scenario is a small script run as `python script.py` (plain) and as
`python poolscope_launch.py script.py` (instrumented), alternately, N pairs; the
order inside a pair alternates too, so drift in machine load hits both sides alike.
The figure is the median of the per-pair wall-time ratios, with their spread (min-max)
and noise (its standard error). While the median is within three times its noise of the
target, more pairs are run, up to M.
Also shown: best-of (fastest instrumented run / fastest plain run: load from other
programs only ever slows a run down) and the CPU ratio (user+sys of the whole process
tree, medians of the pairs).
Every instrumented run gets its own private run directory (0700, under /dev/shm when
it is writable), removed right after.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Each scenario: (name, target ratio, script, arguments (full), arguments (--quick)).
# Tasks burn a fixed amount of work (calibrated to this machine once per run), not a
# fixed wall time: a busy machine then slows plain and instrumented runs alike.
# The work allocates nothing per step (itertools.repeat yields None; floats come from
# their free list). A loop that makes a new int per step (`for i in range(n): x += i`)
# goes through pymalloc, whose cost per step depends on where the heap's pools happen to
# stand, and any import moves them: in callgrind that loop ran 2.4 % more instructions
# under the agent, 4.8 % under the launcher with no hook installed, and 7 % in the plain
# script once it imported json, decimal and email.message; this one runs the same count
# in all four (docs/performance.md, "Heap layout"). The figure is the agent's cost, not
# the allocator's luck.
_COMMON = """\
import multiprocessing as mp, sys
from itertools import repeat

def burn(loops):
    x = 0.0
    for _ in repeat(None, loops):
        x = x * 0.999999 + 1.0
    return x

"""

SCENARIOS = [
    (
        "tasks of 1 ms (Pool.map, chunksize 1)",
        1.02,
        _COMMON
        + """\
def task(loops):
    burn(loops)
    return loops

if __name__ == "__main__":
    n, loops = int(sys.argv[1]), int(sys.argv[2])
    with mp.get_context(sys.argv[3]).Pool(2) as pool:
        assert len(pool.map(task, [loops] * n, chunksize=1)) == n
""",
        ["1500", "{loops_1ms}"],
        ["600", "{loops_1ms}"],
    ),
    (
        "20 000 tiny tasks of ~10 us (chunksize 1)",
        1.25,
        _COMMON
        + """\
def task(loops):
    burn(loops)
    return loops

if __name__ == "__main__":
    n, loops = int(sys.argv[1]), int(sys.argv[2])
    with mp.get_context(sys.argv[3]).Pool(2) as pool:
        assert len(pool.map(task, [loops] * n, chunksize=1)) == n
""",
        ["20000", "{loops_10us}"],
        ["20000", "{loops_10us}"],
    ),
    (
        "20 MB payload per task",
        1.05,
        _COMMON
        + """\
def task(payload):
    return len(payload)

if __name__ == "__main__":
    n = int(sys.argv[1])
    payload = bytes(20 * 1024 * 1024)
    with mp.get_context(sys.argv[3]).Pool(2) as pool:
        assert sum(pool.map(task, [payload] * n, chunksize=1)) == n * len(payload)
""",
        ["16", "0"],
        ["8", "0"],
    ),
    (
        "Queue flood: 100 000 small messages",
        1.15,
        _COMMON
        + """\
def produce(q, n):
    for i in range(n):
        q.put(i)
    q.put(None)

if __name__ == "__main__":
    n = int(sys.argv[1])
    ctx = mp.get_context(sys.argv[3])
    q = ctx.Queue()
    p = ctx.Process(target=produce, args=(q, n))
    p.start()
    count = 0
    while q.get() is not None:
        count += 1
    p.join()
    assert count == n
""",
        ["100000", "0"],
        ["30000", "0"],
    ),
]


def _calibrate():
    """Loops of burn() per second on this machine (best of a few tries)."""
    namespace = {}
    exec(_COMMON, namespace)
    burn, loops, best = namespace["burn"], 200_000, float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        burn(loops)
        best = min(best, time.perf_counter() - t0)
    return loops / best


def default_agent():
    """dist/python (what ships) when it is at least as new as src/python, else src/python."""
    source = os.path.join(ROOT, "src", "python")
    built = os.path.join(ROOT, "dist", "python")
    if os.path.exists(os.path.join(built, "poolscope_launch.py")) and _newest(built) >= _newest(source):
        return built
    return source


def _newest(folder):
    return max(
        os.path.getmtime(os.path.join(d, f)) for d, _, files in os.walk(folder) for f in files if f.endswith(".py")
    )


def run_root():
    for candidate in ("/dev/shm", os.environ.get("XDG_RUNTIME_DIR"), tempfile.gettempdir()):
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK):
            return candidate
    return None


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd, env, timeout=None):
    """(wall seconds, CPU seconds of the whole process tree). With a timeout (anchors), the
    command runs in its own process group, which is killed afterwards: a profiler that hangs, or
    leaves pool workers spinning (scalene does, here), must not load the runs that follow."""
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    if timeout is None:
        done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stderr, returncode = done.stderr, done.returncode
    else:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            stderr = proc.communicate(timeout=timeout)[1]
            returncode = proc.returncode
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.communicate()
            sys.exit("no exit after %.0f s (hung); its process group was killed" % timeout)
        finally:
            _kill_group(proc.pid)
    elapsed = time.perf_counter() - t0
    if returncode != 0:
        sys.exit("benchmark run failed (%d): %s\n%s" % (returncode, " ".join(cmd), stderr.decode()))
    return elapsed, _children_cpu() - cpu0


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _plain(script, args):
    return _timed([sys.executable, script] + args, dict(os.environ))


def _instrumented(launcher, script, args):
    run_dir = tempfile.mkdtemp(prefix="poolscope-bench-", dir=run_root())  # mode 0700
    try:
        env = dict(os.environ, POOLSCOPE_RUN_DIR=run_dir)
        return _timed([sys.executable, launcher, script] + args, env)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def measure(launcher, script, args, pairs, target, max_pairs):
    """Per pair: wall ratio, CPU ratio, plain wall, instrumented wall. At least `pairs`
    pairs; then more, up to `max_pairs`, while the median is within three times its noise
    of the target: one run's median here moves by several percent, as much as some targets'
    margins, and a figure that close needs more pairs to say which side it is on (three, not
    two: from 7 pairs the noise estimate itself has come out anywhere from 0.009 to 0.07 for
    the 1 ms scenario)."""
    pairs_out = []
    _plain(script, args)  # warm the page cache and the pool machinery once
    while len(pairs_out) < pairs or (len(pairs_out) < max_pairs and _undecided(pairs_out, target)):
        if len(pairs_out) % 2 == 0:
            p = _plain(script, args)
            q = _instrumented(launcher, script, args)
        else:
            q = _instrumented(launcher, script, args)
            p = _plain(script, args)
        pairs_out.append((q[0] / p[0], q[1] / p[1], p[0], q[0]))
    return pairs_out


def _undecided(pairs_out, target):
    ratios = [r[0] for r in pairs_out]
    return abs(statistics.median(ratios) - target) <= 3 * _noise(ratios)


def _noise(ratios):
    """How far the median ratio may be off from run to run: its standard error, robustly,
    1.2533 x sigma / sqrt(n), with sigma = 1.4826 x the median absolute deviation of the pairs.
    A figure misses its target only by more than this."""
    m = statistics.median(ratios)
    sigma = 1.4826 * statistics.median(abs(r - m) for r in ratios)
    return 1.2533 * sigma / len(ratios) ** 0.5


def bench_line(**figure):
    """One `BENCH {json}` line, read by bench/run.ts for the summary table."""
    print("BENCH " + json.dumps(figure))


# -- anchors: real profilers on the same workload, in the same run -------------------
# Each runs the scenario under its own interpreter, paired with plain runs of that
# interpreter (Debian's python3-scalene lives in /usr/bin/python3, not in pyenv's).
ANCHOR_SCENARIO = 1  # 20 000 tiny tasks: where per-message cost shows


# `python -m cProfile script.py` runs the script outside the real __main__ module, so Pool
# cannot pickle its functions; this runs it in __main__ with the profiler on instead.
_CPROFILE_MAIN = """\
import cProfile, os, sys, __main__
script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(script))
profiler = cProfile.Profile()
profiler.enable()
try:
    exec(compile(open(script).read(), script, "exec"), __main__.__dict__)
finally:
    profiler.disable()
    profiler.dump_stats(os.devnull)
"""


def _anchor_commands():
    """(name, interpreter, command prefix before `script args`, why it is missing or None)."""
    out = [("cProfile (stdlib)", sys.executable, [sys.executable, "-c", _CPROFILE_MAIN], None)]
    austin = shutil.which("austin")
    out.append(
        (
            "austin (sampling, -C children)",
            sys.executable,
            [austin, "-C", "-o", os.devnull, sys.executable] if austin else None,
            None if austin else "not installed (apt-get install austin)",
        )
    )
    debian = "/usr/bin/python3"
    has_scalene = os.path.exists(debian) and subprocess.run(
        [debian, "-c", "import scalene"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ).returncode == 0
    out.append(
        (
            "scalene (--cli --cpu)",
            debian,
            [debian, "-m", "scalene", "--cli", "--cpu", "--outfile", os.devnull] if has_scalene else None,
            None if has_scalene else "not installed (apt-get install python3-scalene)",
        )
    )
    return out


def anchors(launcher, script, args, pairs, ours):
    """Prints each available profiler's wall-time ratio next to PoolScope's, same workload."""
    print("  anchors on the same workload (paired with plain runs of the same interpreter):")
    print("    %-34s %7.3fx  (spread %.3f-%.3f)" % (
        "PoolScope", statistics.median(r[0] for r in ours), min(r[0] for r in ours), max(r[0] for r in ours)))
    for name, python, prefix, missing in _anchor_commands():
        if prefix is None:
            print("    %-34s skipped: %s" % (name, missing))
            continue
        scalene = "scalene" in prefix
        run_args = (["---"] + args) if scalene else args
        ratios = []
        limit = max(60.0, 20 * statistics.median(r[2] for r in ours))
        try:
            for i in range(pairs):
                plain = lambda: _timed([python, script] + args, dict(os.environ))  # noqa: E731
                anchor = lambda: _timed(prefix + [script] + run_args, dict(os.environ), timeout=limit)  # noqa: E731
                if i % 2 == 0:
                    p, q = plain(), anchor()
                else:
                    q, p = anchor(), plain()
                ratios.append(q[0] / p[0])
        except SystemExit as e:  # the anchor cannot run here (e.g. ptrace not allowed)
            print("    %-34s skipped: it failed here: %s" % (name, str(e).strip().splitlines()[-1][:120]))
            continue
        ratio = statistics.median(ratios)
        print("    %-34s %7.3fx  (spread %.3f-%.3f)" % (name, ratio, min(ratios), max(ratios)))
        bench_line(figure="anchor: " + name + " on 20 000 tiny tasks", value=ratio, unit="x", op="info",
                   spread=[min(ratios), max(ratios)], note="PoolScope %.3fx on the same workload" % statistics.median(r[0] for r in ours))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7, help="plain/instrumented pairs per scenario (>= 5)")
    parser.add_argument(
        "--max-pairs",
        type=int,
        default=None,
        help="more pairs, up to this many, while a median is within 3x its noise of the target (default 5 x --pairs)",
    )
    parser.add_argument("--quick", action="store_true", help="smaller workloads")
    parser.add_argument("--start-method", default="fork", choices=("fork", "spawn", "forkserver"))
    parser.add_argument("--no-anchors", action="store_true", help="skip cProfile/austin/scalene on the same workload")
    parser.add_argument("--only", type=int, default=None, help="run only scenario N (0-based)")
    parser.add_argument("--agent", default=None, help="directory holding poolscope_launch.py (default: dist/python if fresh, else src/python)")
    options = parser.parse_args()
    pairs = max(5, options.pairs)
    max_pairs = max(pairs, options.max_pairs if options.max_pairs is not None else 5 * pairs)
    agent = options.agent or default_agent()
    launcher = os.path.join(agent, "poolscope_launch.py")
    work = tempfile.mkdtemp(prefix="poolscope-bench-scripts-")
    rate = _calibrate()
    sizes = {"loops_1ms": str(int(rate * 0.001)), "loops_10us": str(max(1, int(rate * 0.00001)))}
    print(
        "agent: %s   python %s   start method: %s   %d-%d pairs"
        % (agent, sys.version.split()[0], options.start_method, pairs, max_pairs)
    )
    print("task work: %(loops_1ms)s loops for 1 ms, %(loops_10us)s for 10 us (calibrated)" % sizes)
    print()
    header = "%-44s %8s %8s %8s %6s %13s %7s  %-4s %9s %9s" % (
        "scenario", "plain s", "instr s", "ratio", "noise", "spread", "target", "", "best-of", "cpu ratio"
    )
    print(header)
    print("-" * len(header))
    failed = 0
    try:
        for index, (name, target, source, args, quick_args) in enumerate(SCENARIOS):
            if options.only is not None and index != options.only:
                continue
            script = os.path.join(work, "scenario%d.py" % index)
            with open(script, "w") as f:
                f.write(source)
            run_args = [a.format(**sizes) for a in (quick_args if options.quick else args)] + [options.start_method]
            results = measure(launcher, script, run_args, pairs, target, max_pairs)
            ratios = [r[0] for r in results]
            ratio = statistics.median(ratios)
            noise = _noise(ratios)
            ok = ratio <= target
            failed += ratio - target > noise
            print(
                "%-44s %8.3f %8.3f %7.3fx %6.3f %6.3f-%-6.3f %6.2fx  %-4s %8.3fx %8.3fx  %d pairs"
                % (
                    name,
                    statistics.median(r[2] for r in results),
                    statistics.median(r[3] for r in results),
                    ratio,
                    noise,
                    min(ratios),
                    max(ratios),
                    target,
                    "ok" if ok else ("~" if ratio - target <= noise else "OVER"),
                    min(r[3] for r in results) / min(r[2] for r in results),
                    statistics.median(r[1] for r in results),
                    len(results),
                )
            )
            bench_line(
                figure="agent overhead: " + name,
                value=ratio,
                unit="x",
                target=target,
                op="<",
                noise=noise,
                spread=[min(ratios), max(ratios)],
                note="%d pairs, CPU ratio %.3fx" % (len(results), statistics.median(r[1] for r in results)),
            )
            if index == ANCHOR_SCENARIO and not options.no_anchors:
                anchors(launcher, script, run_args, pairs, results)
            sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
