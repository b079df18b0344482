"""Numpy building blocks for the greedy heuristics."""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def median_greedy_columns(weighted: np.ndarray, p: int) -> np.ndarray:
    """Greedy addition (Kuehn & Hamburger 1963) on a weighted cost matrix.

    Each step opens the column that lowers the total cost most; ties go to
    the lowest column index, so the result is deterministic.
    """
    n, m = weighted.shape
    best = np.full(n, np.inf)
    chosen: list[int] = []
    for _ in range(p):
        totals = np.minimum(best[:, None], weighted).sum(axis=0)
        totals[chosen] = np.inf
        j = int(np.argmin(totals))
        chosen.append(j)
        best = np.minimum(best, weighted[:, j])
    return np.array(sorted(chosen), dtype=int)


def interchange(weighted: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Best-improvement vertex substitution (Teitz & Bart 1968).

    Swaps one open column for one closed column while that lowers the total
    cost; stops at a local optimum.
    """
    n, m = weighted.shape
    sites = [int(j) for j in columns]
    if len(sites) == m:
        return np.array(sorted(sites), dtype=int)
    rows = np.arange(n)
    current = float(weighted[:, sites].min(axis=1).sum())
    while True:
        sub = weighted[:, sites]
        if len(sites) > 1:
            order = np.argsort(sub, axis=1, kind="stable")[:, :2]
            nearest, second = sub[rows, order[:, 0]], sub[rows, order[:, 1]]
        else:
            order = np.zeros((n, 1), dtype=int)
            nearest, second = sub[:, 0], np.full(n, np.inf)
        best_delta, best_move = -1e-9 * max(1.0, abs(current)), None
        for r in range(len(sites)):
            without = np.where(order[:, 0] == r, second, nearest)
            totals = np.minimum(without[:, None], weighted).sum(axis=0)
            totals[sites] = np.inf
            j = int(np.argmin(totals))
            if totals[j] - current < best_delta:
                best_delta, best_move = totals[j] - current, (r, j)
        if best_move is None:
            return np.array(sorted(sites), dtype=int)
        sites[best_move[0]] = best_move[1]
        current += best_delta


def covering_greedy_columns(covers: np.ndarray, w: np.ndarray, p: int) -> np.ndarray:
    """Greedy addition for max covering: open the column covering most new weight."""
    covered = np.zeros(covers.shape[0], dtype=bool)
    chosen: list[int] = []
    for _ in range(p):
        gain = (covers & ~covered[:, None]).T.astype(float) @ w
        gain[chosen] = -np.inf
        j = int(np.argmax(gain))
        chosen.append(j)
        covered |= covers[:, j]
    return np.array(sorted(chosen), dtype=int)


def greedy_allocation(
    demand: np.ndarray,
    capacity: np.ndarray,
    assign_cost: np.ndarray,
    open_cols: np.ndarray,
    *,
    single_source: bool,
) -> np.ndarray | None:
    """Allocate demand to open columns by regret order; ``None`` if it fails.

    Customers whose best and second-best open sites differ most are placed
    first, each on its cheapest site with spare capacity (splitting over
    further sites unless ``single_source``).  Returns an ``n x m`` matrix of
    served fractions.
    """
    n, m = assign_cost.shape
    alloc = np.zeros((n, m))
    spare = np.where(np.isin(np.arange(m), open_cols), capacity, 0.0).astype(float)
    sub = assign_cost[:, open_cols]
    ranked = np.sort(sub, axis=1)
    regret = ranked[:, 1] - ranked[:, 0] if len(open_cols) > 1 else np.zeros(n)
    tol = 1e-9 * max(1.0, float(demand.max(initial=0.0)))
    for i in np.lexsort((np.arange(n), -regret)):
        need = float(demand[i])
        for j in open_cols[np.argsort(assign_cost[i, open_cols], kind="stable")]:
            if need <= 0:
                break
            if single_source:
                if spare[j] + tol >= need:
                    alloc[i, j], spare[j], need = 1.0, spare[j] - need, 0.0
                continue
            take = min(need, spare[j])
            if take > 0:
                alloc[i, j] = take / demand[i]
                spare[j] -= take
                need -= take
        if demand[i] == 0:
            alloc[i, open_cols[np.argmin(assign_cost[i, open_cols])]] = 1.0
        elif need > tol:
            return None
    # Small splits left by floating-point rounding are folded back in.
    sums = alloc.sum(axis=1, keepdims=True)
    return alloc / np.where(sums > 0, sums, 1.0)
