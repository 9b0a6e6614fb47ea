"""Example 25.3 from the lecture notes: a Pool "image resize" simulation.

The notes promise close to 4x on four workers. Each task is only a few milliseconds of work,
so starting the pool costs more than the work it spreads: profile it and see.
"""
import math
import multiprocessing
import time


def simulate_image_resize(image_spec):
    image_id, width, height = image_spec
    pixel_count = width * height
    total = 0
    for pixel in range(pixel_count // 100):
        total += math.sqrt(pixel + 1)
    return (image_id, width // 2, height // 2, round(total, 2))


if __name__ == "__main__":
    images = [(i, 1920, 1080) for i in range(8)]

    start = time.perf_counter()
    sequential_results = [simulate_image_resize(img) for img in images]
    seq_time = time.perf_counter() - start
    print(f"Sequential: {seq_time:.2f}s")

    start = time.perf_counter()
    with multiprocessing.Pool(processes=4) as pool:
        pool_results = pool.map(simulate_image_resize, images)
    pool_time = time.perf_counter() - start
    print(f"Pool (4 procs): {pool_time:.2f}s")
    print(f"Speedup: {seq_time / pool_time:.1f}x")
    print("Sample result:", pool_results[0])
    assert pool_results == sequential_results
