"""I/O-like tasks: 96 calls that each wait 20 ms (time.sleep stands for a network request) on
Pool(4). The waits overlap; a thread pool would do the same without processes."""
import sys
import time
from multiprocessing import Pool


def fetch(i):
    time.sleep(0.02)
    return i * 3


def main(mode):
    if mode == "loop":
        total = sum(map(fetch, range(96)))
    else:
        with Pool(4) as p:
            total = sum(p.map(fetch, range(96), chunksize=1))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
