"""Shared by the truth programs: a fixed amount of pure-Python CPU work (not a timed spin, so
that a preempted task does the same work as an undisturbed one)."""


def crunch(n):
    """About 0.05 us per unit on the project's machine: crunch(20_000) is ~1 ms."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total
