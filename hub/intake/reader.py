"""Referral intake: read a referral file, validate it, store it encrypted and trigger its checks.

A bad file is refused before anything is stored or triggered, with a message that names the field
and never echoes its value (the value may be a child's name).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from hub.errors import UserError
from schemas import Referral


def _location(parts: tuple[int | str, ...]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def describe_validation_error(error: ValidationError) -> str:
    problems = error.errors(include_input=False, include_url=False)
    first = problems[0]
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    message = first["msg"].removeprefix("Value error, ")
    return f"{_location(tuple(first['loc']))}: {message}{more}"


def read_referral(path: Path) -> Referral:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"No such file: {path}. Check the path; an example is config/examples/referral.json.") from None
    except (OSError, UnicodeDecodeError):
        raise UserError(f"Cannot read {path} as UTF-8 text. Check the file and its permissions.") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). Fix the file and try again."
        ) from None
    try:
        return Referral.model_validate(raw)
    except ValidationError as exc:
        raise UserError(
            f"{path} is not a valid referral: {describe_validation_error(exc)}. "
            "See schemas/json/referral.v1.schema.json and config/examples/referral.json."
        ) from None
