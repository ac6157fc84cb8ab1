"""The hint for a refused instance type: an allowed type of the same kind (GPU or CPU), near in size.

Spelling alone answers `ml.p3.2xlarge`, the GPU instance the Braket examples used until 2024,
with `ml.t3.2xlarge`, a small CPU instance: one letter away, and no use to a GPU job."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from braket_jobspec import sdk
from braket_jobspec.diagnostics.words import closest, did_you_mean, one_of

# `ml.` may be missing and the size missing or misspelt: the family alone tells the kind, and
# a hint for `p3.2xlarge` or `ml.p3` must not propose a CPU type either.
_TYPE = re.compile(r"(?:ml\.)?(?P<family>[a-z]{1,4}\d{1,2}[a-z-]{0,8})(?:\.(?P<size>[^.]*))?")
_XLARGE = re.compile(r"(?P<times>[1-9]\d{0,2})?xlarge")
_BELOW_XLARGE = {"large": 1 / 2, "medium": 1 / 4, "small": 1 / 8, "micro": 1 / 16, "nano": 1 / 32}
# Memory-optimised (r, x, z) and other families the model has no kin of fall back to general
# purpose: of the CPU families offered, the most memory per core without a burst budget (t3).
_GENERAL = "m"
_RETIRED_WHY = "botocore's model for Braket lists none"


class _Type(NamedTuple):
    name: str  # ml.p3.2xlarge, or ml.p3 when the size is missing
    family: str  # ml.p3
    capacity: float | None  # in xlarges; None when the size is missing or unreadable


class _Offer(NamedTuple):
    name: str
    capacity: float


def _table() -> dict[str, Any]:
    return sdk.table("instances.json")


def retired() -> dict[str, list[str]]:
    """Each family Braket no longer offers, with the families that replace it, most alike first."""
    return {family: list(successors) for family, successors in _table()["retired"].items()}


def _parse(value: str) -> _Type | None:
    match = _TYPE.fullmatch(value.strip().lower())
    if match is None:
        return None
    family = "ml." + match["family"]
    size = match["size"]
    return _Type(f"{family}.{size}" if size is not None else family, family, _capacity(size or ""))


def _capacity(size: str) -> float | None:
    match = _XLARGE.fullmatch(size)
    if match:
        return float(match["times"] or 1)
    return _BELOW_XLARGE.get(size)


def is_gpu(family: str) -> bool:
    """Whether an instance family (ml.g6) or type (ml.g6.xlarge) has GPUs: the p and g families."""
    return family.removeprefix("ml.")[:1] in ("p", "g")


def hint(value: str, allowed: Sequence[str]) -> str:
    """The hint for an instance type that is not one of allowed: never a type of the other kind."""
    wanted = _parse(value)
    if wanted is None:
        return _unread(value, allowed)
    gpu = is_gpu(wanted.family)
    kind = "GPU" if gpu else "CPU"
    offered = _families(allowed, gpu)
    if not offered:
        return f"none of the {len(allowed)} allowed values is a {kind} instance type"
    if wanted.family in offered:
        return _other_size(wanted, offered[wanted.family], allowed)
    successors = [family for family in retired().get(wanted.family, []) if family in offered]
    if successors:
        said = f"{wanted.family} instances are no longer offered ({_RETIRED_WHY}); "
        said += (
            f"their successors here are {_and(successors)}"
            if successors[1:]
            else f"its successor here is {successors[0]}"
        )
        pick = _nearest(wanted, [t for family in successors for t in offered[family]])
        return said + (f", e.g. {pick!r}" if pick else "")
    family = _kin(wanted.family, list(offered))
    said = f"{wanted.family} instances are not offered for Braket jobs; "
    pick = _nearest(wanted, offered[family])
    if pick:
        return said + f"the nearest {kind} type offered: {pick!r}"
    return said + f"the nearest {kind} family offered is {family}, in sizes {_sizes(offered[family])}"


def _unread(value: str, allowed: Sequence[str]) -> str:
    """Not an instance type by its form (`gpu`): the nearest by spelling, as for any other list."""
    return one_of(value, allowed)


def _families(allowed: Iterable[str], gpu: bool) -> dict[str, list[_Offer]]:
    """The allowed types of one kind by family, in the model's order (types of unknown size left out)."""
    out: dict[str, list[_Offer]] = {}
    for name in allowed:
        known = _parse(name)
        if known is not None and known.name == name and known.capacity is not None and is_gpu(name) == gpu:
            out.setdefault(known.family, []).append(_Offer(name, known.capacity))
    return out


def _other_size(wanted: _Type, types: list[_Offer], allowed: Sequence[str]) -> str:
    if wanted.name in allowed:  # written in capitals, or without `ml.`
        return f"did you mean {wanted.name!r}?"
    pick = _nearest(wanted, types)
    if pick:
        return f"{_comes_in(wanted.family, types)}: did you mean {pick!r}?"
    return did_you_mean(wanted.name, [t.name for t in types]) or _comes_in(wanted.family, types)


def _nearest(wanted: _Type, types: list[_Offer]) -> str | None:
    """The type nearest wanted in capacity, as a ratio (2xlarge is as near xlarge as 4xlarge); ties: the larger.

    Without a size, only a family of one size has a nearest."""
    size = wanted.capacity
    if size is None:
        return types[0].name if len(types) == 1 else None

    def distance(item: tuple[int, _Offer]) -> tuple[float, float, int]:
        index, offer = item
        return max(offer.capacity / size, size / offer.capacity), -offer.capacity, index

    return min(enumerate(types), key=distance)[1].name


def _kin(family: str, offered: list[str]) -> str:
    """The offered family nearest one the model does not have: by spelling (g4d: g4dn), else by class."""
    short = [name.removeprefix("ml.") for name in offered]
    # Families only: a whole type (ml.c6.xlarge) is as near ml.c4.xlarge as ml.c5.xlarge by spelling.
    near = closest(family.removeprefix("ml."), short)
    if near is not None:
        return "ml." + near
    letters = _letters(family)
    same = [name for name in offered if _letters(name) == letters]
    if not same and not is_gpu(family):
        same = [name for name in offered if _letters(name) == _GENERAL]
    # The newest generation; of its families the plain one (c5, not c5n) is the all-rounder.
    return min(same or offered, key=lambda name: (-_generation(name), len(name), offered.index(name)))


def _letters(family: str) -> str:
    found = re.match(r"[a-z]*", family.removeprefix("ml."))
    return found[0] if found else ""


def _generation(family: str) -> int:
    found = re.search(r"\d+", family)
    return int(found[0]) if found else 0


def _comes_in(family: str, types: list[_Offer]) -> str:
    return f"{family} comes {'only ' if len(types) == 1 else ''}in {_sizes(types)}"


def _sizes(types: list[_Offer]) -> str:
    return _and([t.name.rsplit(".", 1)[1] for t in sorted(types, key=lambda t: t.capacity)])


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
