"""The deployment files say what they should. (Docker and systemd are not run on this machine:
these read the files as those tools would, and the README says so.)"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\n```bash\n(.*?)\n```", text, re.S)
    assert match, f"README has no <!-- {marker} --> block"
    return match.group(1).strip()


def test_the_unit_file_parses_and_restarts_on_failure() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    unit.read(ROOT / "deploy" / "wishwall.service", encoding="utf-8")
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/wishwall/wishwall.env"
    assert service["User"] == "wishwall" and service["ExecStart"].endswith("wishwall run")
    assert service["NoNewPrivileges"] == "true" and service["ProtectSystem"] == "strict"
    assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) > 10
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_compose_file_names_the_volume_and_the_health_check() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["wishwall"]
    assert "wishwall-data:/data" in bot["volumes"]
    assert "wishwall-data" in compose["volumes"]
    assert any("/healthz" in part for part in bot["healthcheck"]["test"])
    assert bot["env_file"] == ".env" and bot["restart"] == "unless-stopped"
    assert all(port.startswith("127.0.0.1:") for port in bot["ports"])  # behind a reverse proxy
    assert compose["services"]["telegram-bot-api"]["profiles"] == ["local-api"]


def test_the_dockerfile_installs_as_the_readme_says_and_runs_unprivileged() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    install = _readme_block("install-production")
    assert f"RUN {install}".replace("pip install", "pip install --no-cache-dir") in dockerfile
    assert re.search(r"^USER wishwall$", dockerfile, re.M)
    assert 'VOLUME ["/data"]' in dockerfile and "fonts-noto-cjk" in dockerfile
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", dockerfile, re.M)
    assert dockerfile.rstrip().endswith('CMD [".venv/bin/wishwall", "run"]')
