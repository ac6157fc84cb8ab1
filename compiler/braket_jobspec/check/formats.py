"""The formats of names, ARNs and URIs in words, and the exact spot where a value breaks one.

A regular expression can only say "does not match". These checks walk a value the way
the service's pattern does and stop at the first character or field that is wrong, so
a diagnostic can say what was found, what was expected, and point at the character.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from braket_jobspec.config import BUCKET_EXAMPLE, BUCKET_WORDS, PARTITIONS, ROLE_NAME, bucket_flaw


@dataclasses.dataclass(frozen=True)
class Flaw:
    """What is wrong with a value: offset (0-based) and length of the bad part, why, and (when the
    value's rule in words is not the fix) the hint for it."""

    offset: int
    length: int
    reason: str
    hint: str = ""


@dataclasses.dataclass(frozen=True)
class Rule:
    """A format: its statement in words, an example, and the check that finds a flaw."""

    words: str
    example: str
    check: Callable[[str], Flaw | None]


def _first_outside(value: str, allowed: str, what: str) -> Flaw | None:
    bad = re.search(f"[^{allowed}]", value)
    if bad is None:
        return None
    char = bad.group(0)
    shown = (
        repr(char) if char.isprintable() and char != " " else f"U+{ord(char):04X}" + (" (space)" if char == " " else "")
    )
    return Flaw(bad.start(), 1, f"{shown} at position {bad.start() + 1} is not allowed in {what}")


# Control characters (Unicode's Cc: C0, DEL, C1, among them U+0085 NEXT LINE) and the line and
# paragraph separators: the schema's pattern for tag keys and values and hyperparameter names.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_NAMES = {
    "\n": "a line break",
    "\r": "a carriage return",
    "\t": "a tab",
    "\x85": "NEXT LINE, a line break",
    "\u2028": "LINE SEPARATOR, a line break",
    "\u2029": "PARAGRAPH SEPARATOR, a line break",
}


def control_words(char: str) -> str:
    """U+2028 (LINE SEPARATOR, a line break), U+0007 (a control character)."""
    return f"U+{ord(char):04X} ({_CONTROL_NAMES.get(char, 'a control character')})"


def check_one_line(value: str, what: str) -> Flaw | None:
    found = CONTROL.search(value)
    if found is None:
        return None
    at = found.start()
    return Flaw(at, 1, f"{control_words(found.group(0))} at position {at + 1} is not allowed in {what}")


def check_job_name(value: str) -> Flaw | None:
    if not value:
        return Flaw(0, 0, "the name is empty")
    flaw = _first_outside(value, "A-Za-z0-9-", "a job name")
    if flaw:
        return flaw
    if value.startswith("-"):
        return Flaw(0, 1, "a job name cannot start with a hyphen")
    if value.endswith("-"):
        return Flaw(len(value) - 1, 1, "a job name cannot end with a hyphen")
    if len(value) > 50:
        return Flaw(50, len(value) - 50, f"{len(value)} characters, over the maximum of 50")
    return None


def check_channel_name(value: str) -> Flaw | None:
    if not value:
        return Flaw(0, 0, "the channel name is empty")
    flaw = _first_outside(value, r"A-Za-z0-9.\-_", "a channel name")
    if flaw:
        return flaw
    if len(value) > 64:
        return Flaw(64, len(value) - 64, f"{len(value)} characters, over the maximum of 64")
    return None


def _arn_fields(value: str) -> list[tuple[int, str]]:
    """(offset, text) of the first six colon-separated fields; the last keeps its colons."""
    fields: list[tuple[int, str]] = []
    start = 0
    for _ in range(5):
        colon = value.find(":", start)
        if colon < 0:
            break
        fields.append((start, value[start:colon]))
        start = colon + 1
    fields.append((start, value[start:]))
    return fields


def _check_arn_head(value: str, service: str) -> tuple[list[tuple[int, str]], Flaw | None]:
    fields = _arn_fields(value)
    names = ["'arn'", "the partition (aws)", f"the service ({service})", "the region", "the account", "the resource"]
    if len(fields) < 6:
        at = len(value)
        return fields, Flaw(
            at, 0, f"it ends after {len(fields)} of the 6 colon-separated fields; {names[len(fields)]} is missing"
        )
    (o0, arn), (o1, partition), (o2, svc) = fields[0], fields[1], fields[2]
    if arn != "arn":
        return fields, Flaw(o0, len(arn), f"it must start with 'arn:', not {arn + ':'!r}")
    if partition not in PARTITIONS:
        return fields, Flaw(o1, len(partition), f"the partition is {partition!r}; expected aws (or aws-cn, aws-us-gov)")
    if svc != service:
        return fields, Flaw(o2, len(svc), f"the service is {svc!r}; expected {service}")
    return fields, None


def check_role_arn(value: str) -> Flaw | None:
    fields, flaw = _check_arn_head(value, "iam")
    if flaw:
        return flaw
    (o3, region), (o4, account), (o5, resource) = fields[3], fields[4], fields[5]
    if region:
        return Flaw(
            o3, len(region), f"IAM ARNs have no region, found {region!r}; leave the field empty (arn:aws:iam::...)"
        )
    flaw = _check_account(account, o4)
    if flaw:
        return flaw
    if not resource.startswith("role/"):
        return Flaw(o5, len(resource), f"the resource is {resource[:40]!r}; expected role/<name>")
    name = resource[5:]
    if not name:
        return Flaw(o5, len(resource), "the role name is missing after role/")
    flaw = _first_outside(name, ROLE_NAME[1:-2], "a role name")
    if flaw:
        offset = o5 + len(resource) - len(name) + flaw.offset
        return Flaw(offset, 1, flaw.reason.replace(f"position {flaw.offset + 1}", f"position {offset + 1}"))
    return None


def _check_account(account: str, offset: int) -> Flaw | None:
    if re.fullmatch(r"[0-9]{12}", account):
        return None
    if len(account) == 12 and account.isdigit():
        return Flaw(offset, 12, f"the account is {account!r}; expected 12 ASCII digits (0-9), not another script's")
    return Flaw(offset, len(account), f"the account is {account!r}; expected 12 digits")


def check_braket_arn(value: str, kind: str = "") -> Flaw | None:
    """A Braket ARN; of a resource of the kind (`reservation`, `job`) when one is given."""
    fields, flaw = _check_arn_head(value, "braket")
    if flaw:
        return flaw
    (o3, region), (o4, account), (o5, resource) = fields[3], fields[4], fields[5]
    if not re.fullmatch(r"[a-z0-9\-]*", region):
        return Flaw(o3, len(region), f"the region is {region!r}; expected a region such as us-east-1")
    flaw = _check_account(account, o4)
    if flaw or not kind:
        return flaw
    if not resource.startswith(f"{kind}/") or len(resource) == len(kind) + 1:
        words, example = _BRAKET_RESOURCES[kind]
        return Flaw(
            o5,
            len(resource),
            f"the resource is {resource[:40]!r}; expected {kind}/<{words}>",
            f"a {kind} ARN is arn:aws:braket:<region>:<12-digit account>:{kind}/<{words}>, e.g. {example}",
        )
    return None


_BRAKET_RESOURCES = {
    "reservation": ("id", "arn:aws:braket:us-east-1:123456789012:reservation/a1b2c3d4-5678-90ab-cdef-111122223333"),
    "job": ("job name", "arn:aws:braket:us-west-2:123456789012:job/vqe-h2-sweep"),
}


def check_reservation_arn(value: str) -> Flaw | None:
    return check_braket_arn(value, "reservation")


def check_job_arn(value: str) -> Flaw | None:
    return check_braket_arn(value, "job")


def check_bucket(name: str, start: int = 0) -> Flaw | None:
    """S3's rules for bucket names (config.bucket_flaw), with their words as the hint."""
    found = bucket_flaw(name, start)
    return None if found is None else Flaw(*found, hint=f"{BUCKET_WORDS}, e.g. {BUCKET_EXAMPLE}")


def check_s3_uri(value: str) -> Flaw | None:
    """The service's S3Path: (s3|https)://bucket[/key]."""
    m = re.match(r"(s3|https)://", value)
    if m is None:
        scheme = value.split("://", 1)[0] + "://" if "://" in value else value[:5]
        return Flaw(0, len(scheme), f"it starts with {scheme!r}; expected s3:// (or https://)")
    bucket = value[m.end() :].split("/", 1)[0]
    if not bucket:
        return Flaw(m.end(), 0, "the bucket name is missing after " + m.group(0))
    # A https:// URI names its bucket in one of several host forms: the service checks them.
    return check_bucket(bucket, m.end()) if m.group(1) == "s3" else None


def check_s3_object(value: str) -> Flaw | None:
    """An S3 URI the SDK accepts for data and sources: a bucket without dots, and a key."""
    flaw = check_s3_uri(value)
    if flaw:
        return flaw
    scheme = "s3://" if value.lower().startswith("s3://") else ""
    if not scheme:
        return None  # virtual-host https URIs: the service checks them
    rest = value[len(scheme) :]
    bucket, _, key = rest.partition("/")
    if "." in bucket:
        dot = len(scheme) + bucket.index(".")
        return Flaw(dot, 1, f"the bucket name {bucket!r} has a dot, which the SDK does not accept in S3 URIs")
    if not key:
        return Flaw(len(value), 0, f"there is no key after the bucket {bucket!r}")
    return None


_ECR = re.compile(r"[0-9]{10,14}\.dkr\.ecr.[a-z0-9-]+\.amazonaws\.com/.+(@sha256)?:.+")


def check_ecr_uri(value: str) -> Flaw | None:
    """The service's image URI: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>."""
    if _ECR.fullmatch(value):
        return None
    host, slash, path = value.partition("/")
    account, _, rest = host.partition(".")
    if not re.fullmatch(r"[0-9]{10,14}", account):
        script = ", ASCII (0-9), not another script's" if account.isdigit() else ""
        return Flaw(0, len(account), f"the registry account is {account[:40]!r}; expected 10 to 14 digits{script}")
    if not rest.startswith("dkr.ecr."):
        at = len(account) + 1
        return Flaw(at, len(rest), f"the host is {host[:60]!r}; expected <account>.dkr.ecr.<region>.amazonaws.com")
    region, _, domain = rest[len("dkr.ecr.") :].partition(".")
    if not re.fullmatch(r"[a-z0-9-]+", region):
        at = len(account) + 1 + len("dkr.ecr.")
        return Flaw(at, len(region), f"the region is {region!r}; expected lower-case letters, digits and hyphens")
    if domain != "amazonaws.com":
        at = len(host) - len(domain)
        return Flaw(at, len(domain), f"the domain is {domain!r}; expected amazonaws.com")
    if not slash or not path:
        return Flaw(len(value), 0, "the repository name is missing after the host")
    if ":" not in path:
        return Flaw(len(value), 0, "the tag is missing: add :<tag> (e.g. :latest) after the repository")
    if path.endswith(":"):
        return Flaw(len(value), 0, "the tag after ':' is empty")
    return Flaw(0, len(value), "it does not match <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>")


JOB_NAME = Rule(
    "a job name is 1 to 50 ASCII letters, digits and hyphens, not starting or ending with a hyphen",
    "vqe-h2-sweep",
    check_job_name,
)
CHANNEL_NAME = Rule(
    "a channel name is 1 to 64 ASCII letters, digits, '.', '-' and '_'",
    "train",
    check_channel_name,
)
ROLE_ARN = Rule(
    "a role ARN is arn:aws:iam::<12-digit account>:role/<name>",
    "arn:aws:iam::123456789012:role/service-role/AmazonBraketJobsExecutionRole",
    check_role_arn,
)
BRAKET_ARN = Rule(
    "a Braket ARN is arn:aws:braket:<region>:<12-digit account>:<resource>",
    "arn:aws:braket:us-east-1:123456789012:reservation/a1b2c3d4-5678-90ab-cdef-111122223333",
    check_braket_arn,
)
# The same words: a wrong resource carries its own hint (Flaw.hint).
RESERVATION_ARN = dataclasses.replace(BRAKET_ARN, check=check_reservation_arn)
JOB_ARN = dataclasses.replace(BRAKET_ARN, check=check_job_arn)
S3_URI = Rule("an S3 location is s3://<bucket>[/<key>]", "s3://my-bucket/jobs/output", check_s3_uri)
S3_OBJECT = Rule(
    "an S3 URI is s3://<bucket>/<key>, with a bucket name without dots",
    "s3://my-bucket/datasets/train/",
    check_s3_object,
)
TAG = Rule(
    "tag keys and values are text on one line, without control characters",
    "algorithms",
    lambda value: check_one_line(value, "a tag"),
)
HYPERPARAMETER_NAME = Rule(
    "a hyperparameter name is text on one line, without control characters",
    "learning_rate",
    lambda value: check_one_line(value, "a hyperparameter name"),
)
ECR_URI = Rule(
    "an ECR image URI is <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>",
    "292282985366.dkr.ecr.us-west-2.amazonaws.com/amazon-braket-base-jobs:latest",
    check_ecr_uri,
)

# Which rule a spec or request field follows, by JSON pointer pattern.
BY_POINTER: list[tuple[re.Pattern[str], Rule]] = [
    (re.compile(r"^/(job_name|jobName)$"), JOB_NAME),
    (re.compile(r"^/(role_arn|roleArn)$"), ROLE_ARN),
    (re.compile(r"^/(reservation_arn|associations/0/arn)$"), RESERVATION_ARN),
    (re.compile(r"^/copy_checkpoints_from_job$"), JOB_ARN),
    (re.compile(r"/s3_data$"), S3_OBJECT),
    (re.compile(r"(s3Path|s3Uri|code_location)$"), S3_URI),
    (re.compile(r"^/(image_uri|algorithmSpecification/containerImage/uri)$"), ECR_URI),
    (re.compile(r"^/input_data/[^/]+$|^/inputDataConfig/\d+/channelName$"), CHANNEL_NAME),
    (re.compile(r"^/tags/[^/]+$"), TAG),
    (re.compile(r"^/hyperparameters/[^/]+$"), HYPERPARAMETER_NAME),
]


def rule_for(pointer: str) -> Rule | None:
    for pattern, rule in BY_POINTER:
        if pattern.search(pointer):
            return rule
    return None
