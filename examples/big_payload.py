"""Large arrays shipped to workers: pickling and pipes move more than the workers compute."""
import multiprocessing

import numpy as np


def checksum(block):
    return float(block.sum())


if __name__ == "__main__":
    blocks = [np.full(2_500_000, i, dtype=np.float64) for i in range(8)]  # 20 MB each
    with multiprocessing.Pool(2) as pool:
        sums = pool.map(checksum, blocks, chunksize=1)
    print("sums:", sums)
