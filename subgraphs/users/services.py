"""Everything the users service needs besides its database, built once on first start."""

from __future__ import annotations

from dataclasses import dataclass

from .keys import KeyStore
from .passwords import Passwords
from .personal_data import PersonalData
from .secret_files import ensure_private_dir
from .settings import UsersSettings
from .tokens import TokenService, service_clients


@dataclass(frozen=True, slots=True)
class UsersServices:
    settings: UsersSettings
    keys: KeyStore
    passwords: Passwords
    personal: PersonalData
    tokens: TokenService

    @classmethod
    def start(cls, settings: UsersSettings) -> UsersServices:
        """Reads (or, in development, creates) the key directory's keys and secrets."""
        ensure_private_dir(settings.keys_dir)
        keys = KeyStore(settings.keys_dir, retention=settings.key_lifetime_after_retirement)
        keys.ensure()
        passwords = Passwords(settings.argon2)
        personal = PersonalData.from_settings(settings)
        tokens = TokenService(settings, keys, passwords, personal, service_clients(settings))
        return cls(settings, keys, passwords, personal, tokens)


class LazyServices:
    """The services, started on first use (the app's start-up), not when the app is created:
    importing the app module must not touch the key directory."""

    def __init__(self, settings: UsersSettings | None = None) -> None:
        self._settings = settings
        self._services: UsersServices | None = None

    def get(self) -> UsersServices:
        if self._services is None:
            self._services = UsersServices.start(self._settings or UsersSettings.from_env())
        return self._services
