"""What every command group shares: the console it prints to and who the person at the terminal is."""

from __future__ import annotations

import getpass

from rich.console import Console

console = Console(highlight=False)


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"
