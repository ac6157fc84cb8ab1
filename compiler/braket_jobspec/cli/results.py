"""`jobspec results JOB|BUILD_JSON`: a job's output archive unpacked, its results.json printed."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from braket_jobspec.cli.deploy import add_aws_options, aws_settings
from braket_jobspec.cli.options import EXIT_FAILED, EXIT_OK, UsageError, add_format_option, emit, summary

if TYPE_CHECKING:
    from braket_jobspec.deploy.results import Limits

DESCRIPTION = """\
Fetch a job's results as the Braket SDK's AwsQuantumJob.result() does: download its
output archive (<outputDataConfig.s3Path>/output/model.tar.gz), unpack it into DIR
(default results/<jobName>/), and print its results.json (what the job saved with
save_job_result) on stdout as JSON. An archive without results.json prints {}.

JOB is a job ARN, or a compiled request (build/<name>.json): its job is found by name
(SearchJobs) in the region it was compiled for.

Every member of the archive is judged before anything is written: a member that would
land outside DIR (an absolute name, '..', a symlink or hardlink pointing out), a device
or FIFO, a name given twice, more than --max-members members or more than --max-bytes
unpacked, or a damaged gzip refuses the archive, and nothing is written. It is unpacked
in a temporary folder next to DIR and renamed into place once complete.

Pickled results (dataFormat pickled_v4) are refused without --allow-pickle, because
unpickling runs code that the data names. With it they are printed as JSON when they
read back from JSON unchanged, else as a Python repr (a note on stderr says so).
"""

EPILOG = """\
examples:
  jobspec results build/vqe.json              the job deployed from it: results/<jobName>/, results on stdout
  jobspec results arn:aws:braket:us-west-2:123456789012:job/0a1b2c3d-... -o out/vqe
  jobspec results build/vqe.json | jq .energy
  jobspec results build/vqe.json --force      replace results/<jobName>/ from an earlier run
  jobspec results build/vqe.json --allow-pickle   pickled results too: only for a job you trust

exit codes: 0 results printed, 1 no results (yet), a refused archive or an AWS error,
2 usage errors. docs: docs/deploying.md, docs/diagnostics.md (E645-E649)
"""


def register(commands: Any) -> None:
    from braket_jobspec.cli.options import path_argument

    parser = commands.add_parser(
        "results",
        help="download a job's output archive, unpack it safely, print its results.json",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("job", metavar="JOB", help="a job ARN, or a compiled request (build/<name>.json)")
    parser.add_argument(
        "-o", "--output", type=path_argument, metavar="DIR", help="folder to unpack into (default results/<jobName>)"
    )
    parser.add_argument("--force", action="store_true", help="replace DIR when it exists and is not empty")
    parser.add_argument(
        "--allow-pickle",
        action="store_true",
        help="unpickle pickled_v4 results (this runs code the data names: only for jobs you trust)",
    )
    parser.add_argument(
        "--max-members", type=int, default=None, metavar="N", help="most members the archive may have (default 10000)"
    )
    parser.add_argument(
        "--max-bytes", type=int, default=None, metavar="N", help="most bytes it may unpack to (default 1 GiB)"
    )
    parser.add_argument("--region", help="region of the job (default: the one its ARN names, or the build file's)")
    add_aws_options(parser)
    add_format_option(parser)
    parser.set_defaults(run=run)


def _limits(args: argparse.Namespace) -> Limits:
    from braket_jobspec.deploy.results import Limits

    for flag in ("max_members", "max_bytes"):
        if getattr(args, flag) is not None and getattr(args, flag) <= 0:
            raise UsageError(f"--{flag.replace('_', '-')} must be positive")
    default = Limits()
    return Limits(args.max_members or default.members, args.max_bytes or default.bytes)


def _check_destination(dest: Path, force: bool) -> None:
    """Before any download: DIR is missing or an empty folder, or --force replaces it."""
    here = Path.cwd().resolve()
    if os.path.islink(dest):
        raise UsageError(f"{dest} is a symlink: name a folder with -o")
    if not dest.exists():
        return
    if not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a folder")
    if here == dest.resolve() or dest.resolve() in here.parents:
        raise UsageError(f"{dest} is the current folder or holds it: name another with -o")
    if not force and any(dest.iterdir()):
        raise UsageError(f"{dest} exists and is not empty: remove it, name another folder with -o, or --force")


def run(args: argparse.Namespace) -> int:
    from braket_jobspec.deploy import results
    from braket_jobspec.deploy.aws import MissingBoto3
    from braket_jobspec.deploy.jobs import region_of
    from braket_jobspec.deploy.plan import size_text

    settings, limits = aws_settings(args), _limits(args)
    region = args.region
    if args.job.startswith("arn:"):
        region = region or region_of(args.job)
        if region is None:
            raise UsageError(f"{args.job!r} is not a job ARN (arn:aws:braket:<region>:<account>:job/<id>)")
    if args.output is not None:  # checked before any call; the default is known once the job is
        _check_destination(args.output, args.force)
    try:
        job, diags = results.locate(args.job, settings, region)
        if job is None:
            emit(diags, args.format)
            return EXIT_FAILED
        try:
            dest = args.output or results.default_folder(job)
        except ValueError as exc:
            raise UsageError(f"{exc}: name a folder with -o") from None
        _check_destination(dest, args.force)
        unpacked, diags = results.fetch(job, Path(os.path.abspath(dest)), limits, args.force)
    except MissingBoto3:
        raise UsageError("this command needs boto3: pip install 'braket-jobspec[deploy]'") from None
    if unpacked is None:
        emit(diags, args.format)
        return EXIT_FAILED
    ended = f"{job.status}: {job.failure}" if job.failure else job.status
    summary(args, f"{job.name} ({ended}): {unpacked.files} file(s), {size_text(unpacked.size)} in {dest}")
    found, diags = results.read_results(dest, args.allow_pickle)
    emit(diags, args.format)
    if found is None:
        return EXIT_FAILED
    if not found.data_format:
        summary(args, f"{dest}/results.json: none in the archive (the job saved no results); {{}} as the SDK gives")
    text = _shown(found.values) if found.data_format == results.PICKLED else None
    if found.data_format == results.PICKLED and text is None:
        import pprint

        summary(args, "printed as a Python repr: some unpickled values do not read back from JSON unchanged")
        text = pprint.pformat(found.values, sort_dicts=False)
    sys.stdout.write((text or json.dumps(found.values, indent=2)) + "\n")
    return EXIT_OK


def _shown(values: dict[str, Any]) -> str | None:
    """Unpickled values as JSON, when JSON gives them back equal (a tuple, a complex, a NaN do not)."""
    try:
        text = json.dumps(values, indent=2, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return text if json.loads(text) == values else None
