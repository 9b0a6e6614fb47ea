"""starmap over (a, b) pairs, ~8 ms per pair, chunksize 4."""
import sys
from itertools import starmap
from multiprocessing import Pool

from _work import crunch


def pair(a, b):
    return crunch(100_000 + a) - b


def main(mode):
    pairs = [(i, i * 3) for i in range(60)]
    if mode == "loop":
        total = sum(starmap(pair, pairs))
    else:
        with Pool(2) as p:
            total = sum(p.starmap(pair, pairs, chunksize=4))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
