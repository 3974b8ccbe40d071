"""deploy/Caddyfile as Caddy itself reads it (Debian's `caddy`, installed by scripts/services.sh): one
site on NOTIFIER_DOMAIN proxying to web:8000, with each of the three ways CADDY_TLS gets a certificate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from notifier.config import PROJECT_ROOT

DOMAIN = "emails.network.example.gov.uk"


def _adapt(tls: str) -> dict[str, Any]:
    caddy = shutil.which("caddy")
    assert caddy, "caddy is not installed: run scripts/services.sh (README command 2 does)"
    result = subprocess.run(
        [caddy, "adapt", "--config", str(PROJECT_ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
        env={**os.environ, "NOTIFIER_DOMAIN": DOMAIN, "CADDY_TLS": tls},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    adapted: dict[str, Any] = json.loads(result.stdout)
    return adapted


def _site(config: dict[str, Any]) -> dict[str, Any]:
    (server,) = config["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]
    (route,) = server["routes"]
    assert route["match"] == [{"host": [DOMAIN]}]
    return route


@pytest.mark.parametrize(("tls", "issuer"), [("webmaster@example.gov.uk", "acme"), ("internal", "internal")])
def test_caddy_gets_the_certificate_itself(tls: str, issuer: str) -> None:
    config = _adapt(tls)
    _site(config)
    (policy,) = config["apps"]["tls"]["automation"]["policies"]
    assert policy["subjects"] == [DOMAIN] and policy["issuers"][0]["module"] == issuer
    assert "web:8000" in json.dumps(config)


def test_caddy_serves_a_certificate_it_is_given() -> None:
    config = _adapt("/certs/cert.pem /certs/key.pem")
    _site(config)
    (loaded,) = config["apps"]["tls"]["certificates"]["load_files"]
    assert (loaded["certificate"], loaded["key"]) == ("/certs/cert.pem", "/certs/key.pem")
