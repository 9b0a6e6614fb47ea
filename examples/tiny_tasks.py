"""Many tiny tasks sent one at a time (chunksize=1): the IPC round trip dwarfs the work."""
import multiprocessing


def square(x):
    return x * x


if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        total = sum(pool.map(square, range(20_000), chunksize=1))
    print("sum of squares:", total)
