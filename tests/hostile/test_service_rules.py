"""Issue 14: what the service refuses is refused at compile time, in the spec's words.

The cases that are one spec and its exact output live in tests/bad/hostile-*; here are the
rules' agreements (the schema's patterns and the checks that explain a refusal say the same),
the context values, and the valid values that no new rule may refuse.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from braket_jobspec.check import fastcheck, formats
from braket_jobspec.check.rules import INTEGER_FIELDS
from braket_jobspec.config import Context, bucket_flaw, check_context
from braket_jobspec.schemas import SPEC_SCHEMA, schema
from conftest import CONTEXT, Project
from helpers import compile_file

SPEC = schema(SPEC_SCHEMA)
VALIDATOR = Draft202012Validator(SPEC)
BASE = {"device": "arn:aws:braket:::device/quantum-simulator/amazon/sv1", "source_module": "algo.py"}


def spec_codes(project: Project, text: str) -> list[tuple[str, str]]:
    """(code, pointer) of every diagnostic of the spec (the source is algo.py)."""
    project.source("algo.py")
    result = compile_file(project.spec(text))
    return [(d.code, d.pointer) for d in result.diagnostics]


def header(extra: str) -> str:
    return f"device: {BASE['device']}\nsource_module: algo.py\n{extra}"


# --------------------------------------------------------------------------- integers


def _integer_pointers(node: dict[str, Any], pointer: str = "") -> set[str]:
    found = {pointer} if node.get("type") == "integer" else set()
    for key, sub in node.get("properties", {}).items():
        found |= _integer_pointers(sub, f"{pointer}/{key}")
    return found


def test_the_integer_fields_of_the_rule_are_the_schemas() -> None:
    assert {f"/{parent}/{name}" for parent, name in INTEGER_FIELDS} == _integer_pointers(SPEC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("instance_config:\n  volumeSizeInGb: 30\n", []),
        ("instance_config:\n  instanceCount: 2147483647\n", []),
        ("stopping_condition:\n  maxRuntimeInSeconds: 3.6e3\n", [("E203", "/stopping_condition/maxRuntimeInSeconds")]),
        # Not a whole number: the schema's own refusal, once.
        ("instance_config:\n  volumeSizeInGb: 30.5\n", [("E203", "/instance_config/volumeSizeInGb")]),
        # Whole but under the minimum: both are true.
        (
            "instance_config:\n  instanceCount: -0.0\n",
            [("E206", "/instance_config/instanceCount"), ("E203", "/instance_config/instanceCount")],
        ),
    ],
)
def test_whole_floats_are_refused_once(project: Project, text: str, expected: list[tuple[str, str]]) -> None:
    assert sorted(spec_codes(project, header(text))) == sorted(expected)


def test_a_float_hyperparameter_is_still_a_hyperparameter(project: Project) -> None:
    assert spec_codes(project, header("hyperparameters:\n  lr: 30.0\n")) == []


# --------------------------------------------------------------------------- S3 buckets

GOOD_BUCKETS = [
    "abc",
    "my-bucket",
    "a.b.c",
    "amazon-braket-us-west-2-123456789012",
    "x" * 63,
    "xn-single-hyphen",
    "my-s3alias-bucket",
    "s3alias",
    "sthree",
    "1.2.3",
    "1234.5.6.7",
    "bucket--x-s3",
]
BAD_BUCKETS = {
    "": "under the minimum of 3",
    "ab": "under the minimum of 3",
    "x" * 64: "over the maximum of 63",
    "My-bucket": "lower-case",
    "my_bucket": "'_' at position 3",
    "my bucket": "U+0020 at position 3",
    "-bucket": "starts with a letter or digit, not '-'",
    "bucket-": "ends with a letter or digit, not '-'",
    ".bucket": "starts with a letter or digit, not '.'",
    "bucket.": "ends with a letter or digit, not '.'",
    "my..bucket": "no two dots in a row",
    "192.168.5.4": "not an IP address",
    "xn--bucket": "the prefix 'xn--'",
    "sthree-bucket": "the prefix 'sthree-'",
    "amzn-s3-demo-bucket": "the prefix 'amzn-s3-demo-'",
    "data-s3alias": "the suffix '-s3alias'",
    "data--ol-s3": "the suffix '--ol-s3'",
    "my-bucket/jobs": "'/' at position 10",
    "١٢٣": "'١' at position 1",
}


@pytest.mark.parametrize("name", GOOD_BUCKETS)
def test_valid_bucket_names_pass(name: str) -> None:
    assert bucket_flaw(name) is None
    assert formats.check_s3_uri(f"s3://{name}/key") is None


@pytest.mark.parametrize(("name", "why"), sorted(BAD_BUCKETS.items()))
def test_invalid_bucket_names_say_why(name: str, why: str) -> None:
    flaw = bucket_flaw(name)
    assert flaw is not None and why in flaw[2], flaw


def _location_verdicts(value: str) -> tuple[bool, bool, bool]:
    """(fast validator, jsonschema, formats.check_s3_uri) verdicts on a code_location value."""
    document = {**BASE, "code_location": value}
    return (
        fastcheck.first_error(SPEC_SCHEMA, document) is None,
        VALIDATOR.is_valid(document),
        formats.check_s3_uri(value) is None,
    )


BUCKET_TEXT = st.text("abxnz019.-_/As3:", max_size=70)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(
    value=st.one_of(
        BUCKET_TEXT.map(lambda b: f"s3://{b}"),
        st.sampled_from([*GOOD_BUCKETS, *BAD_BUCKETS]).map(lambda b: f"s3://{b}/k"),
        st.builds(
            lambda p, b, s: f"s3://{p}{b}{s}/k",
            st.sampled_from(["", "xn--", "sthree-", "amzn-s3-demo-"]),
            BUCKET_TEXT,
            st.sampled_from(["", "-s3alias", "--ol-s3", "-", ".", ".."]),
        ),
    )
)
def test_the_schema_pattern_and_the_check_agree_on_s3_locations(value: str) -> None:
    fast, slow, check = _location_verdicts(value)
    assert fast == slow == check, (value, fast, slow, check)


@pytest.mark.parametrize(
    "value", ["s3://My-Bucket/x", "s3://ab", "s3://my-bucket-/x", "s3://xn--abc/x", "s3://a..b/x", "s3://10.0.0.1/x"]
)
def test_the_s3_data_pattern_refuses_what_the_check_refuses(value: str) -> None:
    document = {**BASE, "input_data": {"train": {"s3_data": value}}}
    assert fastcheck.first_error(SPEC_SCHEMA, document) is not None
    assert not VALIDATOR.is_valid(document)
    assert formats.check_s3_object(value) is not None


def test_an_https_virtual_host_input_has_its_bucket_checked(project: Project) -> None:
    project.source("algo.py")
    result = compile_file(project.spec(header("input_data: https://My_Bucket.s3.us-west-2.amazonaws.com/data/x\n")))
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert (error.code, error.pointer, error.col) == ("E205", "/input_data", len("input_data: https://") + 1)


def test_a_local_input_path_is_no_bucket(project: Project) -> None:
    project.write("S3_Data/x.csv", "1\n")
    assert spec_codes(project, header("input_data:\n  train: S3_Data/x.csv\n")) == []


# --------------------------------------------------------------------------- ARNs


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_the_three_partitions_are_accepted(project: Project, partition: str) -> None:
    text = header(
        f"role_arn: arn:{partition}:iam::123456789012:role/service-role/Jobs\n"
        f"reservation_arn: arn:{partition}:braket:us-east-1:123456789012:reservation/a1b2\n"
        f"copy_checkpoints_from_job: arn:{partition}:braket:us-west-2:123456789012:job/vqe-1\n"
    )
    assert [c for c in spec_codes(project, text) if c[0].startswith("E2")] == []


@pytest.mark.parametrize(
    ("rule", "value", "why"),
    [
        (formats.ROLE_ARN, "arn:aws-iso:iam::123456789012:role/x", "the partition is 'aws-iso'"),
        (formats.ROLE_ARN, "arn:aws:iam::123456789012:role", "expected role/<name>"),
        (formats.ROLE_ARN, "arn:aws:iam::123456789012:role/", "the role name is missing"),
        (formats.ROLE_ARN, "arn:aws:iam::12345678901२:role/x", "12 ASCII digits"),
        (formats.RESERVATION_ARN, "arn:aws:braket:us-east-1:123456789012:reservation/", "expected reservation/<id>"),
        (formats.JOB_ARN, "arn:aws:braket:us-east-1:123456789012:device/qpu/x", "expected job/<job name>"),
        (formats.ECR_URI, "١٢٣٤٥٦٧٨٩٠١٢.dkr.ecr.us-west-2.amazonaws.com/r:t", "ASCII (0-9)"),
    ],
)
def test_arn_checks_say_why(rule: formats.Rule, value: str, why: str) -> None:
    flaw = rule.check(value)
    assert flaw is not None and why in flaw.reason, flaw


@pytest.mark.parametrize(
    ("pointer", "rule"),
    [
        ("/role_arn", formats.ROLE_ARN),
        ("/reservation_arn", formats.RESERVATION_ARN),
        ("/associations/0/arn", formats.RESERVATION_ARN),
        ("/copy_checkpoints_from_job", formats.JOB_ARN),
        ("/tags/team", formats.TAG),
        ("/hyperparameters/lr", formats.HYPERPARAMETER_NAME),
    ],
)
def test_each_field_has_its_rule(pointer: str, rule: formats.Rule) -> None:
    assert formats.rule_for(pointer) is rule


ARN_VALUES = [
    "arn:aws:iam::123456789012:role/x",
    "arn:aws:iam::123456789012:roleX",
    "arn:aws:iam::123456789012:role/",
    "arn:awsx:iam::123456789012:role/x",
    "arn:aws-us-gov:iam::123456789012:role/a/b",
    "arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/x",
    "arn:aws:braket:us-east-1:123456789012:reservation/x",
    "arn:aws:braket:us-east-1:123456789012:job/x",
    "arn:aws:braket::123456789012:job/",
    "arn:aws-cn:braket:cn-north-1:123456789012:reservation/r",
]


@pytest.mark.parametrize("value", ARN_VALUES)
@pytest.mark.parametrize("key", ["role_arn", "reservation_arn", "copy_checkpoints_from_job"])
def test_the_arn_patterns_and_checks_agree(key: str, value: str) -> None:
    document = {**BASE, key: value}
    rule = formats.rule_for(f"/{key}")
    assert rule is not None
    verdicts = (fastcheck.first_error(SPEC_SCHEMA, document) is None, VALIDATOR.is_valid(document))
    assert verdicts == ((rule.check(value) is None),) * 2, verdicts


# --------------------------------------------------------------------------- one line of text


def _one_line_pattern(where: dict[str, Any]) -> re.Pattern[str]:
    return re.compile(where["pattern"])


def test_the_one_line_patterns_are_the_checks_set_of_characters() -> None:
    props = SPEC["properties"]
    patterns = {
        props["tags"]["propertyNames"]["pattern"],
        props["tags"]["additionalProperties"]["pattern"],
        props["hyperparameters"]["propertyNames"]["pattern"],
    }
    (source,) = patterns
    pattern = re.compile(source)
    for code in [*range(0x3000), 0xFEFF, 0x10FFFF]:
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        assert (pattern.search(f"a{char}b") is not None) == (formats.CONTROL.search(char) is None), hex(code)


@pytest.mark.parametrize("char", ["\u200b", "\u00a0", "\u3000", "\ufeff", "é", "✓"])
def test_printable_or_format_characters_pass_in_tags_and_hyperparameters(project: Project, char: str) -> None:
    text = header(f'tags:\n  "team{char}": "a{char}b"\nhyperparameters:\n  "lr{char}": "0.1{char}"\n')
    assert spec_codes(project, text) == []


@pytest.mark.parametrize("char", ["\t", "\x7f", "\x9b", "\u2029"])
def test_control_characters_are_refused_in_every_place(project: Project, char: str) -> None:
    escaped = json.dumps(char)[1:-1]
    text = header(
        f'tags:\n  "k{escaped}": v\n  v: "a{escaped}"\nhyperparameters:\n  "h{escaped}": "1"\n  h: "a{escaped}"\n'
    )
    codes = spec_codes(project, text)
    assert sorted(codes) == sorted(
        [
            ("E205", f"/tags/k{char}"),
            ("E205", "/tags/v"),
            ("E205", f"/hyperparameters/h{char}"),
            ("E205", "/hyperparameters/h"),
        ]
    ), codes


def test_fifty_tags_are_allowed(project: Project) -> None:
    tags = "".join(f"  t{i}: v\n" for i in range(50))
    assert spec_codes(project, header(f"tags:\n{tags}")) == []


# --------------------------------------------------------------------------- the context


def _context_errors(**values: str) -> list[str]:
    return [d.message for d in check_context(Context(**values), "command line", lambda: ["us-west-2"])]


def test_a_full_valid_context_passes() -> None:
    assert (
        _context_errors(
            region="us-gov-west-1",
            account_id="012345678901",
            default_bucket="my.jobs-bucket",
            default_role_arn="arn:aws-us-gov:iam::012345678901:role/path/Jobs",
            stamp="1700000000000",
        )
        == []
    )


@pytest.mark.parametrize("field", ["region", "account_id", "default_bucket", "default_role_arn", "stamp"])
@pytest.mark.parametrize("space", [" ", "\t", "\n", "\u2028", "\u00a0"])
def test_surrounding_whitespace_is_refused(field: str, space: str) -> None:
    good = {
        "region": "us-west-2",
        "account_id": "123456789012",
        "default_bucket": "my-bucket",
        "default_role_arn": "arn:aws:iam::123456789012:role/x",
        "stamp": "1",
    }[field]
    for value in (space + good, good + space):
        (message,) = _context_errors(**{field: value})
        assert message.startswith(f"{field} ") and "spaces or line breaks around it" in message


@pytest.mark.parametrize(
    ("values", "why"),
    [
        ({"region": "us-west-٢"}, "expected an AWS region"),
        ({"account_id": "١٢٣٤٥٦٧٨٩٠١٢"}, "12 ASCII digits"),
        ({"default_bucket": "s3://my-bucket"}, "a bucket name has no '/'"),
        ({"default_bucket": ""}, "under the minimum of 3"),
        ({"default_role_arn": "arn:aws:iam::123456789012:role"}, "expected role/<name>"),
        ({"default_role_arn": "arn:aws-iso:iam::123456789012:role/x"}, "the partition is 'aws-iso'"),
        ({"default_role_arn": "arn:aws:sts::123456789012:role/x"}, "the service is 'sts'"),
        ({"default_role_arn": "arn:aws:iam:us-east-1:123456789012:role/x"}, "IAM ARNs have no region"),
        ({"default_role_arn": "AmazonBraketJobsExecutionRole"}, "expected an ARN"),
        ({"stamp": "abc\u0661"}, "expected 1 to 32 letters and digits"),
    ],
)
def test_context_values_in_the_services_formats(values: dict[str, str], why: str) -> None:
    (message,) = _context_errors(**values)
    assert why in message, message


# --------------------------------------------------------------------------- the valid path


def test_the_new_rules_import_nothing_on_the_valid_path(project: Project) -> None:
    """A spec that reaches every new rule, and passes them, loads no module for refusals."""
    project.source("src/algo.py")
    spec = project.spec(
        "device: arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1\nsource_module: src/algo.py\n"
        "code_location: s3://my-bucket/code\ninput_data:\n  ref: s3://my-bucket/ref/\n"
        "  typed: {s3_data: 's3://my-bucket/t/', content_type: text/csv}\n"
        "instance_config: {instanceCount: 2, volumeSizeInGb: 40}\nstopping_condition: {maxRuntimeInSeconds: 60}\n"
        "role_arn: arn:aws:iam::123456789012:role/Jobs\n"
        "reservation_arn: arn:aws:braket:us-east-1:123456789012:reservation/r1\n"
        "hyperparameters: {lr: 0.5, name: 'a b'}\ntags: {team: algorithms, 'cost center': '12'}\n"
    )
    probe = (
        "import json, sys\nfrom braket_jobspec.cli import main\n"
        f"code = main(['compile', {str(spec)!r}, '-o', '-', *{CONTEXT!r}, '--default-bucket', 'my-bucket'])\n"
        "sys.stderr.write(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=project.root, timeout=60)
    code, modules = json.loads(done.stderr.splitlines()[-1])
    assert code == 0, done.stderr
    assert not {"braket_jobspec.check.formats", "jsonschema", "difflib", "unicodedata"} & set(modules)
