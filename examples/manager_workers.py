"""Example 25.1 from the lecture notes: four Processes appending to a Manager list."""
import multiprocessing
import os
import time


def cpu_worker(worker_id, input_value, result_list):
    print(f"Worker {worker_id} in PID {os.getpid()}")
    total = sum(i * input_value for i in range(2_000_000))
    result_list.append((worker_id, total))
    print(f"Worker {worker_id} done: {total}")


if __name__ == "__main__":
    manager = multiprocessing.Manager()
    result_list = manager.list()
    processes = []
    start = time.perf_counter()
    for worker_id in range(4):
        p = multiprocessing.Process(target=cpu_worker, args=(worker_id, worker_id + 1, result_list))
        processes.append(p)
        p.start()
    for p in processes:
        p.join()
    print(f"All workers done in {time.perf_counter() - start:.2f}s")
    print(f"Results: {sorted(result_list)}")
