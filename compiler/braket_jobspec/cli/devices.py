"""`jobspec devices`: the device catalogue that compiles check specs against."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from braket_jobspec.cli.options import EXIT_OK, UsageError


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "devices",
        help="list the Braket devices that specs are checked against",
        description="List the device catalogue: every device of the Braket SDK's Devices enum "
        "(with the SDK's name for it, such as Devices.Amazon.SV1), its ARN, kind and region, "
        "and the local simulators a `local:braket/<name>` device may name. A compile warns "
        "about a device ARN not listed here (W405; an error with --strict-devices) and refuses "
        "a listed device named in another region (E418). Retired devices are listed with "
        "--all.",
        epilog="examples:\n"
        "  jobspec devices                     the devices offered, and the local simulators\n"
        "  jobspec devices --region us-east-1  the QPUs of one region, and the simulators\n"
        "  jobspec devices --format json       for tools",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--region", help="only the devices usable in this region (QPUs of it, and simulators)")
    parser.add_argument("--all", action="store_true", help="also the retired devices the SDK still names")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text table (default) or JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from braket_jobspec.sdk import devices, images

    if args.region is not None and args.region not in images.regions():
        from braket_jobspec.diagnostics.words import did_you_mean

        hint = did_you_mean(args.region, images.regions()) or f"regions: {', '.join(images.regions())}"
        raise UsageError(f"--region {args.region}: not a region with Braket hybrid jobs ({hint})")
    chosen = [
        d
        for d in devices.catalogue()
        if (args.all or not d.retired) and (args.region is None or d.region in (None, args.region))
    ]
    local = [f"local:braket/{name}" for name in devices.local_simulators()]
    if args.format == "json":
        payload: dict[str, Any] = {
            "sdk": devices.sdk_version(),
            "devices": [d._asdict() for d in chosen],
            "local": local,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return EXIT_OK
    rows = [(d.shorthand, d.kind + (" (retired)" if d.retired else ""), d.region or "any", d.arn) for d in chosen]
    rows += [("", "local simulator", "-", arn) for arn in local]
    header = ("SDK NAME", "KIND", "REGION", "DEVICE")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        sys.stdout.write(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + f"  {row[3]}\n"
        )
    sys.stdout.write(
        f"from amazon-braket-sdk {devices.sdk_version()}; `local:` devices run the job's tasks on the job's instance\n"
    )
    return EXIT_OK
