"""ProcessPoolExecutor.submit for each of 40 items of ~20 ms, results taken with as_completed."""
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed

from _work import crunch


def item(i):
    return crunch(250_000 + i)


def main(mode):
    if mode == "loop":
        total = sum(item(i) for i in range(40))
    else:
        with ProcessPoolExecutor(2) as ex:
            futures = [ex.submit(item, i) for i in range(40)]
            total = sum(f.result() for f in as_completed(futures))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
