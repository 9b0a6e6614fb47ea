"""Example 25.2 from the lecture notes: producer/consumer over two Queues with None sentinels."""
import math
import multiprocessing


def prime_worker(task_queue, result_queue):
    while True:
        limit = task_queue.get()
        if limit is None:
            break
        count = sum(1 for n in range(2, limit) if all(n % i != 0 for i in range(2, int(math.sqrt(n)) + 1)))
        result_queue.put((limit, count))


if __name__ == "__main__":
    task_queue = multiprocessing.Queue()
    result_queue = multiprocessing.Queue()
    num_workers = 4
    limits = [20000, 30000, 25000, 35000, 40000, 15000]
    workers = [multiprocessing.Process(target=prime_worker, args=(task_queue, result_queue)) for _ in range(num_workers)]
    for w in workers:
        w.start()
    for limit in limits:
        task_queue.put(limit)
    for _ in range(num_workers):
        task_queue.put(None)
    results = [result_queue.get() for _ in limits]
    for w in workers:
        w.join()
    print("Results:", sorted(results))
