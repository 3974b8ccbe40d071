"""Building a SandboxConfig from a config file, command-line overrides and kept ids and secrets.

A file either describes one service with its top-level fields (as before several services existed),
or lists `services`, each a table of ServiceConfig fields with its own `name`. With a list, the
top-level service fields are defaults every service inherits, and the sandbox-wide fields (timings,
outcomes, faults) stay at the top. Precedence: identity < file top level < the service's entry <
command-line options (which apply to every service).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from notify_sandbox.config.settings import Identity, SandboxConfig, ServiceConfig

DEFAULT_SERVICE = "default"
SERVICE_FIELDS = frozenset(ServiceConfig.model_fields) | {"extra_api_keys"}


def read_config_file(path: Path) -> dict[str, Any]:
    """A JSON or TOML file whose keys are SandboxConfig fields (plus `extra_api_keys` and `services`)."""
    text = path.read_text(encoding="utf-8")
    data: Any = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the config file must hold an object")
    return data


def service_entries(file_data: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The file's `services` list, checked for shape, or None when the file describes one service."""
    entries = file_data.get("services")
    if entries is None:
        return None
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise ValueError("services must be a non-empty list of tables, one per service")
    for index, entry in enumerate(entries):
        if not isinstance(entry.get("name"), str):
            raise ValueError(f"services[{index}] needs a name (lower-case letters, digits and _)")
    return entries


def service_names(file_data: Mapping[str, Any]) -> list[str]:
    entries = service_entries(file_data)
    return [DEFAULT_SERVICE] if entries is None else [str(e["name"]) for e in entries]


def generate_identities(names: Sequence[str], seed: int | None) -> dict[str, Identity]:
    """Fresh ids and secrets per service; with a seed, the first service's are the single-service ones."""
    return {name: _generate(index, name, seed) for index, name in enumerate(names)}


def _generate(index: int, name: str, seed: int | None) -> Identity:
    if index == 0 or seed is None:
        return Identity.generate(seed)
    return Identity.generate(f"{seed}:{name}")


class _KeptIdentities(BaseModel):
    model_config = ConfigDict(extra="forbid")

    services: dict[str, Identity]


def identities_from_state_file(path: Path, names: Sequence[str], seed: int | None) -> dict[str, Identity]:
    """The identities kept in `path`, with any missing service's made and kept there for the next start.

    One service keeps the original one-identity file; several keep `{"services": {name: identity}}`.
    An old one-identity file gives its identity to the first service.
    """
    kept: dict[str, Identity] = {}
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "services" in data:
            kept = _KeptIdentities.model_validate(data).services
        else:
            kept = {names[0]: Identity.model_validate(data)}
    missing = [(i, name) for i, name in enumerate(names) if name not in kept]
    if not missing and path.exists():
        return {name: kept[name] for name in names}
    for index, name in missing:
        kept[name] = _generate(index, name, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        kept[names[0]].model_dump_json(indent=2)
        if len(names) == 1
        else _KeptIdentities(services=kept).model_dump_json(indent=2)
    )
    path.write_text(text, encoding="utf-8")
    return {name: kept[name] for name in names}


def _service_fields(identity: Identity, *layers: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = identity.as_config_fields()
    for layer in layers:
        merged.update(layer)
    extra_keys = merged.pop("extra_api_keys", [])
    merged["api_keys"] = [*merged["api_keys"], *extra_keys]
    return merged


def load_config(
    file_data: Mapping[str, Any], overrides: Mapping[str, Any], identities: Mapping[str, Identity]
) -> SandboxConfig:
    """Defaults < identity < config file < command-line overrides. `extra_api_keys` add to the base keys.

    `identities` holds one per service, in the order of `service_names(file_data)`.
    """
    listed = service_entries(file_data)
    entries = listed or [{}]
    top = {k: v for k, v in file_data.items() if k != "services"}
    shared_file = {k: v for k, v in top.items() if k not in SERVICE_FIELDS}
    defaults = {k: v for k, v in top.items() if k in SERVICE_FIELDS}
    service_overrides = {k: v for k, v in overrides.items() if k in SERVICE_FIELDS}
    shared: dict[str, Any] = {
        **shared_file,
        **{k: v for k, v in overrides.items() if k not in SERVICE_FIELDS},
    }
    fault_overrides = shared.pop("fault_overrides", {})
    if fault_overrides:
        shared["faults"] = {**dict(shared.get("faults", {})), **fault_overrides}
    names = service_names(file_data)
    services = [
        _service_fields(identities[name], defaults, entry, service_overrides)
        for name, entry in zip(names, entries, strict=True)
    ]
    if listed is not None:
        shared["more_services"] = services[1:]
    return SandboxConfig.model_validate({**services[0], **shared})
