"""Edit distance and alignment between two plate readings (shared by the OCR vote and sightings)."""

from __future__ import annotations


def _edit_costs(a: str, b: str) -> list[list[int]]:
    cost = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        cost[i][0] = i
    for j in range(len(b) + 1):
        cost[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            substitution = cost[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            cost[i][j] = min(cost[i - 1][j] + 1, cost[i][j - 1] + 1, substitution)
    return cost


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions each cost one."""
    return _edit_costs(a, b)[-1][-1]


def aligned_positions(reference: str, other: str) -> list[tuple[int, int]]:
    """(i, j) pairs that a minimal edit alignment matches or substitutes (insertions and deletions left out)."""
    cost = _edit_costs(reference, other)
    pairs = []
    i, j = len(reference), len(other)
    while i > 0 and j > 0:
        if cost[i][j] == cost[i - 1][j - 1] + (reference[i - 1] != other[j - 1]):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]
