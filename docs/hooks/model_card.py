"""MkDocs hook: renders the shipped bundle's card into the model card page.

The page holds ``<!-- model-card -->``; the hook replaces it with tables read from
``sdk/cathnet/models/cathnet-stenosis/model.json`` at build time, so the published card
is always the shipped one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CARD = Path(__file__).resolve().parents[2] / "sdk" / "cathnet" / "models" / "cathnet-stenosis" / "model.json"
MARKER = "<!-- model-card -->"


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(rows: list[tuple[str, Any]], head: tuple[str, str] = ("field", "value")) -> str:
    lines = [f"| {head[0]} | {head[1]} |", "|---|---|"]
    lines += [f"| {_cell(k)} | {_cell(v)} |" for k, v in rows]
    return "\n".join(lines)


def render(card: dict[str, Any]) -> str:
    """The card as Markdown: identity, data, input, outputs, decoding, limits, metrics, artifacts."""
    parts = [
        f"**{card['id']} {card['version']}** (created {card['created']}). {card['disclaimer']}",
        "",
        _table([(k, card[k]) for k in ("task", "data_note", "licence") if k in card]),
        "",
        "## Data it learned from",
        "",
        "| source | citation | licence |",
        "|---|---|---|",
        *[
            f"| {_cell(s['name'])} | {_cell(s['citation'])} | {_cell(s['licence'])} |"
            for s in card.get("data_sources", [])
        ],
        "",
        "## Input",
        "",
        _table(list(card["input"].items())),
        "",
        "## Outputs",
        "",
        _table([(name, out) for name, out in card["outputs"].items()], ("output", "shape, meaning")),
        "",
        "## Decoding (postprocess)",
        "",
        _table([(k, v) for k, v in card["postprocess"].items() if k != "decoder_tuning"]),
        "",
        "## Limits",
        "",
        _table(list(card.get("limits", {}).items())),
        "",
        "## Metrics (each names its test set)",
        "",
    ]
    for name, metric in card.get("metrics", {}).items():
        test_set = metric.get("test_set", "")
        figures = {k: v for k, v in metric.items() if not isinstance(v, (dict, list)) and k != "test_set"}
        parts += [f"### `{name}`", "", f"Test set: {test_set}", "", _table(list(figures.items())), ""]
    parts += [
        "## Artifacts",
        "",
        "| variant | file | kind | bytes | sha256 |",
        "|---|---|---|---|---|",
        *[
            f"| {name} | {a.get('file', '')} | {a.get('kind', '')} | {a.get('bytes', '')} "
            f"| `{a.get('sha256', '')[:16]}…` |"
            for name, a in card.get("artifacts", {}).items()
        ],
        "",
    ]
    return "\n".join(parts)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, render(json.loads(CARD.read_text())))
