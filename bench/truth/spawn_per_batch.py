"""A spawn pool made per batch: each of 4 batches starts fresh interpreters that re-import the
program, for 10 items of ~10 ms."""
import sys
import multiprocessing as mp

from _work import crunch


def item(i):
    return crunch(125_000 + i)


def main(mode):
    total = 0
    for b in range(4):
        items = range(b * 10, b * 10 + 10)
        if mode == "loop":
            total += sum(map(item, items))
        else:
            with mp.get_context("spawn").Pool(2) as p:
                total += sum(p.map(item, items))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
