"""Every action the code audits has a sentence in words, so the audit log never shows a raw name such
as "site.routing" to a steering group."""

from __future__ import annotations

import ast
from pathlib import Path

from notifier.services.common.audit_words import PHRASES

PACKAGE = Path(__file__).resolve().parents[2] / "notifier"


def _recorded_actions() -> dict[str, str]:
    """Each literal action passed to `audit.record(session, network, actor, ACTION, ...)`, and where."""
    found: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "record" or not isinstance(node.func.value, ast.Name):
                continue
            if node.func.value.id != "audit" or len(node.args) < 4:
                continue
            action = node.args[3]
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                found[action.value] = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
    return found


def test_the_scan_finds_the_audited_actions() -> None:
    actions = _recorded_actions()
    assert len(actions) > 40 and "message.cancel" in actions


def test_every_audited_action_reads_as_a_sentence() -> None:
    missing = {action: where for action, where in _recorded_actions().items() if action not in PHRASES}
    assert missing == {}
