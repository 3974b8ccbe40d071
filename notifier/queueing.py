"""Finding the task queue implementation named in the settings (Celery's lives in workers/)."""

from __future__ import annotations

import importlib
from typing import cast

from notifier.config import Settings
from notifier.services.common.ports import TaskQueue


def load_task_queue(settings: Settings) -> TaskQueue:
    module_name, _, attribute = settings.task_queue_factory.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    return cast(TaskQueue, factory(settings))
