"""Coverage-guided fuzzing of the file decoder with atheris (libFuzzer for Python).

    python -m tests.fuzz.atheris_decode CORPUS_DIR [libFuzzer flags, e.g. -runs=100000]
    python -m tests.fuzz.atheris_decode CRASH_FILE   # replays one input

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
    from cathnet.image_input import decode_bytes

from tests.fuzz.oracles import check_decoded, check_refusal


def one_input(data: bytes) -> None:
    try:
        image = decode_bytes(data, "atheris")
    except InvalidImageError as exc:
        check_refusal(exc, areas=("image",))
        return
    check_decoded(data, image)


def seed_corpus(corpus: Path) -> None:
    """Writes the seed files into an empty ``corpus``."""
    from tests.fuzz.mutate import seeds  # imported here: hypothesis is not needed to fuzz

    if corpus.is_file():  # a crash file given to replay it: nothing to seed
        return
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
