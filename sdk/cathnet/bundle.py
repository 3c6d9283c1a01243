"""Model bundles: a folder with ``model.json`` (the card) and its artifacts.

Every artifact's size and sha256 are checked against the card before anything is
loaded, so a damaged or swapped model is refused rather than run.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from cathnet.errors import ModelIntegrityError, ModelNotFoundError
from cathnet.preprocess import InputSpec

CARD_NAME = "model.json"
DEFAULT_BUNDLE = "cathnet-stenosis"
BUNDLE_FORMAT = "cathnet-bundle/1"


def default_bundle_path() -> Path:
    """The bundle shipped inside the ``cathnet`` package."""
    return Path(str(resources.files("cathnet") / "models" / DEFAULT_BUNDLE))


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, or of a directory (its files' relative paths and bytes, sorted)."""
    h = hashlib.sha256()
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                f = Path(root) / name
                h.update(str(f.relative_to(path)).encode())
                h.update(f.read_bytes())
        return h.hexdigest()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def size_of(path: Path) -> int:
    """Bytes of a file, or of all files under a directory."""
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size


@dataclass(frozen=True)
class Artifact:
    """One verified file of a bundle."""

    name: str
    path: Path
    kind: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class ModelBundle:
    """A loaded, verified model bundle.

    Attributes:
        path: the bundle folder.
        card: the parsed ``model.json``.
        input_spec: preprocessing contract from the card.
        artifacts: name → verified artifact.
    """

    path: Path
    card: dict[str, Any]
    input_spec: InputSpec
    artifacts: dict[str, Artifact]

    @property
    def id(self) -> str:
        return str(self.card["id"])

    @property
    def version(self) -> str:
        return str(self.card["version"])

    @property
    def threshold(self) -> float:
        return float(self.card["postprocess"]["threshold"])

    def identity(self, artifact: str) -> dict[str, str]:
        """``{"id", "version", "sha256"}`` of the artifact that ran."""
        return {"id": self.id, "version": self.version, "sha256": self.artifacts[artifact].sha256}

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> ModelBundle:
        """Reads a bundle folder and verifies every artifact against the card.

        Args:
            path: bundle folder (or its ``model.json``); None for the shipped default.

        Raises:
            ModelNotFoundError: no such folder or no card in it (``model.not_found``).
            ModelIntegrityError: unreadable or invalid card (``model.card_invalid``), an
                artifact missing (``model.artifact_missing``) or not matching its size or
                sha256 (``model.integrity``).
        """
        folder = Path(path) if path is not None else default_bundle_path()
        if folder.is_file() and folder.name == CARD_NAME:
            folder = folder.parent
        card_path = folder / CARD_NAME
        if not card_path.is_file():
            raise ModelNotFoundError(
                "model.not_found", f"expected a model bundle folder with {CARD_NAME}, got {folder}"
            )
        try:
            card = json.loads(card_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelIntegrityError(
                "model.card_invalid", f"expected a JSON model card at {card_path}, got {exc}"
            ) from None
        required = ("id", "version", "input", "outputs", "postprocess", "artifacts")
        missing = [k for k in required if k not in card] if isinstance(card, dict) else list(required)
        if missing:
            raise ModelIntegrityError("model.card_invalid", f"expected card fields {missing} in {card_path}, got none")
        spec = InputSpec.from_card(card["input"])
        artifacts = {name: _verify(folder, name, entry) for name, entry in card["artifacts"].items()}
        return cls(folder, card, spec, artifacts)


def _verify(folder: Path, name: str, entry: Any) -> Artifact:
    if not isinstance(entry, dict) or not {"file", "sha256", "bytes", "kind"} <= entry.keys():
        raise ModelIntegrityError(
            "model.card_invalid",
            f"expected artifact {name!r} to have file, kind, bytes and sha256, got {entry!r}",
        )
    path = (folder / entry["file"]).resolve()
    if folder.resolve() not in path.parents:
        raise ModelIntegrityError(
            "model.card_invalid", f"expected artifact {name!r} inside the bundle, got {entry['file']}"
        )
    if not path.exists():
        raise ModelIntegrityError("model.artifact_missing", f"expected artifact {name!r} at {path}, got no file")
    got_bytes = size_of(path)
    if got_bytes != int(entry["bytes"]):
        raise ModelIntegrityError(
            "model.integrity",
            f"expected {name!r} to be {entry['bytes']} bytes, got {got_bytes}: the file is damaged",
        )
    digest = sha256_of(path)
    if digest != entry["sha256"]:
        raise ModelIntegrityError(
            "model.integrity",
            f"expected {name!r} sha256 {entry['sha256'][:16]}…, got {digest[:16]}…: the file was modified or swapped",
        )
    return Artifact(name, path, str(entry["kind"]), digest, got_bytes)
