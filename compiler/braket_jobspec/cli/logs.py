"""`jobspec logs JOB [--follow]`: a deployed job's CloudWatch log lines, as `deploy --wait` prints them.

JOB is a job ARN or the compiled request that was deployed (build/x.json): its jobName is
looked up with SearchJobs in its region. The lines are read and printed by the Watcher of
`deploy --wait` (deploy/watch.py), so both show the same lines in the same order.
"""

from __future__ import annotations

import argparse
import io
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from braket_jobspec.cli.deploy import add_aws_options, aws_settings
from braket_jobspec.cli.options import EXIT_FAILED, EXIT_OK, UsageError, add_format_option, emit

if TYPE_CHECKING:
    from braket_jobspec.deploy.aws import AwsSettings, Clients
    from braket_jobspec.deploy.watch import Followed, Watcher
    from braket_jobspec.diagnostics import Diagnostic

EXIT_INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C (128 + SIGINT)

DESCRIPTION = """\
Print a deployed job's log lines (CloudWatch Logs group /aws/braket/jobs, its streams
<jobName>/...), stream after stream, as `jobspec deploy --wait` prints them.

JOB is the job ARN that deploy printed, or the compiled request that was deployed
(build/<name>.json): the newest job of its jobName is looked up (SearchJobs) in the
region it was compiled for. Without --follow, the lines written so far are printed and
the command ends. With --follow, it keeps printing new lines (status changes go to
stderr) until the job ends, then prints its last lines.
"""

EPILOG = """\
examples:
  jobspec logs build/vqe.json                        the lines so far of the job deployed from it
  jobspec logs build/vqe.json --follow               ...and the new ones, until the job ends
  jobspec logs arn:aws:braket:us-west-2:123456789012:job/0f6c3a4e-... --follow --interval 2
  jobspec logs build/vqe.json --follow | tee vqe.log

exit codes: 0 printed (with --follow: the job COMPLETED), 1 the job ended FAILED or
CANCELLED (with --follow), was not found, or its logs could not be read, 2 usage errors,
130 interrupted (Ctrl-C: the job keeps running). docs: docs/deploying.md
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "logs",
        help="print a deployed job's log lines; --follow until it ends",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("job", metavar="JOB", help="a job ARN, or the compiled request deployed (build/<name>.json)")
    parser.add_argument(
        "--follow",
        "-f",
        action="store_true",
        help="keep printing new lines until the job ends; exit 1 unless COMPLETED",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="with --follow: how often to ask for the job's status and new lines (default 5)",
    )
    parser.add_argument(
        "--region", help="region of the job (default: the one its ARN names, or the request was compiled for)"
    )
    add_aws_options(parser)
    add_format_option(parser)
    parser.set_defaults(run=run)


class Target(NamedTuple):  # not a dataclass: `jobspec --help` imports this module (dataclasses costs 10 ms)
    """The job asked for: by ARN, or by the jobName of a compiled request."""

    display: str  # what diagnostics name: the ARN or the request's path
    region: str
    arn: str = ""
    name: str = ""


def run(args: argparse.Namespace) -> int:
    from braket_jobspec.deploy.aws import MissingBoto3

    if not args.interval > 0:
        raise UsageError("--interval must be positive")
    settings = aws_settings(args)
    target = _target(args)
    if not isinstance(target, Target):
        emit([target], args.format)
        return EXIT_FAILED
    diagnostics: list[Diagnostic] = []
    try:
        ok = _logs(args, target, settings, diagnostics)
    except MissingBoto3:
        raise UsageError("this command needs boto3: pip install 'braket-jobspec[deploy]'") from None
    except KeyboardInterrupt:
        sys.stdout.flush()
        sys.stderr.write("jobspec: interrupted; the job keeps running (`jobspec cancel` stops it)\n")
        return EXIT_INTERRUPTED
    emit(diagnostics, args.format)
    return EXIT_OK if ok else EXIT_FAILED


def _target(args: argparse.Namespace) -> Target | Diagnostic:
    """The ARN, or the request's jobName and region; a diagnostic when JOB is neither."""
    from braket_jobspec.artifact import PairError, manifest_path_of, read_object, request_path_of
    from braket_jobspec.deploy.jobs import region_of
    from braket_jobspec.diagnostics import Diagnostic

    job = str(args.job)
    if job.startswith("arn:"):
        region = args.region or region_of(job)
        if region is None:
            raise UsageError(f"{job!r} is not a job ARN (arn:aws:braket:<region>:<account>:job/<id>)")
        return Target(job, str(region), arn=job)

    path = request_path_of(Path(job))
    display = path.as_posix()

    def unusable(problem: str) -> Diagnostic:
        return Diagnostic(
            display,
            0,
            0,
            "E651",
            f"{problem}; JOB is a job ARN or a compiled request",
            hint="give the ARN that `jobspec deploy` printed, or the build/<name>.json that was deployed",
        )

    try:
        request = read_object(path)
    except PairError as exc:
        return unusable("no such file" if exc.problem == "missing" else f"cannot read it: {exc.problem}")
    name = request.get("jobName")
    if not isinstance(name, str) or not name:
        return unusable("it has no jobName, so it is not a compiled request")
    if args.region:
        return Target(display, str(args.region), name=name)
    # The request itself names no region: the manifest beside it says which one it was compiled for.
    try:
        region = (read_object(manifest_path_of(path)).get("context") or {}).get("region")
    except PairError as exc:
        region = None
        problem = f"its manifest {manifest_path_of(path).as_posix()} is {exc.problem}"
    else:
        problem = "its manifest names no region"
    if not isinstance(region, str) or not region:
        return unusable(f"{problem}, so the job's region is unknown (--region gives it)")
    return Target(display, region, name=name)


def _logs(args: argparse.Namespace, target: Target, settings: AwsSettings, diagnostics: list[Diagnostic]) -> bool:
    from braket_jobspec.deploy.aws import Clients
    from braket_jobspec.deploy.watch import Backoff, Watcher

    clients = Clients(settings, target.region)
    job = _locate(target, clients, diagnostics)
    if job is None:
        return False
    # Status lines are for people: JSON and SARIF keep stderr for the diagnostics.
    say = sys.stderr if args.format in ("text", "github") else io.StringIO()
    # A fixed period: a tail is for reading lines as they come, so it does not back off. Its
    # messages are quiet until it follows: a log that cannot be read is a diagnostic here.
    pause = _Pause()
    watcher = Watcher(
        clients.braket, clients.logs, sys.stdout, io.StringIO(), Backoff(args.interval, args.interval), sleep=pause
    )
    try:
        return _follow(args, target, job, watcher, say, diagnostics)
    finally:
        pause.close()


def _follow(
    args: argparse.Namespace,
    target: Target,
    job: Followed,
    watcher: Watcher,
    say: TextIO,
    diagnostics: list[Diagnostic],
) -> bool:
    """Print the job's lines (and, with --follow, those to come); whether it ended well."""
    from braket_jobspec.deploy.watch import TERMINAL
    from braket_jobspec.diagnostics import Diagnostic

    if args.follow:
        say.write(f"jobspec: {job.name}: {job.status}\n")  # later changes: the watcher's lines
    _drain(watcher, job)
    if args.follow and job.logs_error is None:
        watcher.err = say
        watcher.follow([job])
        _drain(watcher, job)  # follow reads a bounded number of pages after the end
    if job.logs_error is not None:
        diagnostics.append(_aws_failure(job.logs_error, target.display, "reading its logs (CloudWatch Logs)"))
        return False
    if not job.lines:
        say.write(f"jobspec: {job.name}: no log lines{'' if job.status in TERMINAL else ' yet'} ({job.status})\n")
    if not args.follow or job.status == "COMPLETED":
        return True
    assert job.status in TERMINAL  # follow() has no timeout here: it returns when the job ends
    reason = f": {job.failure}" if job.failure else ""
    which = "the job" if target.arn else f"job {job.arn}"  # the ARN is already the diagnostic's file
    diagnostics.append(
        Diagnostic(target.display, 0, 0, "E653", f"{which} ended {job.status}{reason}", hint="its log lines are above")
    )
    return False


class _Pause:
    """The watcher's sleep between polls, which ends the follow once Ctrl-C was pressed.

    Ctrl-C raises KeyboardInterrupt wherever the interpreter is; raised inside a finalizer
    (a socket or response closed by the collector) it is printed and dropped, and the tail
    would go on for ever. The handler also records it, and every pause looks.
    """

    def __init__(self) -> None:
        self.pressed = False
        self.previous = signal.signal(signal.SIGINT, self._press)

    def close(self) -> None:
        signal.signal(signal.SIGINT, self.previous)

    def _press(self, signum: int, frame: object) -> None:
        self.pressed = True
        raise KeyboardInterrupt

    def __call__(self, seconds: float) -> None:
        if not self.pressed:
            time.sleep(seconds)
        if self.pressed:
            raise KeyboardInterrupt


def _drain(watcher: Watcher, job: Followed) -> None:
    """Every line written so far: the watcher reads a bounded number of pages a call, so call until none come."""
    while watcher.tail(job, prefix=False):
        pass


def _locate(target: Target, clients: Clients, diagnostics: list[Diagnostic]) -> Followed | None:
    """The job to read: its ARN (from SearchJobs for a request) and its name (from GetJob)."""
    from braket_jobspec.deploy.aws import aws_errors, error_code, error_message
    from braket_jobspec.deploy.jobs import find_job
    from braket_jobspec.deploy.watch import Followed
    from braket_jobspec.diagnostics import Diagnostic

    arn = target.arn
    if not arn:
        try:
            found = find_job(clients.braket, target.name)
        except aws_errors() as exc:
            diagnostics.append(_aws_failure(exc, target.display, "looking for the job with braket:SearchJobs"))
            return None
        if found is None:
            diagnostics.append(
                Diagnostic(
                    target.display,
                    0,
                    0,
                    "E650",
                    f"not deployed: no job named {target.name!r} in {target.region}",
                    hint=f"deploy it first (jobspec deploy {target.display}); or check --region and "
                    "the account of the credentials",
                )
            )
            return None
        arn = str(found["jobArn"])
    try:
        answer = clients.braket.get_job(jobArn=arn)
    except aws_errors() as exc:
        if error_code(exc) != "ResourceNotFoundException":
            diagnostics.append(_aws_failure(exc, target.display, "calling braket:GetJob"))
            return None
        # By ARN: a wrong ARN, region or account. By name: SearchJobs listed it a moment ago.
        listed = f"SearchJobs listed {arn}, but GetJob no longer finds it" if not target.arn else "no such job"
        diagnostics.append(
            Diagnostic(
                target.display,
                0,
                0,
                "E652",
                f"{listed}: {error_message(exc)}",
                hint="check the ARN, the region it names and the account of the credentials"
                if target.arn
                else "it was deleted; deploy the request again for a new job",
            )
        )
        return None
    name = str(answer.get("jobName") or target.name)
    status, failure = str(answer.get("status", "")), str(answer.get("failureReason") or "")
    return Followed(arn, name, status, failure, braket=clients.braket, logs=clients.logs)


def _aws_failure(exc: BaseException, display: str, doing: str) -> Diagnostic:
    from braket_jobspec.deploy.aws import describe

    found = describe(exc, display, doing)
    if found.code == "E614":  # its hint speaks of re-running a deploy; nothing was changed here
        return found._replace(hint="run it again later: reading logs changes nothing")
    return found
