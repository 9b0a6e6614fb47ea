"""Large numpy arrays (8 MB) sent to the workers and back for a light computation each."""
import sys

import numpy as np


def item(a):
    return a * 2.0 + 1.0


def main(mode):
    arrays = [np.full(1_000_000, float(i)) for i in range(24)]
    if mode == "loop":
        out = [item(a) for a in arrays]
    else:
        from multiprocessing import Pool

        with Pool(2) as p:
            out = p.map(item, arrays, chunksize=1)
    print(sum(float(o[0]) for o in out))


if __name__ == "__main__":
    main(sys.argv[1])
