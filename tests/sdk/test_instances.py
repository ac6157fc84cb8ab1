"""The hint for a refused instance type: an allowed type of the same kind (GPU or CPU), near in size."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from braket_jobspec.schemas import SPEC_SCHEMA, schema
from braket_jobspec.sdk import instances
from braket_jobspec.sdk.instances import hint, is_gpu
from conftest import CONTEXT, Project

ALLOWED: list[str] = schema(SPEC_SCHEMA)["properties"]["instance_config"]["properties"]["instanceType"]["enum"]
FAMILIES = {name.rsplit(".", 1)[0] for name in ALLOWED}
SIZES = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "9xlarge"]
SIZES += ["12xlarge", "16xlarge", "18xlarge", "24xlarge", "32xlarge", "48xlarge", "96xlarge"]


def proposed(text: str) -> list[str]:
    """The instance types a hint puts forward (quoted, as did-you-mean quotes them)."""
    return re.findall(r"'(ml\.[^']+)'", text)


def test_every_successor_is_a_family_of_the_model_of_the_same_kind() -> None:
    for family, successors in instances.retired().items():
        assert family not in FAMILIES, f"{family} is offered again: take it out of sdk/data/instances.json"
        assert successors, family
        for successor in successors:
            assert successor in FAMILIES, f"{family}: {successor} is not in the spec schema's instanceType enum"
            assert is_gpu(successor) == is_gpu(family), (family, successor)


@pytest.mark.parametrize("family", sorted(instances.retired()))
@pytest.mark.parametrize("size", ["large", "xlarge", "2xlarge", "8xlarge", "16xlarge", "24xlarge", "48xlarge"])
def test_a_retired_family_gets_an_allowed_type_of_its_kind_from_a_successor(family: str, size: str) -> None:
    text = hint(f"{family}.{size}", ALLOWED)
    assert text.startswith(f"{family} instances are no longer offered")
    (pick,) = proposed(text)
    assert pick in ALLOWED and is_gpu(pick) == is_gpu(family)
    assert pick.rsplit(".", 1)[0] in instances.retired()[family]


def test_the_gpu_of_the_old_examples_gets_a_gpu_and_its_successors() -> None:
    text = hint("ml.p3.2xlarge", ALLOWED)
    assert text == (
        "ml.p3 instances are no longer offered (botocore's model for Braket lists none); "
        "their successors here are ml.g6 and ml.p4d, e.g. 'ml.g6.2xlarge'"
    )
    assert "ml.t3" not in text  # what spelling alone proposed


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ml.t3.medium", "ml.t3.large"),  # a family offered, not in that size: the nearest size
        ("ml.c5.24xlarge", "ml.c5.18xlarge"),
        ("ml.p4d.xlarge", "ml.p4d.24xlarge"),
        ("ml.m6i.xlarge", "ml.m5.xlarge"),  # a newer family: the newest of its class offered
        ("ml.c6i.2xlarge", "ml.c5.2xlarge"),
        ("ml.r5.4xlarge", "ml.m5.4xlarge"),  # memory-optimised: general purpose
        ("ml.p5.48xlarge", "ml.p4d.24xlarge"),
        ("ml.g4d.xlarge", "ml.g4dn.xlarge"),  # a misspelt family
        ("ml.p3dn.24xlarge", "ml.p4d.24xlarge"),
        ("ml.p2.8xlarge", "ml.g4dn.8xlarge"),
        ("ML.M5.LARGE", "ml.m5.large"),
        ("m5.large", "ml.m5.large"),
        ("ml.m5.larg", "ml.m5.large"),  # a misspelt size: by spelling, within the family
    ],
)
def test_the_proposal(value: str, expected: str) -> None:
    assert proposed(hint(value, ALLOWED)) == [expected]


def test_sizes_are_ordered_by_capacity_and_a_tie_goes_to_the_larger() -> None:
    # 2xlarge is as far from xlarge as from 4xlarge.
    assert proposed(hint("ml.m9.2xlarge", ["ml.m5.xlarge", "ml.m5.4xlarge"])) == ["ml.m5.4xlarge"]
    assert proposed(hint("ml.m5.medium", ["ml.m5.micro", "ml.m5.large", "ml.m5.xlarge"])) == ["ml.m5.large"]


def test_g5_gets_a_g6_of_the_same_size() -> None:
    (pick,) = proposed(hint("ml.g5.48xlarge", ALLOWED))
    assert pick in ("ml.g6.48xlarge", "ml.g6e.48xlarge")


def test_a_family_offered_names_its_sizes() -> None:
    assert hint("ml.t3.medium", ALLOWED) == "ml.t3 comes in large, xlarge and 2xlarge: did you mean 'ml.t3.large'?"
    assert hint("ml.m5.hugeee", ALLOWED) == "ml.m5 comes in large, xlarge, 2xlarge, 4xlarge, 12xlarge and 24xlarge"


def test_a_family_without_a_size_still_keeps_to_its_kind() -> None:
    assert hint("ml.p3", ALLOWED).endswith("their successors here are ml.g6 and ml.p4d")
    assert proposed(hint("ml.p5", ALLOWED)) == ["ml.p4d.24xlarge"]
    assert proposed(hint("p3.2xlarge", ALLOWED)) == ["ml.g6.2xlarge"]


def test_a_value_that_is_no_instance_type_gets_the_nearest_by_spelling() -> None:
    assert hint("gpu", ALLOWED) == "the nearest of the 51 allowed values: ml.t3.large, ml.m5.large, ml.g6.xlarge"
    assert hint("ml-m5-large", ALLOWED) == "did you mean 'ml.m5.large'?"


def test_no_type_of_the_kind_is_no_proposal() -> None:
    assert hint("ml.p3.2xlarge", ["ml.m5.large"]) == "none of the 1 allowed values is a GPU instance type"


families = st.from_regex(r"[a-z]{1,3}[0-9]{1,2}[a-z]{0,3}", fullmatch=True)
sizes = st.one_of(st.sampled_from(SIZES), st.integers(1, 999).map(lambda n: f"{n}xlarge"))


@settings(max_examples=300, deadline=None)
@given(families, sizes, st.lists(st.sampled_from(ALLOWED), min_size=1, unique=True) | st.just(ALLOWED))
def test_a_proposal_is_allowed_and_of_the_same_kind(family: str, size: str, allowed: list[str]) -> None:
    value = f"ml.{family}.{size}"
    text = hint(value, allowed)
    assert text and "\n" not in text and not text.endswith(".")
    for pick in proposed(text):
        assert pick in allowed and is_gpu(pick) == is_gpu(value), text
    if any(is_gpu(name) == is_gpu(value) for name in allowed):
        assert proposed(text), text  # a size is given: there is always a nearest


def test_the_cli_refuses_the_old_gpu_type_with_the_new_hint(project: Project, cli) -> None:  # type: ignore[no-untyped-def]
    project.source()
    spec = project.spec(
        "device: arn:aws:braket:::device/quantum-simulator/amazon/sv1\n"
        "source_module: algo.py\n"
        "instance_config: {instanceType: ml.p3.2xlarge}\n"
    )
    run = cli("validate", str(spec.name), *CONTEXT, cwd=project.root)
    assert run.code == 1
    assert "job.yaml:3:33: E204 instance_config.instanceType: 'ml.p3.2xlarge' is not an allowed value" in run.err
    assert "hint: ml.p3 instances are no longer offered" in run.err
    assert "e.g. 'ml.g6.2xlarge'" in run.err


def test_the_cli_hint_in_toml(project: Project, cli) -> None:  # type: ignore[no-untyped-def]
    project.source()
    spec = project.spec(
        'device = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"\n'
        'source_module = "algo.py"\n'
        "[instance_config]\n"
        'instanceType = "ml.t3.medium"\n',
        name="job.toml",
    )
    run = cli("validate", spec.name, *CONTEXT, cwd=project.root)
    assert run.code == 1
    assert "job.toml:4:16: E204" in run.err
    assert "hint: ml.t3 comes in large, xlarge and 2xlarge: did you mean 'ml.t3.large'?" in run.err
