"""`read_referral(path)`: a file too large is refused from its size before it is read, and never read whole."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.errors import UserError
from hub.intake.json_document import MAX_BYTES
from hub.intake.problems import ReferralRefused
from hub.intake.reader import read_referral
from tests.conftest import SAMPLE_REFERRAL

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_the_sample_is_read() -> None:
    assert read_referral(SAMPLE_REFERRAL, now=NOW).referral_id == "REF-2026-000417"


def test_a_large_file_is_refused_from_its_size_on_disk(tmp_path: Path) -> None:
    """A sparse 60 MB file: its exact size in the message can only have come from stat, not from reading."""
    big = tmp_path / "big.json"
    with big.open("wb") as file:
        file.truncate(60 * 1024 * 1024)
    with pytest.raises(ReferralRefused) as refused:
        read_referral(big, now=NOW)
    assert str(refused.value) == (
        f"{big} is too large: 62,914,560 bytes, where a referral may be at most {MAX_BYTES:,} bytes (1 MiB). "
        "Fix the file and try again."
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe")
def test_a_pipe_with_no_size_is_read_no_further_than_the_limit(tmp_path: Path) -> None:
    pipe = tmp_path / "referral.json"
    os.mkfifo(pipe)
    written: list[int] = []

    def write_more_than_the_limit() -> None:
        with pipe.open("wb") as file:
            try:
                for _ in range(8):  # 8 MiB offered; the reader stops after 1 MiB and one byte
                    written.append(file.write(b" " * MAX_BYTES))
                    file.flush()
            except BrokenPipeError:
                pass

    writer = threading.Thread(target=write_more_than_the_limit)
    writer.start()
    with pytest.raises(ReferralRefused) as refused:
        read_referral(pipe, now=NOW)
    writer.join(timeout=10)
    assert not writer.is_alive()
    assert f"is too large: more than {MAX_BYTES:,} bytes" in str(refused.value)
    assert sum(written) < 8 * MAX_BYTES


def test_a_missing_file_and_a_folder_are_told_apart(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="No such file"):
        read_referral(tmp_path / "absent.json")
    with pytest.raises(UserError, match="Check that it is a file"):
        read_referral(tmp_path)
