"""Pool(4).map of 40 000 light items with the default chunksize: each item is ~15 us of work, so
the pickling and the pipes cost about as much as the work itself."""
import sys
from multiprocessing import Pool

from _work import crunch


def item(i):
    return crunch(150 + i % 7)


def main(mode):
    if mode == "loop":
        total = sum(map(item, range(40_000)))
    else:
        with Pool(4) as p:
            total = sum(p.map(item, range(40_000)))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
