"""A forkserver pool (the default start method from Python 3.14 on Linux): 20 items of ~25 ms."""
import sys
import multiprocessing as mp

from _work import crunch


def item(i):
    return crunch(310_000 + i)


def main(mode):
    if mode == "loop":
        total = sum(map(item, range(20)))
    else:
        with mp.get_context("forkserver").Pool(2) as p:
            total = sum(p.map(item, range(20), chunksize=1))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
