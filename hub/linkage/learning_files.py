"""Writing what `hub linkage learn` learnt: a new model file and settings file, whole or not at all.

The settings file is edited as text, not re-dumped, so its comments (the council's notes on why a
threshold is what it is) survive: only the `agency_thresholds` block is replaced. Both documents are
validated before anything is written, each is written to a temporary file beside its target and then
renamed over it, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import yaml
from pydantic import ValidationError

from hub.linkage.model import ModelFile
from hub.linkage.settings import LinkageSettings, Thresholds
from schemas.config_files import ConfigFileError, describe_problems

BLOCK_KEY = "agency_thresholds:"
BLOCK_NOTE = "# Per-agency thresholds, replacing `thresholds` for that agency's candidates (docs/linkage.md);"


def model_text(model: ModelFile) -> str:
    """The model file as `hub linkage estimate` writes it (an empty `agencies` left out)."""
    document = model.model_dump(mode="json")
    if not document.get("agencies"):
        document.pop("agencies", None)
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def settings_text(current: str, thresholds: Mapping[str, Thresholds], *, learnt_on: str) -> str:
    """`current` (the settings file's text) with its `agency_thresholds` block replaced by `thresholds`."""
    lines = current.splitlines()
    kept: list[str] = []
    inside = False
    for line in lines:
        if line.startswith(BLOCK_KEY):
            inside = True
            while kept and kept[-1].startswith(("# Per-agency thresholds", "# written by `hub linkage learn`")):
                kept.pop()
            continue
        if inside and (not line.strip() or line[:1].isspace()):
            continue
        inside = False
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    if thresholds:
        kept += [
            "",
            BLOCK_NOTE,
            f"# written by `hub linkage learn` on {learnt_on} from practitioners' review decisions.",
            BLOCK_KEY,
        ]
        for agency, chosen in sorted(thresholds.items()):
            kept += [
                f"  {agency}:",
                f"    link_probability: {chosen.link_probability!r}",
                f"    review_probability: {chosen.review_probability!r}",
            ]
    return "\n".join(kept) + "\n"


def write_learnt(model: ModelFile, model_path: Path, settings: str, settings_path: Path) -> None:
    """Validate both documents, then replace each file whole; a `ConfigFileError` (one line) if either is wrong."""
    text = model_text(model)
    try:
        ModelFile.model_validate_json(text)
    except ValidationError as error:
        raise ConfigFileError(f"{model_path}: {describe_problems(error)}") from None
    try:
        LinkageSettings.model_validate(yaml.safe_load(settings))
    except ValidationError as error:
        raise ConfigFileError(f"{settings_path}: {describe_problems(error)}") from None
    staged: list[tuple[Path, Path]] = []
    try:
        for target, content in ((model_path, text), (settings_path, settings)):
            staged.append((_staged(target, content), target))
    except OSError:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, target in staged:
        os.replace(temporary, target)


def _staged(target: Path, text: str) -> Path:
    """`text` in a temporary file beside `target` (same file system, so the rename is atomic), with its mode."""
    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    staged = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        staged.chmod(target.stat().st_mode & 0o777 if target.exists() else 0o644)
    except OSError:
        staged.unlink(missing_ok=True)
        raise
    return staged
