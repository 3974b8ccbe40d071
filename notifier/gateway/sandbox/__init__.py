"""The local GOV.UK Notify API: `notifier sandbox`, or in-process with `build_app(SandboxConfig...)`."""

from notifier.gateway.sandbox.app import SandboxApp, build_app
from notifier.gateway.sandbox.config import KeyType, Outcome, SandboxConfig, TemplateSpec
from notifier.gateway.sandbox.faults import FaultSettings

__all__ = ["FaultSettings", "KeyType", "Outcome", "SandboxApp", "SandboxConfig", "TemplateSpec", "build_app"]
