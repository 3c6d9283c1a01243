"""What a benchmark ran on: the machine and every runtime's version."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import cv2
import numpy as np

_DISTRIBUTIONS = ("ai-edge-litert", "tflite-runtime", "tensorflow-cpu", "tensorflow", "coremltools", "keras")


def cpu_model() -> str:
    """The CPU's marketing name where the OS tells it, else the architecture."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                return value.strip()
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """The machine: OS, architecture, CPU, cores (online and usable by this process), memory."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = None
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "os": f"{platform.system()} {platform.release()}",
        "arch": platform.machine(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gib": memory,
        "python": platform.python_version(),
        "executable": sys.executable,
    }


def runtimes() -> dict[str, str | None]:
    """Installed versions of numpy, OpenCV, the SDK and each inference runtime (None: absent).

    Looked up in the package metadata, so that nothing heavy (TensorFlow) is imported.
    """
    from cathnet import __version__

    out: dict[str, str | None] = {"cathnet": __version__, "numpy": np.__version__, "opencv": cv2.__version__}
    for dist in _DISTRIBUTIONS:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out
