"""10 000 tiny tasks (~2 us) sent one per message (imap, chunksize 1): IPC overhead wins."""
import sys
from multiprocessing import Pool


def item(i):
    return i * i % 11


def main(mode):
    if mode == "loop":
        total = sum(map(item, range(10_000)))
    else:
        with Pool(2) as p:
            total = sum(p.imap(item, range(10_000), chunksize=1))
    print(total)


if __name__ == "__main__":
    main(sys.argv[1])
