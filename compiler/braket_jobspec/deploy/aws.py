"""boto3 for the deployer: the only module that imports it (lazily), and AWS errors in words.

Credentials come from boto3's usual chain (environment, profiles, SSO, instance roles);
the region from the artifact. Retries are botocore's (standard or adaptive mode), so
throttling and transient 5xx answers are retried with backoff before an error is shown.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from braket_jobspec.diagnostics import Diagnostic

DEFAULT_MAX_ATTEMPTS = 8
USER_AGENT = "jobspec-deploy"

THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestThrottled",
    }
)
DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AllAccessDisabled"})
BAD_CREDENTIALS = frozenset(
    {
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "UnrecognizedClientException",
        "InvalidToken",
    }
)
CREDENTIALS_HINT = (
    "boto3 looks in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or --profile, ~/.aws/config "
    "(run `aws sso login` for SSO profiles) and the instance or container role"
)


RERUN = (
    "re-run the deploy (later): finished uploads are skipped, and if CreateJob went through, "
    "its clientToken makes the service answer with that job instead of making a second one"
)


class MissingBoto3(Exception):
    """boto3 is not installed: deploying needs the `deploy` extra."""


@dataclasses.dataclass(frozen=True)
class AwsSettings:
    """How to reach AWS: from the command line."""

    profile: str | None = None
    endpoint_url: str | None = None  # S3, STS and CloudWatch Logs (one local endpoint in tests)
    braket_endpoint_url: str | None = None
    retry_mode: str = "standard"
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    connect_timeout: float = 10.0
    read_timeout: float = 60.0


class Clients:
    """One boto3 session and its clients in one region, created on first use."""

    def __init__(self, settings: AwsSettings, region: str) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:
            raise MissingBoto3(str(exc)) from exc
        self.settings = settings
        self.region = region
        self.session = boto3.session.Session(profile_name=settings.profile, region_name=region)
        self.config = Config(
            region_name=region,
            retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            user_agent_extra=USER_AGENT,
        )
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            url = self.settings.braket_endpoint_url if service == "braket" else self.settings.endpoint_url
            self._clients[service] = self.session.client(service, config=self.config, endpoint_url=url)
        return self._clients[service]

    @property
    def s3(self) -> Any:
        return self.client("s3")

    @property
    def braket(self) -> Any:
        return self.client("braket")

    @property
    def sts(self) -> Any:
        return self.client("sts")

    @property
    def logs(self) -> Any:
        return self.client("logs")


def aws_errors() -> tuple[type[BaseException], ...]:
    """The exceptions boto3 raises for AWS and network problems (catch these, nothing broader)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Message", "") or exc)


def http_status(exc: BaseException) -> int:
    response = getattr(exc, "response", None) or {}
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


_FIELD = re.compile(r"at '([A-Za-z0-9_.\[\]]+)'")


def validation_field(message: str) -> str:
    """The request field an AWS validation message names ('at ...'), as a JSON pointer."""
    match = _FIELD.search(message)
    if not match:
        return ""
    parts = re.split(r"[.\[\]]+", match.group(1))
    return "/" + "/".join(p for p in parts if p)


def describe(exc: BaseException, file: str, doing: str, device: str = "") -> Diagnostic:
    """An AWS or network failure while `doing` something, as a diagnostic with a way out."""
    from botocore import exceptions as bx

    def diag(code: str, message: str, hint: str = "", pointer: str = "") -> Diagnostic:
        return Diagnostic(file, 0, 0, code, message, pointer, "error", hint)

    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return diag("E610", f"no AWS credentials found ({doing})", CREDENTIALS_HINT)
    if isinstance(exc, bx.ProfileNotFound):
        return diag("E610", f"{exc}", "name a profile of ~/.aws/config, or leave --profile out")
    if isinstance(exc, bx.TokenRetrievalError | bx.SSOError | bx.UnauthorizedSSOTokenError):
        return diag("E610", f"the credentials could not be refreshed ({doing}): {exc}", CREDENTIALS_HINT)
    if isinstance(exc, bx.ParamValidationError):
        return diag("E621", f"boto3 refused the request ({doing}): {exc}", "recompile with this version of jobspec")
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectionClosedError | bx.ConnectTimeoutError):
        return diag(
            "E614",
            f"network failure ({doing}), retries exhausted: {exc}",
            RERUN,
        )
    if isinstance(exc, bx.ReadTimeoutError | bx.HTTPClientError):
        return diag(
            "E614",
            f"no answer ({doing}), retries exhausted: {exc}",
            RERUN,
        )
    code, message, status = error_code(exc), error_message(exc), http_status(exc)
    if code in THROTTLING:
        return diag(
            "E613",
            f"throttled ({doing}): {message} (gave up after the retries)",
            "re-run later, or raise --max-attempts / use --retry-mode adaptive",
        )
    if code in BAD_CREDENTIALS:
        return diag("E610", f"AWS did not accept the credentials ({doing}): {message}", CREDENTIALS_HINT)
    if code in DENIED or status == 403:
        return diag(
            "E612",
            f"access denied ({doing}): {message}",
            "the caller's IAM policy must allow it (see docs/deploying.md for the permissions a deploy needs)",
        )
    if code == "ValidationException":
        pointer = validation_field(message)
        named = f" (field {pointer[1:].replace('/', '.')})" if pointer else ""
        return diag(
            "E621",
            f"the service rejected the request{named}: {message}",
            "fix the spec, recompile and review; the request was not created",
            pointer,
        )
    if code == "DeviceOfflineException":
        return diag(
            "E622",
            f"device {device} is offline: {message}",
            "re-run deploy in the device's availability window (uploads are skipped then), or choose another device",
            "/deviceConfig/device",
        )
    if code == "DeviceRetiredException":
        return diag(
            "E623",
            f"device {device} is retired: {message}",
            "choose another device in the spec, recompile and review",
            "/deviceConfig/device",
        )
    if code == "ServiceQuotaExceededException":
        return diag(
            "E624",
            f"quota exceeded ({doing}): {message}",
            "wait for running jobs to end, or request a higher quota (Service Quotas, Amazon Braket)",
        )
    if code in ("NoSuchBucket",):
        return diag("E615", f"the bucket does not exist ({doing}): {message}", "create it, or recompile for another")
    if code in ("BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest"):
        return diag(
            "E616",
            f"S3 found the uploaded bytes differ from their SHA-256 ({doing}): {message}",
            "the data was damaged in transit: re-run the deploy",
        )
    if status >= 500:
        return diag(
            "E614",
            f"the service failed ({doing}), retries exhausted: {code} {message}".rstrip(),
            RERUN,
        )
    return diag("E629", f"AWS error ({doing}): {code or type(exc).__name__}: {message}")
