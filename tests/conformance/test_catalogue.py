"""The hand-written cases: each must match the SDK, or differ exactly as it declares."""

from __future__ import annotations

import pytest

from .case import Case
from .catalogue import catalogue
from .deviations import documented
from .harness import run_case

CASES = catalogue()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_matches_the_sdk_or_its_declared_deviations(case: Case) -> None:
    undocumented = case.deviations - documented()
    assert not undocumented, f"{sorted(undocumented)} have no section in docs/deviations.md"
    verdict = run_case(case)
    assert not verdict.problems, verdict.report()
    assert verdict.deviations == case.deviations, (
        f"declared {sorted(case.deviations)}, observed {sorted(verdict.deviations)}\n" + verdict.report()
    )


def test_every_documented_deviation_has_a_case() -> None:
    declared = set().union(*(c.deviations for c in CASES))
    assert documented(), "docs/deviations.md lists no deviation"
    assert documented() - declared == set(), "documented deviations no hand-written case shows"


ACCEPTED = [c for c in CASES if c.sdk_error is None and not c.deviations]


@pytest.mark.parametrize("case", ACCEPTED[:: max(1, len(ACCEPTED) // 12)], ids=lambda c: c.id)
def test_the_command_line_compiles_what_the_sdk_sends(case: Case) -> None:
    """`jobspec compile` with --region/--account-id/--stamp, its files read back, judged the same way."""
    verdict = run_case(case, cli=True)
    assert not verdict.problems, verdict.report()
    assert not verdict.deviations, verdict.report()
