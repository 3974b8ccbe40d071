"""`notifier keys ...`: new keys for a deployment's settings, and the key older deployments derived.

The values are printed on stdout only, for the operator to put in the deployment's secrets
(docs/operations.md, "Keys" walks a rotation end to end).
"""

from __future__ import annotations

import secrets

import typer

from notifier.config import Environment, Settings
from notifier.services.common.secrets_at_rest import derived_key, new_encryption_key

keys_app = typer.Typer(help="Keys for signing, address hashes and encryption at rest.", no_args_is_help=True)


@keys_app.command("new-secret")
def new_secret() -> None:
    """A random value for NOTIFIER_SIGNING_KEYS, NOTIFIER_SUPPRESSION_HASH_KEY or a bearer token."""
    typer.echo(secrets.token_urlsafe(48))


@keys_app.command("new-encryption-key")
def new_encryption_key_command() -> None:
    """A new Fernet key for NOTIFIER_ENCRYPTION_KEYS."""
    typer.echo(new_encryption_key())


@keys_app.command("derived-encryption-key")
def derived_encryption_key() -> None:
    """The Fernet key derived from NOTIFIER_SECRET_KEY, which encrypted networks' Notify keys while
    NOTIFIER_ENCRYPTION_KEYS was unset: list it last in NOTIFIER_ENCRYPTION_KEYS until
    `notifier network notify rotate-encryption` has re-encrypted them under the new key."""
    # Read as dev reads it: this command is how a deployment that production refuses gets ready.
    settings = Settings(environment=Environment.DEV)
    typer.echo(derived_key(settings.secret_key.get_secret_value()).decode())
