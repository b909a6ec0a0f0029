"""The SDK's wording helpers, with which every connector writes its chronology summaries."""

from __future__ import annotations

from connectors.sdk.wording import count, long_date, sentence


def test_wording_helpers() -> None:
    from datetime import date

    assert long_date(date(2015, 3, 14)) == "14 March 2015"
    assert count(2, "child", "children") == "two children" and count(1, "session") == "one session"
    assert sentence("first clause.", None, "second") == "First clause; second."
