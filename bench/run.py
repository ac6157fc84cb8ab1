"""`make bench`: measure jobspec against its peer on one machine, in one run, and print ratios.

Every figure is a whole process, as a user or CI runs it: wall time (best of a few runs,
since these machines are noisy) and peak resident memory (from wait4's rusage, which for
a process that forks workers covers the largest of them). Results go to stdout and, with
--write-docs, into docs/performance.md between the markers there.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

REPO = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def measure(argv: list[str], cwd: Path, repeat: int = 3, first: int = 0) -> tuple[float, float, int]:
    """(best wall seconds, peak RSS MiB, exit code) of running argv `repeat` times.

    "{run}" in an argument becomes the run's number (from `first`), e.g. to give each run
    an output folder of its own.
    """
    best, peak, code = float("inf"), 0.0, 0
    for run in range(first, first + repeat):
        args = [arg.replace("{run}", str(run)) for arg in argv]
        start = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        code = proc.returncode
        best = min(best, wall)
        peak = max(peak, usage.ru_maxrss / 1024)
    return best, peak, code


def side_by_side(commands: list[list[str]], cwd: Path, repeat: int) -> list[tuple[float, float, int]]:
    """measure() of each command, taking turns run by run, so that a machine whose load
    drifts (these are shared virtual machines) weighs on each of them alike."""
    totals = [(float("inf"), 0.0, 0)] * len(commands)
    for run in range(repeat):
        for i, argv in enumerate(commands):
            wall, peak, code = measure(argv, cwd, 1, first=run)
            best, most, _ = totals[i]
            totals[i] = (min(best, wall), max(most, peak), code)
    return totals


def spec_files(specs: Path) -> list[str]:
    return sorted(str(p) for p in specs.rglob("*") if p.suffix in (".yaml", ".toml") and "src" not in p.parts)


def peer_python(venv: Path) -> Path:
    """check-jsonschema at its fastest: with ruamel.yaml's C loader (ruamel.yaml[oldlibyaml])."""
    python = venv / "bin" / "python"
    if not (venv / ".ready").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "check-jsonschema", "ruamel.yaml[oldlibyaml]"], check=True
        )
        (venv / ".ready").touch()
    return python


def file_creation(folder: Path, count: int) -> float:
    """Seconds to create count files of an output's size as outputs are (a temporary name,
    renamed), in one process: what the file system charges for writes at this moment. On
    these machines it grows several-fold for minutes after many files were deleted, and
    with it a compile that writes all its outputs."""
    folder.mkdir(parents=True)
    data = b"x" * 2500
    start = time.perf_counter()
    for i in range(count):
        sub = folder / f"d{i % 40}"
        sub.mkdir(exist_ok=True)
        tmp = sub / f".f{i}.tmp"
        tmp.write_bytes(data)
        tmp.replace(sub / f"f{i}.json")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=1000, help="specs in the main tree (default 1000)")
    parser.add_argument("--scaling", default="100,1000,5000", help="tree sizes for the scaling curve")
    parser.add_argument("--modules", default="5,50,500", help="modules per source package, for source scaling")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each N-spec measurement (one spec: 3x)")
    parser.add_argument("--write-docs", action="store_true", help="write the results into docs/performance.md")
    args = parser.parse_args()

    jobspec = [sys.executable, "-m", "braket_jobspec"]
    peer = [str(peer_python(REPO / ".bench" / "peer-venv")), "-m", "check_jsonschema"]
    schema = str(REPO / "schema" / "jobspec.schema.json")
    rows: list[tuple[str, str]] = []
    lines: list[str] = []

    def report(label: str, value: str) -> None:
        rows.append((label, value))
        print(f"{label:<58} {value}", flush=True)

    with tempfile.TemporaryDirectory(prefix="jobspec-bench-") as tmp:
        work = Path(tmp)
        specs = generate(work / "main", args.n)
        root = specs.parent
        files = spec_files(specs)
        one = files[0]

        cold = [*jobspec, "compile", one, "-o", "-", "--no-cache"]
        peer_one = [*peer, "--schemafile", schema, one]
        (wall, mem, _), (pwall, _, _) = side_by_side([cold, peer_one], root, args.repeat * 3)
        report("one spec, cold compile: wall", f"{wall * 1000:.0f} ms")
        report("one spec, cold compile: peak memory", f"{mem:.0f} MiB")
        report("one spec, peer validation: wall", f"{pwall * 1000:.0f} ms")

        creation = file_creation(work / "probe", 2 * args.n)
        report(f"file system: {2 * args.n} output-sized files created, one process", f"{creation:.2f} s")

        # Each run of ours writes every output into a folder of its own: a whole compile, no
        # cache. The peer validates the same files, in turns with ours.
        fresh = [*jobspec, "compile", "specs", "--no-cache", "-o", "fresh/{run}"]
        validate = [*peer, "--schemafile", schema, *files]
        (cwall, cmem, code), (pwall, pmem, pcode) = side_by_side([fresh, validate], root, args.repeat)
        assert code == 0, "the generated specs must compile"
        report(f"{args.n} specs, compile: wall", f"{cwall:.2f} s")
        report(f"{args.n} specs, compile: peak memory", f"{cmem:.0f} MiB")
        report(f"{args.n} specs, compile: specs per second", f"{args.n / cwall:.0f}")
        measure([*jobspec, "compile", "specs"], root, 1)  # writes build/ and fills the incremental cache
        uwall, _, code = measure([*jobspec, "compile", "specs", "--no-cache"], root, args.repeat)
        report(f"{args.n} specs, compile again, outputs current (none written)", f"{uwall:.2f} s (exit {code})")
        kwall, _, code = measure([*jobspec, "check", "specs"], root, args.repeat)
        report(f"{args.n} specs, check of the unchanged tree: wall", f"{kwall:.2f} s (exit {code})")
        report(f"{args.n} specs, peer check-jsonschema validation: wall", f"{pwall:.2f} s (exit {pcode})")
        report(f"{args.n} specs, peer: peak memory", f"{pmem:.0f} MiB")
        report("ratio: our full compile / peer's validation alone", f"{cwall / pwall:.2f}")
        report("ratio: our compile with outputs current / peer's validation", f"{uwall / pwall:.2f}")

        for size in [int(s) for s in args.scaling.split(",") if s]:
            tree = generate(work / f"n{size}", size)
            wall, mem, _ = measure([*jobspec, "compile", "specs", "--no-cache", "-o", "fresh"], tree.parent, 1)
            report(
                f"scaling: {size} specs: wall / memory",
                f"{wall:.2f} s / {mem:.0f} MiB ({wall / size * 1000:.2f} ms/spec)",
            )
        for modules in [int(m) for m in args.modules.split(",") if m]:
            tree = generate(work / f"m{modules}", 100, modules=modules)
            wall, mem, _ = measure([*jobspec, "compile", "specs", "--no-cache", "-o", "fresh"], tree.parent, 1)
            report(f"scaling: 100 specs with {modules}-module sources", f"{wall:.2f} s / {mem:.0f} MiB")

    lines.append(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. Best of {args.repeat} runs (one-spec figures: {args.repeat * 3}); "
        "ours and the peer's taking turns."
    )
    lines.append("")
    lines.append("| measurement | result |")
    lines.append("| --- | --- |")
    lines += [f"| {label} | {value} |" for label, value in rows]
    if args.write_docs:
        doc = REPO / "docs" / "performance.md"
        text = doc.read_text("utf-8")
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        doc.write_text(f"{head}{BEGIN}\n" + "\n".join(lines) + f"\n{END}{tail}", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
