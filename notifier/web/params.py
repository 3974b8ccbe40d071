"""Typed path parameters every surface uses alike. An id no row can have (0, negative, beyond the
databases' 64-bit range, not a number) fails validation, which `web/problems.py` answers as the
surface's 404: the page (or the API object) does not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from notifier.domain.ids import MAX_ID

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
