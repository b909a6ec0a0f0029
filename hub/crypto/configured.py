"""The key provider the settings name (`HUB_KEY_PROVIDER`), built in one place."""

from __future__ import annotations

from hub.crypto.local import LocalKeyProvider
from hub.crypto.providers import KeyProvider
from hub.settings import HubSettings


def configured_provider(settings: HubSettings) -> KeyProvider:
    """`local`: key files under `$HUB_HOME/keys/`, made on first use only in development; `pkcs11`: the HSM token.

    PKCS#11 providers are shared per process (`hub.crypto.pkcs11.Pkcs11KeyProvider.shared`), so the token's
    session is opened once and reused by every store, not once per store or per record.
    """
    if settings.key_provider == "pkcs11":
        from hub.crypto.pkcs11 import Pkcs11KeyProvider  # python-pkcs11 loads only where an HSM is used.

        return Pkcs11KeyProvider.from_settings(settings)
    return LocalKeyProvider(settings.kek_path, create_missing=not settings.production, epochs_dir=settings.epochs_dir)
