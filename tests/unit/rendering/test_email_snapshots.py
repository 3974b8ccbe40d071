"""One full email per kind, compared with a reviewed copy in snapshots/<kind>.txt.

After a deliberate template change, rewrite the copies with
`.venv/bin/python -m tests.unit.rendering.test_email_snapshots` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from notifier.rendering.emails import EmailKind, RenderedEmail, render_email
from notifier.rendering.markdown import ZERO_WIDTH_SPACE
from tests.unit.rendering.samples import ORIGINS, sample_context

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _as_text(email: RenderedEmail) -> str:
    return f"Subject: {email.subject}\n\n{email.body}"


def _render(kind: EmailKind) -> str:
    return _as_text(render_email(kind, sample_context(kind), allowed_origins=ORIGINS))


@pytest.mark.parametrize("kind", list(EmailKind))
def test_email_matches_its_reviewed_snapshot(kind: EmailKind) -> None:
    rendered = _render(kind)
    assert ZERO_WIDTH_SPACE not in rendered  # the samples are benign: nothing to defang
    assert rendered == (SNAPSHOTS / f"{kind}.txt").read_text(encoding="utf-8")


if __name__ == "__main__":
    SNAPSHOTS.mkdir(exist_ok=True)
    for each in EmailKind:
        (SNAPSHOTS / f"{each}.txt").write_text(_render(each), encoding="utf-8")
