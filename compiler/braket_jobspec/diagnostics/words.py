"""Words of the diagnostics: fields as people write them, values quoted, and did-you-mean by difflib."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from braket_jobspec import pointer as ptr

if TYPE_CHECKING:
    from difflib import SequenceMatcher

# One slip in a four-letter name scores 0.75 (`bsae` for `base`), so higher would miss it; names that
# merely share a long stretch score just under it (`model_parallel` for `data_parallel`: 0.74).
_CUTOFF = 0.75


def _matcher(word: str, choice: str) -> SequenceMatcher[str]:
    # Imported here: every compile loads this module, only a refused name needs difflib.
    from difflib import SequenceMatcher

    return SequenceMatcher(None, word.lower(), choice.lower())


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice most similar to word (difflib ratio at least 0.75, first of equals), if any."""
    choices = list(choices)
    # Not difflib.get_close_matches: it breaks ties by the strings' order, not the choices'.
    scored = [(_matcher(word, choice).ratio(), choice) for choice in choices]
    best = max(scored, key=lambda item: item[0], default=None)
    if best is not None and best[0] >= _CUTOFF:
        return best[1]
    if len(word) >= 4:
        # A shortened name (`stopping` for `stopping_condition`): the one choice it begins.
        starts = [choice for choice in choices if choice.lower().startswith(word.lower())]
        return starts[0] if len(starts) == 1 else None
    return None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the nearest choice, or ''."""
    found = closest(word, choices)
    return f"did you mean {found!r}?" if found else ""


def one_of(word: str, choices: Sequence[str]) -> str:
    """A hint for a value that is not one of choices: the nearest one, or the list (its nearest few if long)."""
    return did_you_mean(word, choices) or (
        f"expected one of: {', '.join(choices)}"
        if len(choices) <= 8
        else f"the nearest of the {len(choices)} allowed values: " + ", ".join(closest_few(word, choices))
    )


def closest_few(word: str, choices: Iterable[str], count: int = 3) -> list[str]:
    """The count nearest choices, fewest edits first (ties in the choices' order)."""

    # Edits, not ratio: this list is shown when nothing is close, so it should read in edit order
    # (`ml.p5`: ml.m5.large, ml.t3.large, ml.m5.xlarge). difflib's alignment is not always the
    # cheapest, so equal counts go to the name with fewer characters left unmatched.
    def cost(choice: str) -> tuple[int, int]:
        matcher = _matcher(word, choice)
        edits = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")
        matched = sum(block.size for block in matcher.get_matching_blocks())
        return edits, max(len(word), len(choice)) - matched

    return sorted(choices, key=cost)[:count]


def label(pointer: str) -> str:
    """A field as people write it: /hyperparameters/lr -> hyperparameters.lr, /a/0 -> a[0]."""
    out = ""
    for token in ptr.split(pointer):
        if token.isdigit() and out:
            out += f"[{token}]"
        elif re.fullmatch(r"[A-Za-z_][\w-]*", token):
            out += f".{token}" if out else token
        else:
            out += f"[{token!r}]" if out else repr(token)
    return out or "the spec"


def show(value: Any, limit: int = 60) -> str:
    """A value quoted for a message, cut short when long."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[: limit - 10] + "…") + f" ({len(value)} characters)"
    return repr(value)


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {show(value)}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
