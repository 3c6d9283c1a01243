"""The release's promises: one version, the licence, the front page, the generated model card."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import cathnet

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
CARD = REPO / "sdk" / "cathnet" / "models" / "cathnet-stenosis" / "model.json"


def test_one_version_from_the_package_metadata() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert cathnet.__version__ == version("cathnet") == declared
    done = subprocess.run(
        [sys.executable, "-m", "cathnet", "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == f"cathnet {declared}"


def test_licence_is_apache_and_notice_names_the_training_data() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"
    assert "Apache License" in (REPO / "LICENSE").read_text()[:200]
    notice = (REPO / "NOTICE").read_text()
    for name in ("ARCADE", "CC0 1.0", "Popov", "fercer/Coronary", "BSD-3-Clause", "Research use only"):
        assert name in notice
    card = json.loads(CARD.read_text())
    assert card["licence"].startswith("Apache-2.0")
    assert {s["licence"] for s in card["data_sources"]} >= {"CC0 1.0", "BSD-3-Clause"}


def test_readme_is_a_front_page_with_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    assert "Research use only — not for clinical diagnosis" in readme
    assert ".venv/bin/cathnet analyze sdk/cathnet/samples" in readme
    assert "bash scripts/test.sh" in readme
    for page in ("docs/index.md", "docs/sdk.md", "docs/cli.md", "docs/model-card.md"):
        assert f"({page})" in readme
        assert (REPO / page).is_file()


def test_model_card_page_is_rendered_from_the_shipped_card() -> None:
    spec = importlib.util.spec_from_file_location("model_card_hook", REPO / "docs" / "hooks" / "model_card.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    card = json.loads(CARD.read_text())
    page = hook.on_page_markdown((REPO / "docs" / "model-card.md").read_text(), None, None, None)
    assert hook.MARKER not in page
    assert f"{card['id']} {card['version']}" in page
    for name, metric in card["metrics"].items():
        assert f"`{name}`" in page and metric["test_set"] in page
    for artifact in card["artifacts"].values():
        assert artifact["sha256"][:16] in page
    assert hook.on_page_markdown("no marker", None, None, None) == "no marker"
