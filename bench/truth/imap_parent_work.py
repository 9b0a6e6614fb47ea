"""imap_unordered with work in the parent on each result: the workers compute ~10 ms per item,
the parent ~4 ms per result; a loop does both, the pool overlaps them."""
import sys
from multiprocessing import Pool

from _work import crunch


def item(i):
    return crunch(125_000 + i)


def main(mode):
    total = 0
    if mode == "loop":
        for r in map(item, range(60)):
            total += crunch(50_000) + r
    else:
        with Pool(2) as p:
            for r in p.imap_unordered(item, range(60)):
                total += crunch(50_000) + r
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
