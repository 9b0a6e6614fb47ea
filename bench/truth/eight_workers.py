"""Pool(8) on a machine with fewer cores: 32 CPU-bound tasks of ~30 ms. The workers take turns on
the CPUs, so each task's wall time is several times its work."""
import sys
from multiprocessing import Pool

from _work import crunch


def item(i):
    return crunch(375_000 + i)


def main(mode):
    if mode == "loop":
        total = sum(map(item, range(32)))
    else:
        with Pool(8) as p:
            total = sum(p.map(item, range(32), chunksize=1))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
