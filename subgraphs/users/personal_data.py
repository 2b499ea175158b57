"""Personal data at rest: emails encrypted with Fernet, found again through a keyed hash.

Ciphertexts are made with the newest of the configured Fernet keys (``FEDRA_USERS_DATA_KEYS``,
comma-separated, newest first) and read with any of them, so a key is rotated by putting a new
one first, re-encrypting (``python -m subgraphs.users.keys rotate-data``) and then dropping the
old one. Fernet is randomised, so equality lookups use ``email_lookup`` instead: HMAC-SHA256 of
the normalised email under ``FEDRA_USERS_LOOKUP_KEY``.
Without those variables (development) the keys live in files in the key directory.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .secret_files import read_or_create_secret, write_secret_file
from .settings import UsersSettings

DATA_KEYS_FILE = "users-data.keys"
LOOKUP_KEY_FILE = "users-lookup.key"


class PersonalDataError(Exception):
    """A ciphertext no configured key opens."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


class PersonalData:
    def __init__(self, data_keys: Sequence[str], lookup_key: str) -> None:
        if not data_keys:
            raise ValueError("at least one data encryption key is needed")
        if not lookup_key:
            raise ValueError("the email lookup key must not be empty")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in data_keys])
        except ValueError as error:
            raise ValueError(f"invalid data encryption key: {error}") from None
        self._lookup_key = lookup_key.encode()

    @classmethod
    def from_settings(cls, settings: UsersSettings) -> PersonalData:
        data_keys = settings.data_keys or tuple(dev_data_keys(settings.keys_dir))
        lookup_key = settings.lookup_key or read_or_create_secret(
            settings.keys_dir / LOOKUP_KEY_FILE, Fernet.generate_key().decode()
        )
        return cls(data_keys, lookup_key)

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except InvalidToken:
            raise PersonalDataError("no configured data key decrypts this value") from None

    def reencrypt(self, ciphertext: str) -> str:
        """The same value under the newest key."""
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise PersonalDataError("no configured data key decrypts this value") from None

    def email_lookup(self, email: str) -> str:
        digest = hmac.new(self._lookup_key, normalise_email(email).encode(), hashlib.sha256)
        return digest.hexdigest()


def dev_data_keys(keys_dir: Path) -> list[str]:
    """The development data keys (newest first), a first one generated when the file is new."""
    content = read_or_create_secret(keys_dir / DATA_KEYS_FILE, Fernet.generate_key().decode())
    return [line.strip() for line in content.splitlines() if line.strip()]


def add_dev_data_key(keys_dir: Path) -> str:
    """Puts a new key first in the development key file and returns it."""
    keys = dev_data_keys(keys_dir)
    new = Fernet.generate_key().decode()
    write_secret_file(keys_dir / DATA_KEYS_FILE, "\n".join([new, *keys]) + "\n")
    return new
