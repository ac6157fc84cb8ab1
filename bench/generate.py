"""Generate a project of N realistic job specs, for `make bench`.

Mixed shapes, as a team's repository holds them: most specs have a small local package
(3 to 12 modules), some share one source folder, one in eight has local input data, a
few use S3 sources, and one in four is written in TOML. Deterministic for a given N.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

DEVICES = [
    "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
    "arn:aws:braket:::device/quantum-simulator/amazon/dm1",
    "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1",
    "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet",
    "local:braket/braket_sv",
]
MODULE = '''"""Module {i} of {name}."""

import math


def step_{i}(theta: float, shots: int = 100) -> float:
    """One optimisation step."""
    return math.cos(theta) * shots / {n}


def main(learning_rate: float = 0.01, shots: int = 100) -> None:
    print(step_{i}(learning_rate, shots))
'''


def write_source(folder: Path, name: str, modules: int, rng: random.Random) -> None:
    package = folder / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f'"""{name}"""\n')
    for i in range(modules):
        (package / f"mod{i}.py").write_text(MODULE.format(i=i, name=name, n=rng.randint(1, 9)) * rng.randint(1, 4))
    (package / "requirements.txt").write_text("numpy\nscipy\n")


def spec_fields(i: int, rng: random.Random, source: str, entry: str) -> dict[str, object]:
    fields: dict[str, object] = {"device": rng.choice(DEVICES), "source_module": source, "entry_point": entry}
    if rng.random() < 0.5:
        fields["job_name"] = f"bench-job-{i}"
    if rng.random() < 0.3:
        fields["image_uri"] = rng.choice(["base", "pytorch", "tensorflow", "cudaq"])
    fields["hyperparameters"] = {f"p{k}": rng.choice([0.01, 100, True, "adam", 1e-5]) for k in range(rng.randint(1, 8))}
    if rng.random() < 0.4:
        fields["instance_config"] = {"instanceType": rng.choice(["ml.m5.large", "ml.c5.xlarge"]), "volumeSizeInGb": 40}
    if rng.random() < 0.3:
        fields["stopping_condition"] = {"maxRuntimeInSeconds": rng.randint(600, 432000)}
    if rng.random() < 0.5:
        fields["tags"] = {"team": rng.choice(["algorithms", "chemistry", "ml"]), "spec": str(i)}
    return fields


def to_yaml(fields: dict[str, object]) -> str:
    lines = []
    for key, value in fields.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {k}: {_scalar(v)}" for k, v in value.items()]
        else:
            lines.append(f"{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def to_toml(fields: dict[str, object]) -> str:
    head, tables = [], []
    for key, value in fields.items():
        if isinstance(value, dict):
            tables.append(f"\n[{key}]")
            tables += [f"{k} = {_toml(v)}" for k, v in value.items()]
        else:
            head.append(f"{key} = {_toml(value)}")
    return "\n".join(head + tables) + "\n"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and (value.isdigit() or not value.replace("-", "").replace("_", "").isalnum()):
        return f'"{value}"'
    return str(value)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def generate(root: Path, count: int, modules: int | None = None, seed: int = 7) -> Path:
    """Write jobspec.toml, specs/ (with sources and data) under root; return the specs folder."""
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    specs = root / "specs"
    (root / ".git").mkdir(parents=True)
    (root / "jobspec.toml").write_text(
        'default_environment = "bench"\nexclude = ["specs/src", "specs/data"]\n\n'
        '[environments.bench]\nregion = "us-west-2"\naccount_id = "123456789012"\n'
    )
    shared = [f"shared{k}" for k in range(max(1, count // 50))]
    for name in shared:
        write_source(specs / "src", name, modules or rng.randint(3, 12), rng)
    data = specs / "data" / "train"
    data.mkdir(parents=True)
    for k in range(5):
        (data / f"part{k}.csv").write_text("x,y\n" + "".join(f"{j},{j * j}\n" for j in range(200)))
    for i in range(count):
        group = specs / f"team{i % 10}"
        group.mkdir(parents=True, exist_ok=True)
        roll = rng.random()
        if roll < 0.05:
            source, entry = "s3://bench-bucket/sources/algo.tar.gz", "algo:main"
        elif roll < 0.45:
            name = rng.choice(shared)
            source, entry = f"../src/{name}", f"{name}.mod0:main"
        else:
            name = f"own{i}"
            write_source(specs / "src", name, modules or rng.randint(3, 12), rng)
            source, entry = f"../src/{name}", f"{name}.mod0:main"
        fields = spec_fields(i, rng, source, entry)
        if rng.random() < 0.125:
            fields["input_data"] = {"train": "../data/train", "ref": "s3://bench-bucket/ref/"}
        if rng.random() < 0.25:
            (group / f"job{i}.toml").write_text(to_toml(fields))
        else:
            (group / f"job{i}.yaml").write_text(to_yaml(fields))
    return specs


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", type=Path)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--modules", type=int, default=None, help="modules per source package (default: 3 to 12)")
    args = parser.parse_args()
    print(generate(args.root, args.n, args.modules))
