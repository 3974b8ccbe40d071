"""The roles table the Team page and docs show says what the routes require."""

from __future__ import annotations

import re
from pathlib import Path

from notifier.domain.sources import ROLE_ABILITIES, AdminRole

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def test_the_operations_guide_shows_the_same_table_as_the_team_page() -> None:
    table = re.findall(r"^\| ([^|]+?) \| (yes|no) \| (yes|no) \| (yes|no) \|$", OPERATIONS.read_text(), re.M)
    assert len(table) == len(ROLE_ABILITIES)
    for (ability, needed), (written, *cells) in zip(ROLE_ABILITIES, table, strict=True):
        assert written == ability
        assert cells == ["yes" if role.allows(needed) else "no" for role in AdminRole], ability
