"""ProcessPoolExecutor.map with chunksize 10 over 400 items of ~2 ms."""
import sys
from concurrent.futures import ProcessPoolExecutor

from _work import crunch


def item(i):
    return crunch(25_000 + i)


def main(mode):
    if mode == "loop":
        total = sum(map(item, range(400)))
    else:
        with ProcessPoolExecutor(2) as ex:
            total = sum(ex.map(item, range(400), chunksize=10))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
