"""PoolScope agent: records what a Python `multiprocessing` program does.

Standard library only, no threads, no compiled extension. The launcher
(`poolscope_launch.py`) starts it in the main process; children reach it through
the fork hook (fork), a prefix on the `-c` command line (spawn), or the fork
server's own command line (forkserver). What it writes is described in
docs/trace-format.md.
"""

AGENT_VERSION = "0.1.0"
FORMAT_VERSION = 1
