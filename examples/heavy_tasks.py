"""Few, heavy, small-data tasks: the case multiprocessing is made for."""
from concurrent.futures import ProcessPoolExecutor


def count_primes(limit):
    return sum(1 for n in range(2, limit) if all(n % d for d in range(2, int(n**0.5) + 1)))


if __name__ == "__main__":
    limits = [60_000 + 1_000 * i for i in range(8)]
    with ProcessPoolExecutor(max_workers=2) as ex:
        counts = list(ex.map(count_primes, limits))
    print("primes:", counts)
