"""Accuracy classes of active-energy meters and each meter's fixed error.

Maximum permissible errors (MPE) of OIML R 46-1:2012 table 3 / MID 2014/32/EU
annex V (MI-003) table 2, at reference conditions (+5..+30 C), for the
current range Itr <= I <= Imax, where household meters spend nearly all
their energy:

===== ======== ============
class MPE [%]  (Imin..Itr)
===== ======== ============
A     3.5      3.5
B     2.0      2.0
C     0.7      1.0
===== ======== ============

Each meter gets one fixed relative error, a truncated normal draw with
sigma = MPE / 3 clipped to +/- MPE (a type-approved, verified meter sits
well inside its class; the clip keeps every meter legal).

References
----------
OIML R 46-1/-2:2012, Active electrical energy meters, 6.1 and table 3.
Directive 2014/32/EU (MID), annex V (MI-003), table 2.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["MPE_PERCENT", "draw_accuracy"]

MPE_PERCENT: dict[str, float] = {"A": 3.5, "B": 2.0, "C": 0.7}
"""Maximum permissible error per class, Itr <= I <= Imax [%]."""


def draw_accuracy(
    rng: np.random.Generator, n: int, classes: str | Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy class and fixed relative error of ``n`` meters.

    Parameters
    ----------
    rng : numpy.random.Generator
        The meters' generator.
    n : int
        Number of meters.
    classes : str or mapping
        One class for all ('A', 'B', 'C') or shares per class.

    Returns
    -------
    cls : numpy.ndarray
        Class letter per meter (``<U1``).
    error : numpy.ndarray
        Relative error per meter [-] (0.01 = +1 %), within +/- MPE.
    """
    if isinstance(classes, str):
        names = np.full(n, classes, dtype="<U1")
    else:
        keys = [k for k in ("A", "B", "C") if classes.get(k, 0.0) > 0]
        w = np.array([classes[k] for k in keys], dtype=np.float64)
        names = np.asarray(keys, dtype="<U1")[rng.choice(len(keys), size=n, p=w / w.sum())]
    mpe = np.array([MPE_PERCENT[c] for c in names], dtype=np.float64) / 100.0
    error = np.clip(rng.normal(0.0, 1.0, n) * mpe / 3.0, -mpe, mpe)
    return names, error
