"""schema/project.schema.json: what editors check jobspec.toml against says what the compiler accepts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from braket_jobspec import pointer as ptr
from braket_jobspec.config import ENV_NAME, parse_config
from braket_jobspec.gitops.init import files
from braket_jobspec.schemas import PROJECT_SCHEMA, schema, schema_path

REPO = Path(__file__).resolve().parents[2]
VALIDATOR = Draft202012Validator(schema(PROJECT_SCHEMA))

names = st.sampled_from(["dev", "prod", "a-b", "x_1", "../up", "", ".", "a/b"])
scalars = st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.floats(allow_nan=False))
values: st.SearchStrategy[Any] = st.one_of(scalars, st.lists(st.text(max_size=3), max_size=2))
fields = st.sampled_from(["region", "account_id", "default_bucket", "default_role_arn", "stamp", "regoin"])
environment = st.dictionaries(fields, st.one_of(st.text(max_size=8), values), max_size=3).flatmap(
    lambda env: st.fixed_dictionaries(
        {},
        optional={
            "tags": st.one_of(st.dictionaries(st.text("abc", min_size=1, max_size=3), values, max_size=2), values),
            "overrides": st.one_of(
                st.dictionaries(st.sampled_from(["job_name", "extends", "unset", "tags"]), st.text(max_size=3)),
                values,
            ),
        },
    ).map(lambda layers: {**env, **layers})
)
configs = st.fixed_dictionaries(
    {},
    optional={
        "default_environment": st.one_of(names, st.integers()),
        "exclude": st.one_of(st.lists(st.text(max_size=4), max_size=2), st.lists(st.integers(), min_size=1), values),
        "environments": st.one_of(st.dictionaries(names, st.one_of(environment, values), max_size=2), values),
        "defualt_environment": names,
    },
)


def _defines_its_default(data: dict[str, Any]) -> bool:
    """A default_environment that names no environment (table) is refused by the compiler, not by a schema."""
    default = data.get("default_environment")
    envs = data.get("environments")
    if not isinstance(default, str):
        return True
    named = ENV_NAME.fullmatch(default) is not None and default not in (".", "..")
    return named and isinstance(envs, dict) and isinstance(envs.get(default), dict)


def schema_refusals(data: dict[str, Any]) -> set[str]:
    """The pointers the schema refuses, placed as the compiler places them (at the key that is wrong)."""
    out = set()
    for error in VALIDATOR.iter_errors(data):
        here = ptr.join("", *error.absolute_path)
        if error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            out |= {ptr.join(here, key) for key in error.instance if key not in known}
        elif "propertyNames" in error.schema_path:  # the instance is the key
            out.add(ptr.join(here, error.instance))
        elif here.startswith("/exclude/"):
            out.add("/exclude")  # the compiler refuses the list, not its item
        else:
            out.add(here)
    # The compiler reads nothing of an environment whose name it refuses: no error inside it.
    refused_names = {p for p in out if p.count("/") == 2 and p.startswith("/environments/")}
    return {p for p in out if not any(p.startswith(name + "/") for name in refused_names)}


@settings(max_examples=500, deadline=None, derandomize=True)  # the same cases in every run (CI)
@given(configs.filter(_defines_its_default))
def test_the_schema_and_the_compiler_refuse_the_same_keys(data: dict[str, Any]) -> None:
    _, diags = parse_config(tomli_w.dumps(data), "jobspec.toml", None)
    assert {d.code for d in diags} <= {"E302"}
    assert {d.pointer for d in diags} == schema_refusals(data), [d.message for d in diags]


def test_the_projects_config_and_the_example_configs_are_valid() -> None:
    import tomli

    configs = [REPO / "jobspec.toml", *sorted((REPO / "tests" / "bad").glob("config-region-typo.config"))]
    for path in configs:
        assert VALIDATOR.is_valid(tomli.loads(path.read_text("utf-8"))), path


def test_init_points_the_new_config_at_the_schema(tmp_path: Path) -> None:
    made = files(tmp_path, "bell")
    text = made[tmp_path / "jobspec.toml"]
    first = text.partition("\n")[0]
    assert first == f"#:schema {schema_path(PROJECT_SCHEMA).as_posix()}"  # no schema/ in this project
    config, diags = parse_config(text, "jobspec.toml", tmp_path / "jobspec.toml")
    assert diags == [] and config.default_environment == "dev"
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / PROJECT_SCHEMA).write_text(schema_path(PROJECT_SCHEMA).read_text())
    assert files(tmp_path, "bell")[tmp_path / "jobspec.toml"].startswith("#:schema schema/project.schema.json\n")


def test_jobspec_schema_project_prints_it() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "braket_jobspec", "schema", "--project"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert done.stdout == schema_path(PROJECT_SCHEMA).read_text("utf-8")
