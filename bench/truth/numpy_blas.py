"""numpy matrix products in each task, with the BLAS library's default threads: every worker's
BLAS threads fight the other workers' for the CPUs."""
import sys

import numpy as np


def item(seed):
    a = np.random.default_rng(seed).random((400, 400))
    s = 0.0
    for _ in range(10):
        a = a @ a
        a /= np.abs(a).max()
        s += float(a.sum())
    return round(s, 3)


def main(mode):
    if mode == "loop":
        out = [item(i) for i in range(24)]
    else:
        from multiprocessing import Pool

        with Pool(2) as p:
            out = p.map(item, range(24))
    print(round(sum(out), 2))


if __name__ == "__main__":
    main(sys.argv[1])
