"""`hub keys ...`: the key-encryption keys: first key, status, rotation and retirement, for operators.

Operator commands: they act as `service:keys` and need access to `$HUB_HOME` (its key files or the HSM's PIN
file, and the database), not a staff sign-in, because key work happens before any account exists (a new
install) and reads no personal data: rotation moves wrapped keys from one KEK version to the next without
decrypting a record. Every change is in the audit trail (`keys.rotate`, `keys.retire`) as versions and counts.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from hub.cli.common import console
from hub.settings import HubSettings

app = typer.Typer(help="Key-encryption keys: first key, status, rotation and retirement.", no_args_is_help=True)


@app.command("init")
def init() -> None:
    """Make the first key-encryption key (version 1) of a new hub. Required in production, where no key is ever
    made on first use; refused if a key exists, or if the database holds data (restore its keys instead)."""
    from hub.store.home import open_store

    settings = HubSettings.from_env()
    store = open_store(settings)
    try:
        version = store.initialise_keys()
        console.print(
            f"Made KEK version {version} in {store.key_provider.describe()}, and the epoch permanent (hub-wide keys). "
            "Back up the keys now, and keep that backup apart from the database's (docs/deployment.md, Keys).",
            soft_wrap=True,
            markup=False,
        )
    finally:
        store.close()


@app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False) -> None:
    """Show the key provider, its KEK versions (current, minimum decryption), data keys per version and per
    epoch, and whether a rotation is unfinished."""
    from hub.keys.status import key_status, status_lines
    from hub.store.home import open_store

    settings = HubSettings.from_env()
    store = open_store(settings)
    try:
        found = key_status(store, settings)
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(found.as_json(), indent=2))
        return
    for line in status_lines(found):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


@app.command("rotate")
def rotate(
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Data keys rewrapped per transaction.")] = 500,
) -> None:
    """Make a new KEK version and rewrap every data key under it, a batch per transaction. Safe to interrupt at any
    moment (even kill -9): run it again and it carries on; it makes no new version until that rotation completes."""
    from hub.keys.rotation import rotate as run_rotation
    from hub.store.home import open_store
    from hub.store.key_records import RotationStart

    settings = HubSettings.from_env()
    store = open_store(settings)

    def started(start: RotationStart) -> None:
        verb = "Made" if start.created else "Resuming the rotation to"
        console.print(f"{verb} KEK version {start.version}; {start.remaining} data keys to rewrap.", highlight=False)

    def progress(done: int, total: int) -> None:
        console.print(f"  rewrapped {done} of {total} data keys ({done * 100 // max(total, 1)}%)", highlight=False)

    try:
        done = run_rotation(store, batch_size=batch_size, started=started, progress=progress)
    finally:
        store.close()
    console.print(
        f"Rotation complete: every data key is under KEK version {done.version} ({done.rewrapped} rewrapped in this "
        f"run). Once backups made before it are no longer needed, retire the older versions: `hub keys retire`.",
        highlight=False,
        soft_wrap=True,
    )


@app.command("retire")
def retire(
    min_version: Annotated[
        int | None,
        typer.Option("--min-version", help="The minimum decryption version (default: the current version)."),
    ] = None,
) -> None:
    """Stop older KEK versions from decrypting (Vault's minimum decryption version). Refused while any data key is
    still wrapped by one of them. A lower --min-version re-enables old versions, e.g. to read an old backup."""
    from hub.store.home import open_store

    settings = HubSettings.from_env()
    store = open_store(settings)
    try:
        old, new = store.retire_versions(min_version)
    finally:
        store.close()
    if new == old:
        console.print(f"The minimum decryption version is already {new}: nothing changed.", highlight=False)
    else:
        console.print(f"Minimum decryption version: {old} → {new}.", highlight=False)
