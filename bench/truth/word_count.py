"""Word count with apply_async: the text is split into chunks, each worker counts one chunk, the
parent merges the Counters."""
import sys
from collections import Counter
from multiprocessing import Pool

WORDS = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa")


def text(n):
    return " ".join(WORDS[(i * i + i // 3) % len(WORDS)] for i in range(n))


def count(chunk):
    c = Counter()
    for line in chunk:
        c.update(line.split())
    return c


def main(mode):
    lines = [text(400 + i % 50) for i in range(3000)]
    chunks = [lines[i : i + 100] for i in range(0, len(lines), 100)]
    total = Counter()
    if mode == "loop":
        for chunk in chunks:
            total.update(count(chunk))
    else:
        with Pool(2) as p:
            pending = [p.apply_async(count, (chunk,)) for chunk in chunks]
            for r in pending:
                total.update(r.get())
    print(sorted(total.items()))


if __name__ == "__main__":
    main(sys.argv[1])
