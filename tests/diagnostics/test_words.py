"""Did-you-mean suggestions (diagnostics/words.py) on the kinds of names the checks offer."""

from __future__ import annotations

import pytest

from braket_jobspec.diagnostics.words import closest, closest_few, did_you_mean

TOP_LEVEL = ["device", "source_module", "entry_point", "image_uri", "job_name", "stopping_condition", "tags"]
REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-2", "eu-north-1"]
FRAMEWORKS = ["base", "pytorch", "tensorflow", "cudaq"]
INSTANCE = ["instanceType", "volumeSizeInGb", "instanceCount"]


@pytest.mark.parametrize(
    ("word", "choices", "expected"),
    [
        ("pytroch", FRAMEWORKS, "pytorch"),  # swapped
        ("bsae", FRAMEWORKS, "base"),  # swapped, in a four-letter name
        ("job_nam", TOP_LEVEL, "job_name"),  # dropped
        ("entryy_point", TOP_LEVEL, "entry_point"),  # doubled
        ("us-wesr-2", REGIONS, "us-west-2"),  # replaced
        ("us-west2", REGIONS, "us-west-2"),  # separator dropped
        ("entrypoint", TOP_LEVEL, "entry_point"),
        ("jobName", TOP_LEVEL, "job_name"),  # another case convention
        ("instance_type", INSTANCE, "instanceType"),
    ],
)
def test_a_typo_finds_the_name_it_was_meant_to_be(word: str, choices: list[str], expected: str) -> None:
    assert closest(word, choices) == expected
    assert did_you_mean(word, choices) == f"did you mean {expected!r}?"


@pytest.mark.parametrize(
    ("word", "choices"),
    [
        ("ap-south-1", REGIONS),
        ("jax", FRAMEWORKS),
        ("account_id", TOP_LEVEL),
        ("model_parallel", ["data_parallel"]),  # shares `_parallel`, but is another thing
        ("ml.c5.huge", ["ml.c5.xlarge", "ml.c5.2xlarge"]),
    ],
)
def test_an_unrelated_word_gets_no_suggestion(word: str, choices: list[str]) -> None:
    assert closest(word, choices) is None
    assert did_you_mean(word, choices) == ""


def test_no_choices_no_suggestion() -> None:
    assert closest("anything", []) is None
    assert closest_few("anything", []) == []


def test_a_shortened_name_suggests_the_one_choice_it_begins() -> None:
    assert closest("stopping", TOP_LEVEL) == "stopping_condition"
    assert closest("STOPPING", TOP_LEVEL) == "stopping_condition"
    assert closest("stopping", ["the_stopping_condition"]) is None  # contains it, does not begin with it


def test_the_prefix_rule_needs_four_letters_and_one_match() -> None:
    assert closest("sto", ["stopping_condition"]) is None
    assert closest("inst", INSTANCE) is None  # begins instanceType and instanceCount


def test_comparison_ignores_case_and_answers_in_the_choices_spelling() -> None:
    assert closest("JOB_NAME", TOP_LEVEL) == "job_name"
    assert closest("PyTroch", FRAMEWORKS) == "pytorch"
    assert closest("instancetype", INSTANCE) == "instanceType"
    assert closest("US-WEST-2", REGIONS) == "us-west-2"
    assert closest_few("US-WEST-2", REGIONS, 1) == ["us-west-2"]


def test_equally_close_choices_go_to_the_first_listed() -> None:
    assert closest("us-west-3", REGIONS) == "us-west-1"
    assert closest("us-west-3", list(reversed(REGIONS))) == "us-west-2"


def test_choices_may_be_any_iterable() -> None:
    assert closest("stopping", iter(TOP_LEVEL)) == "stopping_condition"  # read twice: score, then prefix
    assert did_you_mean("pytroch", (f for f in FRAMEWORKS)) == "did you mean 'pytorch'?"
    assert closest_few("pytroch", iter(FRAMEWORKS), 1) == ["pytorch"]


def test_closest_few_ranks_the_nearest_first() -> None:
    types = ["ml.t3.large", "ml.m5.large", "ml.m5.xlarge", "ml.m5.2xlarge", "ml.c5.xlarge", "ml.g6e.48xlarge"]
    assert closest_few("ml.m5.xlarg", types) == ["ml.m5.xlarge", "ml.m5.large", "ml.m5.2xlarge"]
    assert closest_few("ml.m5.xlarg", types, count=1) == ["ml.m5.xlarge"]
    assert sorted(closest_few("ml.m5.xlarg", types, count=10)) == sorted(types)


def test_closest_few_keeps_the_choices_order_on_ties() -> None:
    # Each is one letter away from `ab` in the same way.
    assert closest_few("ab", ["xb", "ay", "zb", "aw"]) == ["xb", "ay", "zb"]
    assert closest_few("ab", ["aw", "zb", "ay", "xb"]) == ["aw", "zb", "ay"]
