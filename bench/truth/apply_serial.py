"""Shape: `pool.apply` in a loop. Pool(2) is created once, then each of 500 items is sent with
the blocking `pool.apply(f, (item,))`, which waits for its result before the next is sent.

A user may expect the pool to run items in parallel; `apply` blocks, so only one worker is ever
busy and every item adds a round trip: slower than the loop."""

import sys
from multiprocessing import Pool


def tokenize(i):
    """Splits and normalises a generated sentence: ~0.7 ms."""
    text = " ".join(f"Token{(i * k) % 311}," for k in range(1_500))
    words = [w.strip(",").lower() for w in text.split()]
    return sum(len(w) for w in words if not w.endswith("7"))


def main(mode):
    items = range(500)
    if mode == "loop":
        lengths = [tokenize(i) for i in items]
    else:
        with Pool(2) as pool:
            lengths = [pool.apply(tokenize, (i,)) for i in items]
    print("lengths", sum(lengths))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("loop", "pool"):
        sys.exit("usage: apply_serial.py loop|pool")
    main(sys.argv[1])
