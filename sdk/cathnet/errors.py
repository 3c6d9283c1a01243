"""One error hierarchy; every error carries a stable ``code`` that scripts can match.

Codes are ``area.reason`` strings (``image.truncated``, ``model.integrity``). They are
part of the public contract: add new ones freely, never rename one.
"""

from __future__ import annotations


class CathNetError(Exception):
    """Base of every error the SDK raises on purpose.

    Attributes:
        code: stable machine-readable reason, e.g. ``"image.too_small"``.
        message: what was expected and what was got.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, str]:
        """``{"code", "message"}`` as the CLI's JSON records carry it."""
        return {"code": self.code, "message": self.message}


class InvalidImageError(CathNetError, ValueError):
    """The input is not an image the SDK can analyse (empty, corrupt, too small, …)."""


class ModelError(CathNetError):
    """The model bundle cannot be used."""


class ModelNotFoundError(ModelError, FileNotFoundError):
    """The bundle folder or its card does not exist."""


class ModelIntegrityError(ModelError):
    """An artifact does not match its card (sha256, size, shape) or the card is invalid."""


class BackendUnavailableError(CathNetError, RuntimeError):
    """The requested runtime cannot run here; the message says why."""


class CaptureError(CathNetError):
    """A photo of a monitor could not be turned into an angiogram."""
