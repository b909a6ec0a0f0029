"""Reading configuration files with errors a person can act on: which file, which line, which field.

Shared by every YAML file under `config/` (agencies, sandboxes, generator noise), so a mistake reads
the same wherever it is made. Messages never quote a value that could be a secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

ModelT = TypeVar("ModelT", bound=BaseModel)

_WORDING = (
    ("Value error, ", ""),
    ("Input should be less than or equal to", "must be at most"),
    ("Input should be greater than or equal to", "must be at least"),
    ("Input should be less than", "must be less than"),
    ("Input should be greater than", "must be more than"),
    ("Input should be", "must be"),
    ("Extra inputs are not permitted", "unknown setting"),
    ("Field required", "is required"),
)


class ConfigFileError(ValueError):
    """A configuration file cannot be used; the message says where and what to fix."""


def read_yaml(path: Path, *, hint: str) -> Any:
    """The parsed document; unreadable files and YAML syntax errors become one line (`hint`: what to do)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigFileError(f"Cannot read {path} ({error.strerror or error}). {hint}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigFileError(f"{path} is not valid YAML{where}. Fix the file and try again.") from None


def field_path(location: tuple[int | str, ...] | list[int | str]) -> str:
    """`agencies.0.timeouts.read` style, the way the YAML reads."""
    return ".".join(str(part) for part in location)


def problem_message(detail: ErrorDetails) -> str:
    """Pydantic's message in plainer words, e.g. "must be at most 1"."""
    message = str(detail["msg"])
    for before, after in _WORDING:
        message = message.replace(before, after)
    return message


def describe_problems(error: ValidationError, *, first_only: bool = False) -> str:
    """`field: message` for each problem (or the first), joined with semicolons."""
    details = error.errors()[:1] if first_only else error.errors()
    return "; ".join(
        f"{field_path(detail['loc'])}: {problem_message(detail)}" if detail["loc"] else problem_message(detail)
        for detail in details
    )


def read_config_model(path: Path, model: type[ModelT], *, hint: str) -> ModelT:
    """A YAML file validated as `model`; a `ConfigFileError`, one line naming the file and the first wrong field."""
    raw = read_yaml(path, hint=hint)
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        detail = error.errors()[0]
        field = field_path(detail["loc"]) or "(top level)"
        raise ConfigFileError(f"{path}: field '{field}': {problem_message(detail)}.") from None
