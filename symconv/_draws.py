"""Random integers drawn as ``random.Random`` draws them, faster.

:func:`below` is ``rng.randrange(n)`` and ``lo + below(rng, hi - lo + 1)`` is
``rng.randint(lo, hi)``: the same numbers from the same generator state, without the three
calls ``randint`` makes per number. :func:`same_draws` checks that equivalence once per
process (CPython's ``_randbelow``); where it does not hold, callers use ``randint``.
"""

from __future__ import annotations

import random
from functools import lru_cache

__all__ = ["below", "same_draws"]


def below(rng: random.Random, n: int) -> int:
    """``rng.randrange(n)`` (``n ≥ 1``), drawn as CPython's ``Random._randbelow`` draws it
    (``getrandbits`` of ``n.bit_length()`` bits until below ``n``)."""
    k = n.bit_length()
    r = rng.getrandbits(k)
    while r >= n:
        r = rng.getrandbits(k)
    return r


@lru_cache(maxsize=1)
def same_draws() -> bool:
    """Whether :func:`below` draws what ``randrange``/``randint`` draw, here."""
    a, b = random.Random(20240), random.Random(20240)
    for n in (1, 2, 3, 7, 40, 41, 64, 10 ** 12, 2 ** 40 + 1):
        for _ in range(50):
            if below(a, n) != b.randrange(n) or a.random() != b.random():
                return False
    for _ in range(200):
        if 1 + below(a, 40) != b.randint(1, 40):
            return False
    for lo, hi in ((0, 1), (0, 40), (1, 8), (1, 40)):
        for _ in range(50):
            if lo + below(a, hi - lo + 1) != b.randint(lo, hi):
                return False
    return True
