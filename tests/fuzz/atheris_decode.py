"""Coverage-guided fuzzing of the file decoder with atheris (libFuzzer for Python).

    python -m tests.fuzz.atheris_decode CORPUS_DIR [libFuzzer flags, e.g. -runs=100000]

CORPUS_DIR is created and seeded with one small file of each accepted format and
layout when it is empty; libFuzzer adds the inputs that reach new code. The SDK's
header and structure checks are instrumented (Python coverage guides the mutations);
OpenCV's decoders run uninstrumented behind them. A crash is any exception other than
an ``InvalidImageError`` with a stable code and an "expected ..." message, or a
decoded image that disagrees with the header the size limit was checked against.
libFuzzer writes the input that crashed to ``-artifact_prefix`` and exits non-zero.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["cathnet"]):
    from cathnet import InvalidImageError
    from cathnet._header import read_header
    from cathnet.image_input import MAX_PIXELS, MIN_SIDE, decode_bytes

import numpy as np


def one_input(data: bytes) -> None:
    try:
        image = decode_bytes(data, "atheris")
    except InvalidImageError as exc:
        if not (exc.code.startswith("image.") and exc.message.startswith("expected")):
            raise AssertionError(f"an unclear refusal: {exc}") from None
        return
    if image.dtype not in (np.uint8, np.uint16) or not image.flags["C_CONTIGUOUS"]:
        raise AssertionError(f"decoded a {image.dtype} array")
    h, w = image.shape[:2]
    if min(h, w) < MIN_SIDE or h * w > MAX_PIXELS:
        raise AssertionError(f"decoded {w}x{h}, outside the limits")
    header = read_header(data)
    if (h, w) not in {(header.height, header.width), (header.width, header.height)}:
        raise AssertionError(f"decoded {w}x{h}, the header said {header.width}x{header.height}")


def seed_corpus(corpus: Path) -> None:
    """Writes the seed files into an empty ``corpus``."""
    from tests.fuzz.mutate import seeds  # imported here: hypothesis is not needed to fuzz

    corpus.mkdir(parents=True, exist_ok=True)
    if not any(corpus.iterdir()):
        for name, data in seeds().items():
            (corpus / name).write_bytes(data)


def main() -> None:
    corpus = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    if corpus is None:
        sys.exit("usage: python -m tests.fuzz.atheris_decode CORPUS_DIR [libFuzzer flags]")
    seed_corpus(Path(corpus))
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
