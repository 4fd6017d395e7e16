"""Reading scenario files: YAML (safe loading only), ``extends:`` with deep merge, validation.

Every problem in a file is reported at once as :class:`ScenarioError`, one line per problem
naming the file, the dotted field path, what was wrong and what is allowed.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jailsim.scenario.schema import Scenario


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``lines`` holds one message per problem."""

    def __init__(self, lines: list[str]):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


def deep_merge(base: dict, override: dict) -> dict:
    """Merge ``override`` into a copy of ``base``; mappings merge, everything else replaces."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def set_dotted(data: dict, path: str, value: Any) -> None:
    """Set ``data["a"]["b"] = value`` for ``path == "a.b"``, creating mappings on the way."""
    keys = path.split(".")
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value


def read_yaml(path: Path) -> dict:
    """Read one YAML file with ``extends:`` resolved (relative to that file)."""
    data = yaml.safe_load(path.read_text())
    parent = data.pop("extends", None)
    if parent:
        data = deep_merge(read_yaml((path.parent / parent).resolve()), data)
    return data


def validate(data: dict, source: str = "<data>", base_dir: Path | None = None) -> Scenario:
    """Validate plain data into a Scenario, or raise ScenarioError."""
    try:
        return Scenario.model_validate(data, context={"base_dir": base_dir or Path(".")})
    except ValidationError as exc:
        lines = [
            f"{source}: {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ScenarioError(lines) from None


def load(path: str | Path) -> Scenario:
    """Load and validate a scenario file."""
    path = Path(path)
    return validate(read_yaml(path), source=str(path), base_dir=path.parent)
