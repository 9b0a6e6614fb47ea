"""Tasks of very different lengths in big chunks: the first chunk holds the long tasks, so one
worker computes long after the other has finished."""
import sys
from multiprocessing import Pool

from _work import crunch


def item(i):
    return crunch(400_000 if i < 8 else 25_000)


def main(mode):
    if mode == "loop":
        total = sum(map(item, range(64)))
    else:
        with Pool(2) as p:
            total = sum(p.map(item, range(64), chunksize=16))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
