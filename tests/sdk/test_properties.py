"""Properties over random valid specs: one spec, one request, whatever its spelling."""

from __future__ import annotations

import io
import json
import random
import tempfile
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from braket_jobspec.compile import compile_spec
from braket_jobspec.schemas import REQUEST_SCHEMA, schema
from braket_jobspec.sdk.builder import BuildOptions
from strategies import CTX, botocore_errors, specs


def shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    return value


def write_tree(root: Path) -> None:
    (root / ".git").mkdir()
    (root / "algo.py").write_text("def main():\n    pass\n")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("def main():\n    pass\n")
    (root / "pkg" / "mod.py").write_text("def run(x=1):\n    return x\n")
    (root / "data").mkdir()
    (root / "data" / "one.csv").write_text("1,2\n")


def dump_yaml(spec: dict[str, Any]) -> str:
    # Block style: ruamel's emitter writes plain `?0` inside flow mappings, which its own
    # parser then refuses (found by this test); in block style both agree.
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(spec, out)
    return out.getvalue()


def compile_text(root: Path, name: str, text: str) -> str:
    path = root / name
    path.write_text(text, "utf-8")
    result = compile_spec(path, name, CTX, BuildOptions(root))
    assert result.ok, "\n".join(map(str, result.diagnostics)) + "\n---\n" + text
    return result.request_json()


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(spec=specs(), seed=st.integers(0, 2**32))
def test_yaml_toml_and_key_order_give_the_same_bytes(spec: dict[str, Any], seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root)
        as_yaml = compile_text(root, "a.yaml", dump_yaml(spec))
        assert compile_text(root, "b.toml", tomli_w.dumps(spec)) == as_yaml
        assert compile_text(root, "c.yaml", dump_yaml(shuffled(spec, random.Random(seed)))) == as_yaml
        assert compile_text(root, "a.yaml", dump_yaml(spec)) == as_yaml  # and again: the same bytes


@SETTINGS
@given(spec=specs())
def test_every_request_passes_botocore_and_the_derived_schema(spec: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root)
        request = json.loads(compile_text(root, "a.yaml", dump_yaml(spec)))
        assert botocore_errors(request) == ""
        assert [e.message for e in Draft202012Validator(schema(REQUEST_SCHEMA)).iter_errors(request)] == []
        assert set(request["hyperParameters"].values()) <= {
            str(v) for v in spec.get("hyperparameters", {}).values()
        } | {
            "true",
            *(request["instanceConfig"]["instanceType"],),
        }
