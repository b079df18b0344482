"""Lagrangian bound and site elimination for the p-median problem.

Relaxing the assignment constraints ``sum_j x_ij = 1`` with multipliers
``lam_i`` gives the bound ``L(lam) = sum_i lam_i + (sum of the p smallest
rho_j)`` with ``rho_j = sum_i min(0, w_i c_ij - lam_i)`` (Cornuejols, Fisher &
Nemhauser 1977; Beasley 1985).  Its maximum equals the LP bound of the strong
formulation.  Forcing site ``j`` open raises the bound to
``L + max(0, rho_j - rho_(p))``; when that exceeds a known upper bound the
site cannot appear in any better solution and is dropped, which is what makes
the exact MIP small.  Any ``lam`` gives a valid bound, so the elimination is
exact whatever the quality of the subgradient search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__: list[str] = []


@dataclass(frozen=True)
class Reduction:
    """Outcome of the Lagrangian site elimination."""

    lower_bound: float
    keep: np.ndarray
    must_open: np.ndarray
    iterations: int
    # keep/must_open only preserve solutions strictly better than the
    # incumbent (by at least 1 when costs are integers), so the incumbent
    # itself may be cut off: callers compare against it.


def _bounds(weighted: np.ndarray, lam: np.ndarray, p: int) -> tuple[float, np.ndarray, np.ndarray]:
    rho = np.minimum(0.0, weighted - lam[:, None]).sum(axis=0)
    ranked = np.sort(rho)
    value = float(lam.sum() + ranked[:p].sum())
    pth = ranked[p - 1]
    nxt = ranked[p] if p < rho.size else np.inf
    open_bound = value + np.maximum(0.0, rho - pth)
    closed_bound = value + np.maximum(0.0, nxt - rho)
    return value, open_bound, closed_bound


def reduce_sites(
    weighted: np.ndarray,
    p: int,
    upper_bound: float,
    incumbent: np.ndarray,
    *,
    max_iter: int = 3000,
) -> Reduction:
    """Eliminate sites that cannot beat ``upper_bound`` and fix forced ones.

    Parameters
    ----------
    weighted : numpy.ndarray
        ``n x m`` weighted cost ``w_i * c_ij``.
    p : int
        Number of sites to open.
    upper_bound : float
        Objective of a known solution (``incumbent``).
    incumbent : numpy.ndarray
        Column indices of that solution; they are always kept.
    max_iter : int
        Subgradient iteration cap.

    Returns
    -------
    Reduction
    """
    n, m = weighted.shape
    if p >= m:
        return Reduction(upper_bound, np.ones(m, bool), np.ones(m, bool), 0)
    # Second-smallest cost per row is a classic, reasonably tight start.
    lam = np.sort(weighted, axis=1)[:, min(1, m - 1)].copy()
    best_value, best_lam = -np.inf, lam.copy()
    step, stall, it = 2.0, 0, 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is read after the loop)
        reduced = np.minimum(0.0, weighted - lam[:, None])
        rho = reduced.sum(axis=0)
        chosen = np.argpartition(rho, p - 1)[:p]
        value = float(lam.sum() + rho[chosen].sum())
        if value > best_value + 1e-12 * max(1.0, abs(value)):
            best_value, best_lam, stall = value, lam.copy(), 0
        else:
            stall += 1
            if stall >= 30:
                step, stall = step / 2.0, 0
        if step < 1e-5 or upper_bound - best_value <= 1e-9 * max(1.0, abs(upper_bound)):
            break
        subgradient = 1.0 - (reduced[:, chosen] < 0).sum(axis=1)
        norm = float(subgradient @ subgradient)
        if norm == 0.0:
            break
        lam = lam + step * (upper_bound - value) / norm * subgradient
    value, open_bound, closed_bound = _bounds(weighted, best_lam, p)
    # A small relative margin keeps rounding in the bound from dropping a
    # site that ties the incumbent.
    margin = 1e-9 * max(1.0, abs(upper_bound))
    # With integer costs every objective is an integer, so a solution can
    # only improve on the incumbent by at least 1.
    threshold = upper_bound - 1.0 if is_integral(weighted) else upper_bound
    keep = open_bound <= threshold + margin
    keep[incumbent] = True
    must_open = closed_bound > threshold + margin
    if is_integral(weighted):
        value = float(np.ceil(value - margin))
    return Reduction(value, keep, must_open & keep, it)


def is_integral(weighted: np.ndarray) -> bool:
    """Whether every cost is an integer, so every objective is one too."""
    return bool(np.all(weighted == np.round(weighted)))
