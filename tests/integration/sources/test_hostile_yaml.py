"""Hostile YAML through the publish hook and through the site reader of `notifier hook post`, in a
process whose address space is capped (`resource.setrlimit`): the classic bombs (aliases nested ten
deep, merge keys, one text repeated, deep nesting, a huge scalar, many keys, recursive aliases) and
documents Hypothesis makes are each refused within a second (a bomb with a 4xx, or a refusal,
naming its limit, nothing stored) or read, and the process never goes above 200 MiB. Then the
report's bomb against a real `notifier web` process: a 4xx in under a second, under 300 MiB."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import sessionmaker

from notifier.cli.processes import Supervisor
from notifier.db.session import make_engine, unit_of_work
from notifier.services.sources import webhooks
from tests.support.databases import SqliteTemplate
from tests.support.fleet import fleet_env, free_port
from tests.support.hostile_yaml import CLASSIC_BOMBS, alias_bomb, memory_mib
from tests.support.seeding import network_with_topics

ROOT = Path(__file__).resolve().parents[3]
READER_LIMIT_MIB = 200
WEB_LIMIT_MIB = 300
SECONDS = 1.0
STORING_SECONDS = 5.0
VIAS = ("hook", "page", "config")


class HostileReader:
    """The reader process of tests/support/hostile_yaml.py, one JSON line each way."""

    def __init__(self, directory: Path) -> None:
        self.log = (directory / "reader.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.hostile_yaml", str(directory)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.log_path = directory / "reader.log"
        self.ready = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise AssertionError(f"the reader process died (exit {self.process.poll()}):\n{tail}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, via: str, text: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"via": via, "yaml": text}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(30)
        self.log.close()


@pytest.fixture(scope="module")
def reader(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: SqliteTemplate
) -> Iterator[HostileReader]:
    directory = tmp_path_factory.mktemp("hostile")
    sqlite_template.create(directory)  # the reader's database (tests/support/hostile_yaml.py)
    running = HostileReader(directory)
    yield running
    running.close()


def assert_answered_in_bounds(answer: dict[str, Any], what: str, *, seconds: float = SECONDS) -> None:
    assert answer["seconds"] < seconds, f"{what}: {answer['seconds']:.2f} s"
    assert answer["peak_mib"] < READER_LIMIT_MIB, f"{what}: the reader reached {answer['peak_mib']:.0f} MiB"


@pytest.mark.parametrize("via", VIAS)
@pytest.mark.parametrize("bomb", list(CLASSIC_BOMBS))
def test_a_classic_bomb_is_refused_naming_its_limit(reader: HostileReader, bomb: str, via: str) -> None:
    text, limit = CLASSIC_BOMBS[bomb]
    answer = reader.ask(via, text)
    assert_answered_in_bounds(answer, f"{bomb} via {via}")
    if via == "hook":
        assert answer["status"] == 422, answer
        problems = json.loads(answer["detail"])["detail"]
        assert problems[0]["field"] == "front_matter"
        assert limit in problems[0]["message"], problems
        assert answer["stored"] == 0
    elif via == "page":
        assert answer["actions"] == ["refuse"], answer
        assert answer["detail"].startswith("front_matter: ")
        assert limit in answer["detail"], answer
    else:
        assert answer["refused"], answer
        assert answer["detail"].startswith("_config.yml ")
        assert limit in answer["detail"], answer  # the site's settings have larger limits, worded alike


PLAIN = re.compile(r"[A-Za-z0-9_.-]+")
ODD_SCALARS = [
    "yes", "No", "~", "null", "18:30", "2024-02-30", "2025-03-05 18:30", ":sym", "1e3", "0x1F",
    ".inf", "<<", "-", "?", "&x", "*x", "!tag", "#", "'", '"', "\t", "",
]  # fmt: skip


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    """Flow-style YAML with anchors, aliases (to finished, unfinished or unknown anchors), merge keys,
    odd scalars and nesting up to past the depth limit."""
    anchors: list[str] = []
    open_anchors: list[str] = []
    max_depth = draw(st.integers(1, 40))
    width = draw(st.integers(1, 12))

    def scalar() -> str:
        value = draw(st.one_of(st.sampled_from(ODD_SCALARS), st.text(max_size=30)))
        if draw(st.booleans()) and PLAIN.fullmatch(value):
            return value
        return json.dumps(value)

    def alias() -> str:
        choice = draw(st.integers(0, 9))
        if choice == 0 and open_anchors:
            return f"*{draw(st.sampled_from(open_anchors))}"  # recursive
        if choice == 1 or not anchors:
            return "*nowhere"
        return f"*{draw(st.sampled_from(anchors))}"

    def node(depth: int) -> str:
        kind = draw(st.sampled_from(["scalar", "alias", "list", "map"] if depth < max_depth else ["scalar"]))
        if kind == "scalar":
            return scalar()
        if kind == "alias":
            return alias()
        anchor = f"a{len(anchors) + len(open_anchors)}" if draw(st.booleans()) else None
        if anchor:
            open_anchors.append(anchor)
        count = draw(st.integers(0, width))
        if kind == "list":
            inner = "[" + ", ".join(node(depth + 1) for _ in range(count)) + "]"
        else:
            pairs = [
                f"{'<<' if draw(st.integers(0, 5)) == 0 else scalar()}: {node(depth + 1)}"
                for _ in range(count)
            ]
            inner = "{" + ", ".join(pairs) + "}"
        if anchor:
            open_anchors.remove(anchor)
            anchors.append(anchor)
            return f"&{anchor} {inner}"
        return inner

    lines = ["title: Generated"] + [f"k{i}: {node(1)}" for i in range(draw(st.integers(1, 6)))]
    return "\n".join(lines) + "\n"


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.one_of(yaml_documents(), st.text(max_size=400)))
def test_any_yaml_is_answered_within_a_second_and_the_memory_limit(reader: HostileReader, text: str) -> None:
    for via in VIAS:
        answer = reader.ask(via, text)
        # A page the hook accepts is stored and queued, which on a busy machine can take longer.
        stores = answer.get("status", 400) < 400
        assert_answered_in_bounds(
            answer, f"via {via}: {text[:200]!r}", seconds=STORING_SECONDS if stores else SECONDS
        )
        if via == "hook":
            assert answer["status"] < 500, answer
            if answer["status"] >= 400:
                assert answer["stored"] == 0, answer
            event(f"hook answered {answer['status']}")  # --hypothesis-show-statistics shows the mix


def test_the_web_process_refuses_the_alias_bomb_at_once_and_stays_small(
    tmp_path: Path, sqlite_template: SqliteTemplate
) -> None:
    """The report's case, against a real `notifier web` (uvicorn, one process)."""
    database_url = sqlite_template.create(tmp_path)
    engine = make_engine(database_url)
    with unit_of_work(sessionmaker(bind=engine, expire_on_commit=False)) as uow:
        network, _ = network_with_topics(uow.session, "alpha", ["news"])
        secret = network.webhook_secret
    engine.dispose()
    port = free_port()
    env = fleet_env(
        database_url=database_url,
        broker_url=f"sqla+sqlite:///{tmp_path / 'broker.db'}",
        redis_url=None,
        var_dir=tmp_path,
        sandbox_env={},
        web_port=port,
        callback_token="token-for-this-test",
    )
    supervisor = Supervisor(tmp_path / "logs")
    web = supervisor.start("web", [sys.executable, "-m", "notifier", "web", "--port", str(port)], env)
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", web.log_path)
        timings = []
        for number in range(10):
            payload = {"url": f"https://alpha.example.gov.uk/news/{number}/", "front_matter": alias_bomb()}
            body = json.dumps(payload).encode()
            headers = webhooks.signed_headers(secret, body, now=time.time())
            started = time.perf_counter()
            answer = httpx.post(f"http://127.0.0.1:{port}/hooks/alpha/content", content=body, headers=headers)
            timings.append(time.perf_counter() - started)
            assert answer.status_code == 422, answer.text
            assert "once its aliases are expanded" in answer.text
        now, peak = memory_mib(web.process.pid)
    finally:
        supervisor.stop_all(timeout=5)
    assert max(timings) < SECONDS, timings
    assert peak < WEB_LIMIT_MIB, f"the web process reached {peak:.0f} MiB (now {now:.0f} MiB)"


def _wait_for(url: str, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"notifier web did not start:\n{log.read_text(errors='replace')[-3000:]}")
