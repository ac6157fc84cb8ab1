"""The counts behind the suite's last line: every case run, by how it compared."""

from __future__ import annotations

import collections

from .judge import Verdict

RECORDS: list[Verdict] = []


def record(verdict: Verdict) -> None:
    RECORDS.append(verdict)


def summary() -> str:
    kinds = collections.Counter(v.kind for v in RECORDS)
    return (
        f"conformance: {len(RECORDS)} cases, {kinds['identical']} identical, "
        f"{kinds['deviation']} documented deviations, {kinds['unexplained']} unexplained"
    )


def by_deviation() -> dict[str, int]:
    counts: collections.Counter[str] = collections.Counter()
    for verdict in RECORDS:
        counts.update(verdict.deviations)
    return dict(sorted(counts.items()))
