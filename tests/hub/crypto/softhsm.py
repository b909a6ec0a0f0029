"""SoftHSM2 for the PKCS#11 tests: installed with apt-get when missing, one token directory per test process.

PKCS#11 reads `SOFTHSM2_CONF`, and SoftHSM2 its list of tokens, once, when the library is first initialised
in a process. So the configuration and this process's own token are made here before any test loads the
library (`process_token`, emptied for each test by `empty_process_token`), and `new_token` makes further
tokens only for `hub` processes a test starts, which load the library afresh.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


@dataclass(frozen=True)
class Token:
    module: Path
    label: str
    pin: str
    pin_file: Path
    conf: Path

    def environment(self) -> dict[str, str]:
        """The variables a `hub` process needs to use this token as its key provider."""
        return {
            "SOFTHSM2_CONF": str(self.conf),
            "HUB_KEY_PROVIDER": "pkcs11",
            "HUB_PKCS11_MODULE": str(self.module),
            "HUB_PKCS11_TOKEN": self.label,
            "HUB_PKCS11_PIN_FILE": str(self.pin_file),
        }


def _quietly(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, env=environment, check=False)


def _install() -> str | None:
    """apt-get install softhsm2 (apt-get update first if needed); None, or why it could not."""
    if os.geteuid() != 0:
        return "SoftHSM2 is not installed, and installing it needs root: run `apt-get install -y softhsm2`."
    install = ("apt-get", "install", "-y", "-qq", "softhsm2")
    if _quietly(*install).returncode == 0:
        return None
    if _quietly("apt-get", "update", "-qq").returncode != 0:
        return "SoftHSM2 is not installed and apt-get cannot reach its package lists (no network?): install softhsm2."
    retried = _quietly(*install)
    if retried.returncode != 0:
        last = (retried.stderr.strip().splitlines() or ["no output"])[-1]
        return f"apt-get could not install softhsm2 ({last}); install it, then run the tests again."
    return None


_conf: Path | None = None


def _configured() -> Path:
    """The process's SoftHSM2 configuration (a token directory of its own), installing SoftHSM2 first if needed."""
    global _conf
    if _conf is None:
        if not (MODULE.exists() and shutil.which("softhsm2-util")):
            lock = Path(tempfile.gettempdir()) / "hub-tests-softhsm2-install.lock"
            with lock.open("w") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                problem = None if MODULE.exists() and shutil.which("softhsm2-util") else _install()
            if problem:
                pytest.skip(problem)
        folder = Path(tempfile.mkdtemp(prefix="hub-softhsm-"))
        atexit.register(shutil.rmtree, folder, True)
        (folder / "tokens").mkdir(mode=0o700)
        conf = folder / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
        os.environ["SOFTHSM2_CONF"] = str(conf)  # Before this process first loads the PKCS#11 library.
        _conf = conf
    return _conf


_process_token: Token | None = None


def process_token() -> Token:
    """This test process's token, made before the process loads the PKCS#11 library (so the library sees it)."""
    global _process_token
    if _process_token is None:
        _process_token = new_token("in-process")
    return _process_token


def empty_process_token() -> Token:
    """This process's token with every object in it destroyed: a new, empty HSM for the next test."""
    from pkcs11 import lib
    from pkcs11.exceptions import UserAlreadyLoggedIn

    from hub.crypto.pkcs11 import Pkcs11KeyProvider

    token = process_token()
    Pkcs11KeyProvider.forget_shared()  # Their cached handles would name the objects destroyed below.
    found_token = lib(str(token.module)).get_token(token_label=token.label)
    try:
        session = found_token.open(rw=True, user_pin=token.pin)
    except UserAlreadyLoggedIn:  # A provider of an earlier test holds the process's login.
        session = found_token.open(rw=True)
    try:
        for found in list(session.get_objects()):
            found.destroy()
    finally:
        session.close()
    return token


def new_token(prefix: str = "hub-test") -> Token:
    """A freshly initialised token with a random PIN (in an owner-only file beside the configuration).

    A process that has loaded the PKCS#11 library already does not see it: use it in `hub` processes a test
    starts, and `empty_process_token` in the test's own process.
    """
    conf = _configured()
    label = f"{prefix}-{secrets.token_hex(4)}"
    pin = secrets.token_hex(8)
    made = _quietly(
        "softhsm2-util",
        "--init-token",
        "--free",
        "--label",
        label,
        "--pin",
        pin,
        "--so-pin",
        secrets.token_hex(8),
        env={"SOFTHSM2_CONF": str(conf)},
    )
    if made.returncode != 0:
        pytest.fail(f"softhsm2-util could not initialise a token: {made.stderr.strip()}", pytrace=False)
    pin_file = conf.parent / f"{label}.pin"
    descriptor = os.open(pin_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(pin + "\n")
    return Token(MODULE, label, pin, pin_file, conf)
