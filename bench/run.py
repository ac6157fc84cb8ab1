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
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

REPO = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def measure(
    argv: list[str], cwd: Path, repeat: int = 3, first: int = 0, before: Callable[[], None] | None = None
) -> tuple[float, float, int]:
    """(best wall seconds, peak RSS MiB, exit code) of running argv `repeat` times.

    "{run}" in an argument becomes the run's number (from `first`), e.g. to give each run
    an output folder of its own; before, if given, runs (untimed) before each run.
    """
    best, peak, code = float("inf"), 0.0, 0
    for run in range(first, first + repeat):
        if before is not None:
            before()
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


Command = tuple[list[str], Callable[[], None] | None]  # argv, and what to do before each run


def side_by_side(commands: list[Command], cwd: Path, repeat: int) -> list[tuple[float, float, int]]:
    """measure() of each command, taking turns run by run, so that a machine whose load
    drifts (these are shared virtual machines) weighs on each of them alike."""
    totals = [(float("inf"), 0.0, 0)] * len(commands)
    for run in range(repeat):
        for i, (argv, before) in enumerate(commands):
            wall, peak, code = measure(argv, cwd, 1, first=run, before=before)
            best, most, _ = totals[i]
            totals[i] = (min(best, wall), max(most, peak), code)
    return totals


def emptied(folder: Path) -> Callable[[], None]:
    """A before-hook that removes folder (the incremental cache: each run starts without one)."""
    return lambda: shutil.rmtree(folder, ignore_errors=True)


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
    parser.add_argument("--scaling", default="100,1000", help="tree sizes for the scaling curve (--no-cache)")
    parser.add_argument("--large", type=int, default=10_000, help="specs of the large tree (0: none)")
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
        cache = emptied(root / ".jobspec-cache")

        # One spec, as a user runs it: the default command, its outputs written, no cache yet.
        cold = [*jobspec, "compile", one, "-o", "one/{run}"]
        peer_one = [*peer, "--schemafile", schema, one]
        (wall, mem, _), (pwall, _, _) = side_by_side([(cold, cache), (peer_one, None)], root, args.repeat * 3)
        report("one spec, cold compile (default command): wall", f"{wall * 1000:.0f} ms")
        report("one spec, cold compile: peak memory", f"{mem:.0f} MiB")
        report("one spec, peer validation: wall", f"{pwall * 1000:.0f} ms")

        creation = file_creation(work / "probe", 2 * args.n)
        report(f"file system: {2 * args.n} output-sized files created, one process", f"{creation:.2f} s")

        n = args.n
        validate = [*peer, "--schemafile", schema, *files]
        measure([*jobspec, "compile", "specs", "--no-cache"], root, 1)  # build/: the outputs a clone checks out
        # Into a new folder: every output written (each run a folder of its own).
        new_default = [*jobspec, "compile", "specs", "-o", "fresh/{run}"]
        new_plain = [*jobspec, "compile", "specs", "--no-cache", "-o", "plain/{run}"]
        # A fresh clone: outputs current in build/, no cache (what every CI run does).
        clone_compile = [*jobspec, "compile", "specs"]
        clone_plain = [*jobspec, "compile", "specs", "--no-cache"]
        clone_check = [*jobspec, "check", "specs"]
        check_plain = [*jobspec, "check", "specs", "--no-cache"]
        runs = side_by_side(
            [
                (validate, None),
                (new_default, cache),
                (new_plain, None),
                (clone_compile, cache),
                (clone_plain, None),
                (clone_check, cache),
                (check_plain, None),
            ],
            root,
            args.repeat,
        )
        (
            (pwall, pmem, pcode),
            (nd, ndmem, code1),
            (npl, _, _),
            (cc, _, code2),
            (cp, _, _),
            (kc, _, code3),
            (kp, _, _),
        ) = runs
        assert code1 == code2 == code3 == 0, "the generated specs must compile"
        # Warm: the cache filled by the runs above, outputs current.
        measure(clone_compile, root, 1)
        warm_compile, warm_check = side_by_side([(clone_compile, None), (clone_check, None)], root, args.repeat)
        wc, wk = warm_compile[0], warm_check[0]

        report(f"{n} specs, peer check-jsonschema validation: wall", f"{pwall:.2f} s (exit {pcode})")
        report(f"{n} specs, peer: peak memory", f"{pmem:.0f} MiB")
        report(f"{n} specs, compile into a new folder, empty cache (default)", f"{nd:.2f} s ({n / nd:.0f} specs/s)")
        report(f"{n} specs, compile into a new folder, --no-cache", f"{npl:.2f} s")
        report(f"{n} specs, compile: peak memory", f"{ndmem:.0f} MiB")
        report(f"{n} specs, fresh clone: compile, empty cache (default)", f"{cc:.2f} s")
        report(f"{n} specs, fresh clone: compile --no-cache", f"{cp:.2f} s")
        report(f"{n} specs, fresh clone: check, empty cache (default)", f"{kc:.2f} s")
        report(f"{n} specs, fresh clone: check --no-cache", f"{kp:.2f} s")
        report(f"{n} specs, warm cache: compile (default)", f"{wc:.2f} s")
        report(f"{n} specs, warm cache: check (default)", f"{wk:.2f} s")
        report("ratio: compile into a new folder, empty cache / --no-cache (target <= 1.05)", f"{nd / npl:.2f}")
        report("ratio: fresh-clone compile, empty cache / --no-cache (target <= 1.05)", f"{cc / cp:.2f}")
        report("ratio: fresh-clone check, empty cache / --no-cache (target <= 1.05)", f"{kc / kp:.2f}")
        report("ratio: fresh-clone compile, empty cache / peer (target <= 0.6)", f"{cc / pwall:.2f}")
        report("ratio: compile into a new folder, empty cache / peer", f"{nd / pwall:.2f}")
        report("ratio: warm-cache compile / peer (target <= 0.15)", f"{wc / pwall:.2f}")
        report("ratio: warm-cache check / peer (target <= 0.15)", f"{wk / pwall:.2f}")

        if args.large:
            tree = generate(work / f"n{args.large}", args.large)
            big = emptied(tree.parent / ".jobspec-cache")
            wall, mem, code = measure([*jobspec, "compile", "specs"], tree.parent, 1, before=big)
            report(
                f"{args.large} specs, compile (default, empty cache): wall / peak memory",
                f"{wall:.2f} s / {mem:.0f} MiB (exit {code}; target <= 100 MiB)",
            )
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
