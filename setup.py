"""Build step that pyproject.toml cannot say: a built package carries its templates and GOV.UK Frontend.

A wheel (or the Docker image, which installs one) has no checkout beside it, so `build_py` copies
templates/ and the parts of GOV.UK Frontend that pages load (installed by `npm ci`) into
notifier/_shipped/, where `notifier.resources` finds them. Editable installs read the checkout instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
FRONTEND = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
FRONTEND_FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js", "assets")


class BuildWithResources(build_py):  # type: ignore[misc]  # setuptools' commands are untyped
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        shipped = Path(self.build_lib) / "notifier" / "_shipped"
        shutil.rmtree(shipped, ignore_errors=True)
        shutil.copytree(ROOT / "templates", shipped / "templates")
        if not (FRONTEND / FRONTEND_FILES[0]).is_file():
            raise SystemExit(f"GOV.UK Frontend is not in {FRONTEND}: run `npm ci` before building")
        for name in FRONTEND_FILES:
            source, target = FRONTEND / name, shipped / "govuk-frontend" / name
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildWithResources})
