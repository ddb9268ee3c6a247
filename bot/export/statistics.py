"""Means and 95% confidence intervals, accumulated one value at a time (Welford)."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Student's t, 97.5th percentile, for 1 to 30 degrees of freedom.
_T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
_Z_975 = 1.959964


def t_975(degrees_of_freedom: int) -> float:
    """The two-sided 95% critical value of Student's t."""
    if degrees_of_freedom < 1:
        raise ValueError("a confidence interval needs at least two values")
    if degrees_of_freedom <= len(_T_975):
        return _T_975[degrees_of_freedom - 1]
    # Cornish-Fisher expansion: within 0.001 of the exact value beyond 30 degrees of freedom.
    z, df = _Z_975, degrees_of_freedom
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


@dataclass
class RunningMean:
    """Count, mean and spread of values seen so far, in constant memory."""

    n: int = 0
    mean: float = 0.0
    _m2: float = 0.0

    def add(self, value: float) -> None:
        self.n += 1
        delta = value - self.mean
        self.mean += delta / self.n
        self._m2 += delta * (value - self.mean)

    def interval(self) -> tuple[float, float] | None:
        """The 95% confidence interval of the mean (t-based), or None below two values."""
        if self.n < 2:
            return None
        half = t_975(self.n - 1) * math.sqrt(self._m2 / (self.n - 1)) / math.sqrt(self.n)
        return self.mean - half, self.mean + half
