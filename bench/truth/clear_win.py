"""The lecture's clear win: 8 heavy pure-Python tasks of ~100 ms, small arguments and results,
on Pool(2)."""
import sys
from multiprocessing import Pool

from _work import crunch


def item(i):
    return crunch(1_250_000 + i)


def main(mode):
    if mode == "loop":
        total = sum(map(item, range(8)))
    else:
        with Pool(2) as p:
            total = sum(p.map(item, range(8), chunksize=1))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
