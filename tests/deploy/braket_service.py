"""A small Amazon Braket endpoint for the deploy tests: hybrid jobs over REST, in memory.

It serves the operations the deployer uses, at the paths and with the JSON shapes of
botocore's braket service model (2019-09-01, rest-json):

    CreateJob   POST /job                     -> 201 {"jobArn"}
    GetJob      GET  /job/{jobArn}            -> 200 GetJobResponse (queueInfo when asked:
                                                 ?additionalAttributeNames=QueueInfo)
    CancelJob   PUT  /job/{jobArn}/cancel     -> 200 {"jobArn", "cancellationStatus"}
    SearchJobs  POST /jobs                    -> 200 {"jobs", "nextToken"}, the jobs of the
                                                 request's region, with the model's EQUAL
                                                 filters on jobName, jobArn and status
    GetDevice   GET  /device/{deviceArn}      -> 200 GetDeviceResponse, from the table `devices`

Devices are only those a test adds (add_device); any other ARN is a
ResourceNotFoundException, as the service answers for a device it does not know. A
device whose ARN names a region is found only through that region's endpoint.

Errors are answered as rest-json services answer them (status code, x-amzn-ErrorType,
{"message"}), so boto3's real parser, error classes and retry logic see what they would
see from AWS. CreateJob requests are validated against the request schema derived from
the same service model; clientToken is honoured (same token and body: the same job);
a second job of an existing name is a ConflictException. Jobs move through their states
(QUEUED with a queue position, RUNNING, COMPLETED or FAILED with a billable duration,
CANCELLING, CANCELLED) one step per GetJob, or are made in any state (add_job). Tests
inject faults: error answers for the next N calls of an operation, "lost responses",
where the operation takes effect and the connection is then dropped without an answer,
and jobs deleted once a SearchJobs answer has listed them (delete_after_search), as when
a job goes away between two calls.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import re
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from jsonschema import Draft202012Validator

from braket_jobspec.schemas import REQUEST_SCHEMA, schema

from .loopback import LoopbackServer

ACCOUNT = "123456789012"
TERMINAL = ("COMPLETED", "FAILED", "CANCELLED")
_SCOPE = re.compile(r"^AWS4-HMAC-SHA256 Credential=[^/]+/\d{8}/([a-z0-9-]+)/braket/aws4_request, ")


@dataclasses.dataclass
class Fault:
    """The next `count` calls of `op` fail: an error answer, or (drop) the call works and the answer is lost."""

    op: str
    count: int
    status: int = 0
    code: str = ""
    message: str = ""
    drop: bool = False


@dataclasses.dataclass
class Call:
    op: str
    status: int  # 0: no answer (connection dropped)
    token: str = ""
    region: str = ""  # of the request's signature: the endpoint's region it was meant for
    target: str = ""  # the ARN in the path (GetJob, CancelJob, GetDevice)
    attributes: tuple[str, ...] = ()  # GetJob's additionalAttributeNames


# What GetDevice answers as deviceCapabilities (a JSON document in a string) when a test
# gives none: the common part of the device capabilities schema, nothing the deployer reads.
CAPABILITIES = json.dumps(
    {
        "braketSchemaHeader": {"name": "braket.device_schema.device_capabilities", "version": "1"},
        "service": {
            "executionWindows": [{"executionDay": "Everyday", "windowStartHour": "00:00", "windowEndHour": "23:59"}],
            "shotsRange": [1, 100000],
        },
        "action": {},
        "deviceParameters": {},
    }
)


@dataclasses.dataclass
class Device:
    arn: str
    status: str = "ONLINE"  # ONLINE | OFFLINE | RETIRED | PAUSED
    type: str = "QPU"  # QPU | SIMULATOR
    provider: str = "Amazon Braket"
    name: str = ""
    capabilities: str = CAPABILITIES
    reason: str = ""  # deviceStatusReason.reason: OUTSIDE_AVAILABILITY_WINDOW | MAINTENANCE | RESERVATION

    def describe(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "deviceArn": self.arn,
            "deviceName": self.name or self.arn.rsplit("/", 1)[-1],
            "providerName": self.provider,
            "deviceType": self.type,
            "deviceStatus": self.status,
            "deviceCapabilities": self.capabilities,
            "deviceQueueInfo": [
                {"queue": "QUANTUM_TASKS_QUEUE", "queueSize": "0", "queuePriority": "Normal"},
                {"queue": "JOBS_QUEUE", "queueSize": "0"},
            ],
        }
        if self.reason:
            body["deviceStatusReason"] = {"reason": self.reason, "updatedAt": _iso(_now())}
        return body


@dataclasses.dataclass
class Job:
    arn: str
    request: dict[str, Any]
    created: datetime.datetime
    status: str = "QUEUED"
    lifecycle: list[str] = dataclasses.field(default_factory=list)  # statuses still to come, one per GetJob
    failure: str = ""
    started: datetime.datetime | None = None
    ended: datetime.datetime | None = None
    events: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    position: str = "1"  # in the jobs queue, while QUEUED (a string in the model: e.g. ">2000")
    billable: int | None = None  # billableDuration (ms), once ended

    def describe(self, queue_info: bool = False) -> dict[str, Any]:
        body = {k: v for k, v in self.request.items() if k != "clientToken"}
        body.update(jobArn=self.arn, status=self.status, createdAt=_iso(self.created), events=self.events)
        if self.started:
            body["startedAt"] = _iso(self.started)
        if self.ended:
            body["endedAt"] = _iso(self.ended)
        if self.failure:
            body["failureReason"] = self.failure
        if self.billable is not None:
            body["billableDuration"] = self.billable
        if queue_info:
            body["queueInfo"] = self.queue_info()
        return body

    def queue_info(self) -> dict[str, str]:
        """HybridJobQueueInfo: a position while QUEUED; after that the service answers the
        position "None" with a message (which the SDK's queue_position() reads as no position)."""
        if self.status == "QUEUED":
            return {"queue": "JOBS_QUEUE", "position": self.position}
        return {
            "queue": "JOBS_QUEUE",
            "position": "None",
            "message": f"Job is in {self.status} status; queue positions are only shown for QUEUED jobs.",
        }

    def summary(self) -> dict[str, Any]:
        body = {
            "jobArn": self.arn,
            "jobName": self.request["jobName"],
            "status": self.status,
            "device": self.request["deviceConfig"]["device"],
            "createdAt": _iso(self.created),
        }
        if self.started:
            body["startedAt"] = _iso(self.started)
        if self.ended:
            body["endedAt"] = _iso(self.ended)
        return body

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]


def _iso(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class ServiceError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


class BraketService(LoopbackServer):
    """Start with start(), point boto3 at .url, inspect .jobs and .calls; stop() at the end."""

    def __init__(self, account: str = ACCOUNT) -> None:
        self.account = account
        self.jobs: dict[str, Job] = {}
        self.devices: dict[str, Device] = {}
        self.tokens: dict[str, tuple[str, str]] = {}  # clientToken -> (digest of the body, job ARN)
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.lifecycle: list[str] = []  # given to each new job
        self.on_status: Callable[[Job, str], None] | None = None  # called on each status change
        self.doomed: set[str] = set()  # job ARNs deleted right after a SearchJobs answer lists them
        self.lock = threading.Lock()
        self.validator = Draft202012Validator(schema(REQUEST_SCHEMA))

    # -- control ---------------------------------------------------------------------------

    def inject(self, op: str, count: int = 1, **kwargs: Any) -> None:
        with self.lock:
            self.faults.append(Fault(op, count, **kwargs))

    def forget_tokens(self) -> None:
        """As when the service's idempotency window has passed."""
        with self.lock:
            self.tokens.clear()

    def add_job(
        self, request: dict[str, Any], status: str = "COMPLETED", region: str = "us-west-2", **fields: Any
    ) -> Job:
        """A job made earlier (e.g. one whose checkpoints a new job copies), in any state.

        Times follow the state unless given (fields are Job's: failure, position, billable,
        created, started, ended): started a second after it was created once past the queue,
        ended a minute after that (so billed 60000 ms) once terminal. A job CANCELLED without
        a start time was cancelled in the queue.
        """
        with self.lock:
            job = self._new_job(request, region)
            for key, value in fields.items():
                setattr(job, key, value)
            job.status = status
            if status not in ("QUEUED", "CANCELLED", "CANCELLING") and job.started is None:
                job.started = job.created + datetime.timedelta(seconds=1)
            if status in TERMINAL:
                self._end(job, job.ended or (job.started or job.created) + datetime.timedelta(minutes=1))
            return job

    def delete_job(self, arn: str) -> None:
        with self.lock:
            self.jobs.pop(arn, None)

    def delete_after_search(self, arn: str) -> None:
        """The job goes away as soon as a SearchJobs answer has listed it: a later GetJob finds nothing."""
        with self.lock:
            self.doomed.add(arn)

    def add_device(self, arn: str, status: str = "ONLINE", **kwargs: Any) -> Device:
        with self.lock:
            device = self.devices[arn] = Device(arn, status, **kwargs)
            return device

    def calls_of(self, op: str) -> list[Call]:
        return [c for c in self.calls if c.op == op]

    # -- operations --------------------------------------------------------------------------

    def _fault(self, op: str) -> Fault | None:
        for fault in self.faults:
            if fault.op == op and fault.count > 0:
                fault.count -= 1
                return fault
        return None

    def _new_job(self, request: dict[str, Any], region: str) -> Job:
        arn = f"arn:aws:braket:{region}:{self.account}:job/{uuid.uuid4()}"
        job = Job(arn, request, _now(), lifecycle=list(self.lifecycle))
        job.events.append({"eventType": "WAITING_FOR_PRIORITY", "timeOfEvent": _iso(job.created)})
        self.jobs[arn] = job
        return job

    def create_job(self, body: dict[str, Any], region: str) -> tuple[int, dict[str, Any]]:
        errors = sorted(self.validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            where = ".".join(str(p) for p in first.absolute_path) or "body"
            value = first.instance if not isinstance(first.instance, dict | list) else "..."
            raise ServiceError(
                400,
                "ValidationException",
                f"{len(errors)} validation error(s) detected: Value '{value}' at '{where}' failed to satisfy "
                f"constraint: {first.message}",
                reason="CreateJob request does not match the model",
            )
        token = body["clientToken"]
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        known = self.tokens.get(token)
        if known is not None:
            if known[0] != digest:
                raise ServiceError(409, "ConflictException", "The clientToken was used with other parameters.")
            return 201, {"jobArn": known[1]}
        for job in self.jobs.values():
            if job.request["jobName"] == body["jobName"]:
                raise ServiceError(409, "ConflictException", f"A hybrid job named {body['jobName']} already exists.")
        job = self._new_job(body, region)
        self.tokens[token] = (digest, job.arn)
        return 201, {"jobArn": job.arn}

    def get_job(self, arn: str, attributes: tuple[str, ...] = ()) -> tuple[int, dict[str, Any]]:
        job = self._job(arn)
        if job.lifecycle:
            self._set_status(job, job.lifecycle.pop(0))
        elif job.status == "CANCELLING":
            self._set_status(job, "CANCELLED")
        return 200, job.describe(queue_info="QueueInfo" in attributes)

    def cancel_job(self, arn: str) -> tuple[int, dict[str, Any]]:
        job = self._job(arn)
        if job.status in TERMINAL or job.status == "CANCELLING":
            raise ServiceError(409, "ConflictException", f"Hybrid job is already {job.status}.")
        job.lifecycle = []
        self._set_status(job, "CANCELLING")
        return 200, {"jobArn": arn, "cancellationStatus": "CANCELLING"}

    def search_jobs(self, body: dict[str, Any], region: str) -> tuple[int, dict[str, Any]]:
        if "filters" not in body:
            raise ServiceError(400, "ValidationException", "1 validation error detected: Value null at 'filters'")
        size = int(body.get("maxResults") or 100)
        start = int(body.get("nextToken") or 0)
        wanted = _search_filters(body["filters"])
        # As in AWS, a region's endpoint knows the jobs of that region only.
        ordered = sorted(
            (j for j in self.jobs.values() if j.region == region and all(f(j.summary()) for f in wanted)),
            key=lambda j: j.created,
        )
        page = ordered[start : start + size]
        answer: dict[str, Any] = {"jobs": [j.summary() for j in page]}
        if start + size < len(ordered):
            answer["nextToken"] = str(start + size)
        for job in page:
            if job.arn in self.doomed:
                self.doomed.discard(job.arn)
                del self.jobs[job.arn]
        return 200, answer

    def get_device(self, arn: str, region: str) -> tuple[int, dict[str, Any]]:
        device = self.devices.get(arn)
        # A simulator's ARN names no region (the same device everywhere); a QPU's names its own.
        if device is None or arn.split(":")[3:4] not in ([""], [region]):
            raise ServiceError(404, "ResourceNotFoundException", f"Braket device {arn} not found in {region}.")
        return 200, device.describe()

    def _end(self, job: Job, moment: datetime.datetime) -> None:
        job.ended = moment
        if job.status == "FAILED" and not job.failure:
            job.failure = "AlgorithmError: the entry point exited with status 1"
        if job.billable is None and job.started is not None:  # billed from start to end
            job.billable = int((moment - job.started).total_seconds() * 1000)

    def _regional(self, arn: str, region: str) -> str:
        """A job is found only through the endpoint of its own region, as in AWS."""
        if arn.split(":")[3:4] != [region]:
            raise ServiceError(404, "ResourceNotFoundException", f"Hybrid job {arn} not found in {region}.")
        return arn

    def _job(self, arn: str) -> Job:
        job = self.jobs.get(arn)
        if job is None:
            raise ServiceError(404, "ResourceNotFoundException", f"Hybrid job {arn} not found.")
        return job

    def _set_status(self, job: Job, status: str) -> None:
        job.status = status
        moment = _now()
        if status == "RUNNING" and job.started is None:
            job.started = moment
        if status in TERMINAL:
            self._end(job, moment)
        job.events.append({"eventType": status if status != "CANCELLING" else "CANCELLED", "timeOfEvent": _iso(moment)})
        if self.on_status is not None:
            self.on_status(job, status)


class _Handler(BaseHTTPRequestHandler):
    owner: BraketService
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests read .calls instead

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def _route(self) -> tuple[str, str]:
        path = urlsplit(self.path).path
        if self.command == "POST" and path == "/job":
            return "CreateJob", ""
        if self.command == "POST" and path == "/jobs":
            return "SearchJobs", ""
        match = re.fullmatch(r"/job/([^/]+)(/cancel)?", path)
        if match and self.command == "GET" and not match.group(2):
            return "GetJob", unquote(match.group(1))
        if match and self.command == "PUT" and match.group(2):
            return "CancelJob", unquote(match.group(1))
        device = re.fullmatch(r"/device/([^/]+)", path)  # botocore percent-encodes the ARN's slashes
        if device and self.command == "GET":
            return "GetDevice", unquote(device.group(1))
        return "", ""

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        op, arn = self._route()
        service = self.owner
        token, region = "", ""
        attributes: tuple[str, ...] = ()
        try:
            if not op:
                raise ServiceError(404, "UnknownOperationException", f"{self.command} {self.path}")
            scope = _SCOPE.match(self.headers.get("Authorization", ""))
            if scope is None or not self.headers.get("X-Amz-Date"):
                raise ServiceError(403, "AccessDeniedException", "Missing or malformed SigV4 signature for braket.")
            region = scope.group(1)
            body = json.loads(raw or b"{}")
            token = str(body.get("clientToken", "")) if isinstance(body, dict) else ""
            attributes = tuple(parse_qs(urlsplit(self.path).query).get("additionalAttributeNames", []))
            with service.lock:
                fault = service._fault(op)
                if fault is not None and not fault.drop:
                    raise ServiceError(fault.status, fault.code, fault.message or fault.code)
                if op == "CreateJob":
                    status, answer = service.create_job(body, region)
                elif op == "GetJob":
                    status, answer = service.get_job(service._regional(arn, region), attributes)
                elif op == "CancelJob":
                    status, answer = service.cancel_job(service._regional(arn, region))
                elif op == "GetDevice":
                    status, answer = service.get_device(arn, region)
                else:
                    status, answer = service.search_jobs(body, region)
                if fault is not None:  # it took effect; the answer is lost
                    service.calls.append(Call(op, 0, token, region, arn, attributes))
                    self.close_connection = True
                    return
                service.calls.append(Call(op, status, token, region, arn, attributes))
        except ServiceError as exc:
            with service.lock:
                service.calls.append(Call(op, exc.status, token, region, arn, attributes))
            self._answer(exc.status, {"message": exc.message, **exc.extra}, exc.code)
            return
        except (ValueError, KeyError, TypeError) as exc:
            with service.lock:
                service.calls.append(Call(op, 400, token, region, arn))
            self._answer(400, {"message": f"Invalid request body: {exc}"}, "ValidationException")
            return
        self._answer(status, answer)

    def _answer(self, status: int, body: dict[str, Any], error: str = "") -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.end_headers()
        self.wfile.write(data)


BraketService.handler = _Handler


def _search_filters(filters: list[dict[str, Any]]) -> list[Callable[[dict[str, Any]], bool]]:
    """SearchJobs filters as the model documents them: EQUAL on jobName, jobArn or status."""
    tests = []
    for given in filters:
        name, operator, values = given.get("name"), given.get("operator"), given.get("values") or []
        if name not in ("jobName", "jobArn", "status") or operator != "EQUAL":
            raise ServiceError(400, "ValidationException", f"unsupported filter {name} {operator}")
        tests.append(lambda summary, key=name, allowed=tuple(values): summary.get(key) in allowed)
    return tests
