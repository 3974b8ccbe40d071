"""The local GOV.UK Notify API: `notifier sandbox`, or in-process with `build_app(SandboxConfig...)`."""

from notify_sandbox.app import SandboxApp, build_app
from notify_sandbox.config.faults import FaultSettings
from notify_sandbox.config.settings import KeyType, Outcome, SandboxConfig, TemplateSpec

__all__ = ["FaultSettings", "KeyType", "Outcome", "SandboxApp", "SandboxConfig", "TemplateSpec", "build_app"]
