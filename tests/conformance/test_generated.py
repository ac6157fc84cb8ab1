"""Random specs over random small trees: every difference from the SDK must be documented."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from .case import Case
from .harness import run_case
from .strategies import cases

# At least 300 per run (the issue asks for hundreds); derandomized, so every run compares the same ones.
EXAMPLES = 400


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases())
def test_generated_case_matches_the_sdk_or_a_documented_deviation(case: Case) -> None:
    verdict = run_case(case)
    assert not verdict.problems, verdict.report() + f"\nspec: {case.spec}\ncontext: {case.context}"


def test_enough_generated_cases_ran() -> None:
    """The run really compared the promised number of generated cases (pytest runs a module's tests in order)."""
    from . import tally

    generated = [v for v in tally.RECORDS if v.case_id == "generated"]
    if not generated:
        pytest.skip("the generated-case test did not run in this session (deselected)")
    assert len(generated) >= EXAMPLES
