"""Fibonacci numbers three ways: naive recursion, memoised recursion and fast doubling."""
from functools import lru_cache


def fib_naive(n: int) -> int:
    """Exponential time: recomputes the same subproblems again and again."""
    if n < 2:
        return n
    return fib_naive(n - 1) + fib_naive(n - 2)


@lru_cache(maxsize=None)
def fib_memo(n: int) -> int:
    """Linear time: each value is computed once and cached."""
    if n < 2:
        return n
    return fib_memo(n - 1) + fib_memo(n - 2)


def fib_doubling(n: int) -> int:
    """Logarithmic time using F(2k) = F(k)(2F(k+1) - F(k)) and F(2k+1) = F(k)^2 + F(k+1)^2."""

    def pair(k: int) -> tuple[int, int]:
        if k == 0:
            return 0, 1
        a, b = pair(k >> 1)
        c = a * (2 * b - a)
        d = a * a + b * b
        return (d, c + d) if k & 1 else (c, d)

    return pair(n)[0]


if __name__ == "__main__":
    for i in range(10):
        assert fib_naive(i) == fib_memo(i) == fib_doubling(i)
    print(fib_doubling(90))
