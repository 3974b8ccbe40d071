"""The GitHub Actions workflow of docs/site-workflow.md, its step's script run as written, against a
real git repository (a bare remote, pushes, a force-push) and notifier serving HTTP on a real
database: each "CI run" is a fresh shallow clone of what was pushed, as actions/checkout makes.

Pushes run in turn; one push's run is skipped (GitHub cancels a pending run when a newer push
arrives); history is rewritten and force-pushed; a run is re-run. No page is lost and none is sent
twice. `--since` with a revision git does not know falls back to the whole list."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from notifier.cli.hook_site import wanted_pages
from notifier.db.models import Event
from notifier.db.session import unit_of_work
from notifier.services.sources.jekyll.config import read_config
from tests.support.fleet import free_port
from tests.support.seeding import network_with_topics, subscriber
from tests.support.site_generator import generate_site, new_post
from tests.support.webapp import web_app

DOC = Path(__file__).parents[3] / "docs" / "site-workflow.md"
STEP = "- name: Post the site's page list"


def workflow_script() -> str:
    """The `run: |` script of the documented step, as GitHub would run it."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == STEP)
    run = next(i for i in range(start, len(lines)) if lines[i].strip() == "run: |")
    indent = len(lines[run + 1]) - len(lines[run + 1].lstrip())
    script = []
    for line in lines[run + 1 :]:
        if (line.strip() and len(line) - len(line.lstrip()) < indent) or line.startswith("```"):
            break
        script.append(line[indent:])
    return "\n".join(script).strip() + "\n"


@contextmanager
def serving(sessions: sessionmaker[Session]) -> Iterator[str]:
    """notifier's web app on a port of its own, in this process, until the test ends."""
    app = web_app(sessions).client.app
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the web app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)


class Repository:
    """The site's repository on an author's machine, its remote, and the CI runs of its pushes."""

    def __init__(self, base: Path, endpoint: str, secret: str) -> None:
        self.base, self.runs = base, 0
        self.remote, self.work = base / "remote.git", base / "work"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")} | {
            "NOTIFIER_HOOK_ENDPOINT": endpoint,
            "NOTIFIER_HOOK_SECRET": secret,
            "NOTIFIER_NETWORK": "alpha",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "TZ": "UTC",
            "GIT_AUTHOR_NAME": "Site author",
            "GIT_AUTHOR_EMAIL": "author@example.invalid",
            "GIT_COMMITTER_NAME": "Site author",
            "GIT_COMMITTER_EMAIL": "author@example.invalid",
        }
        self.git("init", "-q", "--bare", str(self.remote), cwd=base)

    def git(self, *args: str, cwd: Path | None = None) -> str:
        git = shutil.which("git")
        assert git is not None, "git is not installed"
        done = subprocess.run(
            [git, *args], cwd=cwd or self.work, env=self.env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-qm", message)
        return self.git("rev-parse", "HEAD")

    def push(self, *, force: bool = False) -> None:
        self.git("push", "-q", *(["--force"] if force else []), "origin", "main")

    def checkout(self) -> Path:
        """What actions/checkout gives a run: the pushed commit, one commit deep."""
        self.runs += 1
        target = self.base / f"run-{self.runs}"
        self.git(
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "main",
            f"file://{self.remote}",
            str(target),
            cwd=self.base,
        )
        return target

    def ci_run(self, script: str) -> str:
        done = self.run(["bash", "-e", "-c", script], cwd=self.checkout())
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def notifier(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return self.run(["notifier", "hook", *args], cwd=cwd)

    def run(self, command: list[str], *, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, check=False, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=180
        )


def sent_titles(sessions: sessionmaker[Session]) -> Counter[str]:
    with unit_of_work(sessions) as uow:
        return Counter(uow.session.scalars(select(Event.title)).all())


def a_moment_from_now() -> datetime:
    """A whole second after now, waited for: a page dated then is after the connection and not in
    the future when the next run reads it."""
    when = (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)
    while datetime.now(UTC) <= when:
        time.sleep(0.05)
    return when


def test_the_documented_workflow_survives_a_skipped_push_a_force_push_and_a_rerun(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with unit_of_work(sessions) as uow:
        network, (blog,) = network_with_topics(uow.session, "alpha", ("blog",))
        network.site_url = "https://big.example.gov.uk"
        subscriber(uow.session, network, "ann@dept.gov.uk", [blog])
        secret = network.webhook_secret
    script = workflow_script()
    assert "notifier hook post" in script and "--since" not in script
    with serving(sessions) as endpoint:
        repo = Repository(tmp_path, endpoint, secret)
        generate_site(repo.work, seed=11, now=datetime.now(UTC), posts=30, events=10)
        repo.git("init", "-q", "-b", "main", cwd=repo.work)
        repo.git("remote", "add", "origin", f"file://{repo.remote}")
        repo.commit("the site as it is")
        repo.push()
        connected = repo.notifier("connect", "--network", "alpha", "--root", ".", cwd=repo.checkout())
        assert connected.returncode == 0, connected.stdout + connected.stderr
        assert "none was" in connected.stdout

        new_post(repo.work, "first", "First", a_moment_from_now())
        repo.commit("first")
        repo.push()
        repo.ci_run(script)
        assert sent_titles(sessions) == {"First": 1}

        new_post(repo.work, "second", "Second", a_moment_from_now())
        before_skip = repo.commit("second")
        repo.push()  # its run is cancelled while pending: it never runs
        new_post(repo.work, "third", "Third", a_moment_from_now())
        repo.commit("third")
        repo.push()
        repo.ci_run(script)
        assert sent_titles(sessions) == {"First": 1, "Second": 1, "Third": 1}

        # History rewritten: the last two commits squashed, a fourth post added, force-pushed.
        repo.git("reset", "-q", "--soft", before_skip + "~1")
        new_post(repo.work, "fourth", "Fourth", a_moment_from_now())
        repo.commit("second to fourth, squashed")
        repo.push(force=True)
        output = repo.ci_run(script)
        assert sent_titles(sessions) == {"First": 1, "Second": 1, "Third": 1, "Fourth": 1}
        assert "1 send" in output

        repo.ci_run(script)  # a re-run of the same push
        # The old shortcut, with the commit the force-push threw away: git does not know it.
        shortcut = repo.notifier(
            "post", "--network", "alpha", "--root", ".", "--since", before_skip, cwd=repo.checkout()
        )
        assert shortcut.returncode == 0, shortcut.stdout + shortcut.stderr
        assert "posting the whole site instead" in " ".join(shortcut.stderr.split())
    assert sent_titles(sessions) == {"First": 1, "Second": 1, "Third": 1, "Fourth": 1}


@pytest.mark.parametrize("since", ["0000000000000000000000000000000000000000", "HEAD~5"])
def test_since_falls_back_to_the_whole_list_when_git_does_not_know_the_revision(
    since: str, tmp_path: Path
) -> None:
    root = tmp_path / "site"
    generate_site(root, seed=1, now=datetime.now(UTC), posts=2, events=0)
    git = shutil.which("git")
    assert git is not None
    subprocess.run([git, "init", "-q", str(root)], check=True)
    wanted, complete = wanted_pages(read_config(root), None, since)
    assert wanted is None and complete
