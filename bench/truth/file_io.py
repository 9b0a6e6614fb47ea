"""Tasks that write a 2 MB file, fsync it, read it back and checksum it: mostly waiting on the
disk, a little CPU."""
import hashlib
import os
import sys
import tempfile
from multiprocessing import Pool


def item(args):
    folder, i = args
    path = os.path.join(folder, "f%d" % i)
    data = bytes([i % 251]) * (2 << 20)
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    with open(path, "rb") as f:
        digest = hashlib.md5(f.read()).hexdigest()
    os.unlink(path)
    return digest[:6]


def main(mode):
    with tempfile.TemporaryDirectory(dir=os.environ.get("TRUTH_TMP")) as folder:
        args = [(folder, i) for i in range(24)]
        if mode == "loop":
            out = list(map(item, args))
        else:
            with Pool(2) as p:
                out = p.map(item, args, chunksize=1)
    print(",".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
