"""Did-you-mean suggestions by edit distance."""

from __future__ import annotations

from collections.abc import Iterable


def distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (with adjacent transpositions), case-insensitive."""
    a, b = a.lower(), b.lower()
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The nearest choice within a third of the word's length (at least 2 edits), if any."""
    choices = list(choices)
    best: tuple[int, str] | None = None
    limit = max(2, len(word) // 3)
    for choice in choices:
        d = distance(word, choice)
        if d <= limit and (best is None or d < best[0]):
            best = (d, choice)
    if best is None and len(word) >= 4:
        # A shortened name (`stopping` for `stopping_condition`): the one choice it begins.
        starts = [c for c in choices if c.lower().startswith(word.lower())]
        return starts[0] if len(starts) == 1 else None
    return best[1] if best else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the nearest choice, or ''."""
    found = closest(word, choices)
    return f"did you mean {found!r}?" if found else ""


def closest_few(word: str, choices: Iterable[str], count: int = 3) -> list[str]:
    """The count nearest choices by edit distance (ties in the choices' order)."""
    ranked = sorted(enumerate(choices), key=lambda item: (distance(word, item[1]), item[0]))
    return [choice for _, choice in ranked[:count]]
