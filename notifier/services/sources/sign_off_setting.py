"""Turning a network's sign-off on or off: one admin asks in the settings, a second admin confirms,
and both steps are audited. Turning it on needs two people who can approve, so that nobody would
have to approve their own email."""

from __future__ import annotations

from dataclasses import dataclass

from notifier.db.models import ApprovalRequest, Network
from notifier.db.session import UnitOfWork
from notifier.domain.sign_off import ApprovalKind, ApprovalStatus, TeamCounts, sign_off_can_start
from notifier.domain.sources import AdminRole
from notifier.repositories import admins as admin_repo
from notifier.services.common import audit
from notifier.services.common.actor_names import actor_names
from notifier.services.common.actors import Actor
from notifier.services.common.ports import TaskQueue
from notifier.services.common.scope import NetworkScope
from notifier.services.sources.approval_requests import ApprovalError, Ask, Told, ask


def _refuse_start(uow: UnitOfWork, network: Network) -> None:
    counts = TeamCounts.of(member.role for member, _ in admin_repo.live_team(uow.session, network.id))
    problem = sign_off_can_start(counts)
    if problem:
        raise ApprovalError("requires_sign_off", problem, conflict=True)


def propose(
    uow: UnitOfWork, queue: TaskQueue, network: Network, turn_on: bool, actor: Actor, *, base_url: str
) -> int:
    """Ask a second admin to confirm the change; the request's id."""
    if turn_on == network.requires_sign_off:
        raise ApprovalError("requires_sign_off", f"sign-off is already {'on' if turn_on else 'off'}")
    if turn_on:
        _refuse_start(uow, network)
    title = "Turn sign-off on" if turn_on else "Turn sign-off off"
    asked = Ask(ApprovalKind.SIGN_OFF_SETTING, title, {"requires_sign_off": turn_on})
    return ask(uow, queue, network, asked, actor, Told(None), base_url=base_url).id


def apply(uow: UnitOfWork, network: Network, turn_on: bool, *, actor: str, approved_by: str) -> None:
    if turn_on == network.requires_sign_off:
        raise ApprovalError("requires_sign_off", f"sign-off is already {'on' if turn_on else 'off'}")
    if turn_on:
        _refuse_start(uow, network)
    network.requires_sign_off = turn_on
    audit.record(
        uow.session, network.id, actor, "network.sign_off", "network", network.id,
        requires_sign_off=turn_on, approved_by=approved_by,
    )  # fmt: skip


@dataclass(frozen=True)
class SettingView:
    requires_sign_off: bool
    waiting_id: int | None  # a change waiting for a second admin
    asked_by: str
    mine: bool
    can_confirm: bool
    cannot_turn_on: str | None  # why sign-off could not be turned on now


def setting_view(scope: NetworkScope, viewer: Actor) -> SettingView:
    network = scope.network
    waiting = scope.session.scalars(
        scope.rows(ApprovalRequest).where(
            ApprovalRequest.kind == ApprovalKind.SIGN_OFF_SETTING,
            ApprovalRequest.status == ApprovalStatus.AWAITING,
        )
    ).one_or_none()
    counts = TeamCounts.of(member.role for member, _ in admin_repo.live_team(scope.session, network.id))
    asked_by = actor_names(scope.session, network.id).actor(waiting.asked_by) if waiting else ""
    mine = waiting is not None and viewer.same_person(waiting.asked_by_admin_id)
    can = waiting is not None and not mine and viewer.signed_in and viewer.role.allows(AdminRole.ADMIN)
    return SettingView(
        network.requires_sign_off,
        waiting.id if waiting else None,
        asked_by,
        mine,
        can,
        sign_off_can_start(counts),
    )
