"""``python -m benchmarks.report``: the ratios and the README table from a real short run."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from benchmarks.report import BEGIN, END, ratios, table, write_readme
from cathnet.cli import main as cathnet_main


@pytest.fixture(scope="module")
def doc() -> dict:
    out = io.StringIO()
    assert (
        cathnet_main(
            [
                "bench",
                "--json",
                "--queries",
                "3",
                "--stages",
                "invoke,inference,predict",
                "--threads",
                "1",
                "--backends",
                "litert",
                "--variants",
                "tflite_int8,tflite_fp32",
                "--no-peak",
            ],
            out=out,
        )
        == 0
    )
    run = json.loads(out.getvalue())
    run["ratios"] = ratios(run["results"])
    return run


def test_ratios_are_taken_from_the_one_thread_litert_results(doc: dict) -> None:
    by = {(r["name"], r["variant"]): r for r in doc["results"]}
    q = doc["ratios"]
    assert q["int8_speedup_over_fp32_1t"] == round(
        by["inference", "tflite_fp32"]["p50_ms"] / by["inference", "tflite_int8"]["p50_ms"], 3
    )
    assert q["predict_p50_over_int8_invoke_p50_1t"] == round(
        by["predict", "tflite_int8"]["p50_ms"] / by["invoke", "tflite_int8"]["p50_ms"], 3
    )
    assert q["end_to_end_photo_p90_ms_1t"] is None  # not in this run


def test_the_table_names_the_machine_and_has_a_row_per_result(doc: dict, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{BEGIN}\nold table\n{END}\n\n## After\n")
    write_readme(readme, table(doc, "x86-dev"))
    text = readme.read_text()
    assert text.startswith("# Title\n\n" + BEGIN) and text.endswith(END + "\n\n## After\n")
    assert "old table" not in text and "Measured on **x86-dev**" in text and doc["machine"]["cpu"] in text
    assert sum(line.startswith("| `") for line in text.splitlines()) == len(doc["results"])
