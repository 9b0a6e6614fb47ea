"""Shape: a spawn ProcessPoolExecutor with an initializer. ProcessPoolExecutor(2,
mp_context=spawn, initializer=load_table) builds a lookup table in each worker once (~150 ms),
then `executor.map` runs 400 lookups-and-scoring tasks (~1.5 ms each) with chunksize 20.

A user would expect a win: the table is built once per worker, not per task. Each spawn worker
also starts an interpreter and imports the main module, which the loop never pays."""

import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

TABLE = None


def build_table():
    return {k: (k * 2654435761) % 4_294_967_291 for k in range(300_000)}


def load_table():
    global TABLE
    TABLE = build_table()


def score(i):
    total = 0
    for k in range(2_500):
        total += TABLE[(i * 7919 + k * 104_729) % 300_000] % 1_000
    return total


def main(mode):
    global TABLE
    items = range(400)
    if mode == "loop":
        TABLE = build_table()
        scores = list(map(score, items))
    else:
        with ProcessPoolExecutor(2, mp_context=get_context("spawn"), initializer=load_table) as ex:
            scores = list(ex.map(score, items, chunksize=20))
    print("scores", sum(scores), max(scores))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("loop", "pool"):
        sys.exit("usage: spawn_executor.py loop|pool")
    main(sys.argv[1])
