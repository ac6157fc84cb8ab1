"""The formats of names, ARNs and URIs in words, and the exact spot where a value breaks one.

A regular expression can only say "does not match". These checks walk a value the way
the service's pattern does and stop at the first character or field that is wrong, so
a diagnostic can say what was found, what was expected, and point at the character.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable


@dataclasses.dataclass(frozen=True)
class Flaw:
    """What is wrong with a value: offset (0-based) and length of the bad part, and why."""

    offset: int
    length: int
    reason: str


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
    if not re.fullmatch(r"aws[a-z\-]*", partition):
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
    if not re.fullmatch(r"\d{12}", account):
        return Flaw(o4, len(account), f"the account is {account!r}; expected 12 digits")
    if not resource.startswith("role"):
        return Flaw(o5, len(resource), f"the resource is {resource[:40]!r}; expected role/<name>")
    name = resource[4:].lstrip("/")
    if not name:
        return Flaw(o5, len(resource), "the role name is missing after role/")
    flaw = _first_outside(name, r"a-zA-Z_0-9+=,.@\-/", "a role name")
    if flaw:
        offset = o5 + len(resource) - len(name) + flaw.offset
        return Flaw(offset, 1, flaw.reason.replace(f"position {flaw.offset + 1}", f"position {offset + 1}"))
    return None


def check_braket_arn(value: str) -> Flaw | None:
    fields, flaw = _check_arn_head(value, "braket")
    if flaw:
        return flaw
    (o3, region), (o4, account) = fields[3], fields[4]
    if not re.fullmatch(r"[a-z0-9\-]*", region):
        return Flaw(o3, len(region), f"the region is {region!r}; expected a region such as us-east-1")
    if not re.fullmatch(r"[0-9]{12}", account):
        return Flaw(o4, len(account), f"the account is {account!r}; expected 12 digits")
    return None


def check_s3_uri(value: str) -> Flaw | None:
    """The service's S3Path: (s3|https)://bucket[/key]."""
    m = re.match(r"(s3|https)://", value)
    if m is None:
        scheme = value.split("://", 1)[0] + "://" if "://" in value else value[:5]
        return Flaw(0, len(scheme), f"it starts with {scheme!r}; expected s3:// (or https://)")
    bucket = value[m.end() :].split("/", 1)[0]
    if not bucket:
        return Flaw(m.end(), 0, "the bucket name is missing after " + m.group(0))
    return None


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


_ECR = re.compile(r"\d{10,14}\.dkr\.ecr.[a-z0-9-]+\.amazonaws\.com/.+(@sha256)?:.+")


def check_ecr_uri(value: str) -> Flaw | None:
    """The service's image URI: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>."""
    if _ECR.fullmatch(value):
        return None
    host, slash, path = value.partition("/")
    account, _, rest = host.partition(".")
    if not re.fullmatch(r"\d{10,14}", account):
        return Flaw(0, len(account), f"the registry account is {account[:40]!r}; expected 10 to 14 digits")
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
S3_URI = Rule("an S3 location is s3://<bucket>[/<key>]", "s3://my-bucket/jobs/output", check_s3_uri)
S3_OBJECT = Rule(
    "an S3 URI is s3://<bucket>/<key>, with a bucket name without dots",
    "s3://my-bucket/datasets/train/",
    check_s3_object,
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
    (re.compile(r"^/(reservation_arn|copy_checkpoints_from_job|associations/0/arn)$"), BRAKET_ARN),
    (re.compile(r"/s3_data$"), S3_OBJECT),
    (re.compile(r"(s3Path|s3Uri|code_location)$"), S3_URI),
    (re.compile(r"^/(image_uri|algorithmSpecification/containerImage/uri)$"), ECR_URI),
    (re.compile(r"^/input_data/[^/]+$|^/inputDataConfig/\d+/channelName$"), CHANNEL_NAME),
]


def rule_for(pointer: str) -> Rule | None:
    for pattern, rule in BY_POINTER:
        if pattern.search(pointer):
            return rule
    return None
