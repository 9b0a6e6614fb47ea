"""PoolScope launcher: `python poolscope_launch.py SCRIPT [ARGS...]` runs SCRIPT as
`python SCRIPT ARGS` would, with the agent recording into $POOLSCOPE_RUN_DIR."""

import os
import sys


def _launch():
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:  # python -P / -I: the script's directory is not on the path
        sys.path.insert(0, here)
    from poolscope_agent import codecache

    codecache.load(here)  # the rest of the agent from compiled code, not its sources
    from poolscope_agent import launcher

    launcher.main(here)


if __name__ == "__main__":
    _launch()
