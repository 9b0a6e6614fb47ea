"""Shape: Pool(4).map over 150 000 small dict records built in the parent before the pool, with
default chunksize; each item is a light transform (~3 us) of a small dict.

A user would expect 4 workers to speed this up; in reality pickling each record to a worker and
the result back costs about as much as the transform, the parent does all of that pickling on
one core, and the 4 workers share 2 cores, so the pool loses to the loop."""

import sys
from multiprocessing import Pool


def make_record(i):
    return {"id": i, "name": f"user{i % 997}", "score": (i * 37) % 101, "tags": ["a", "b"][: i % 3]}


def transform(rec):
    return (rec["id"], rec["name"].upper(), rec["score"] * 2 + len(rec["tags"]))


def main(mode):
    records = [make_record(i) for i in range(150_000)]
    if mode == "loop":
        out = list(map(transform, records))
    else:
        with Pool(4) as pool:
            out = pool.map(transform, records)
    print("rows", len(out), "score", sum(r[2] for r in out), out[-1])


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("loop", "pool"):
        sys.exit("usage: records_map.py loop|pool")
    main(sys.argv[1])
