"""Code reads the keys through what each is for: `Settings.signing_secrets` (a rotating list) to sign
and verify, `Settings.hash_key` (never rotated) to hash addresses. Reading NOTIFIER_SECRET_KEY itself
would sign with a key a rotation cannot move, or hash with one it could."""

from __future__ import annotations

from notifier.config import PROJECT_ROOT

# Where the legacy key is read on purpose: the settings and their checks, and the key it used to derive.
ALLOWED = {
    "notifier/config.py",
    "notifier/settings_checks.py",
    "notifier/services/common/secrets_at_rest.py",
    "notifier/cli/keys.py",
}


def test_only_the_settings_read_the_legacy_secret_key() -> None:
    readers = {
        str(path.relative_to(PROJECT_ROOT))
        for folder in ("notifier", "workers")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if "secret_key.get_secret_value()" in path.read_text(encoding="utf-8")
    }
    assert readers <= ALLOWED, sorted(readers - ALLOWED)
