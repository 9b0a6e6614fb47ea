"""A pool made for every call: 30 rounds of `with Pool(2) as p: p.map(f, 8 short items)`.
Creating and stopping the pool each round costs more than the 8 ms of work it spreads."""
import sys
from multiprocessing import Pool

from _work import crunch


def item(i):
    return crunch(12_500 + i)  # ~1 ms


def main(mode):
    total = 0
    for r in range(30):
        items = range(r, r + 8)
        if mode == "loop":
            total += sum(map(item, items))
        else:
            with Pool(2) as p:
                total += sum(p.map(item, items))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
