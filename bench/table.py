"""``python -m bench.table FILE``: the README's results table from a ``python -m bench --json`` file.

Prints a line saying when, with which command and on what machine the figures were measured,
then the Markdown table with the README's columns (scenario, figure, measured, target, met?).
The file's shape is described in bench/cli.py. Its optional ``display`` list gives each value's
decimals and how many runs it combines; without it (a file written by other tools) a value
shows as a whole number, or with two decimals when it has a fraction.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.core import MET, Figure, markdown


def rows(data: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(scenario, figure, measured, target, met?) for each figure in the file."""
    figures = data["figures"]
    display = data.get("display") or [{} for _ in figures]
    if len(display) != len(figures):
        raise ValueError(f"'display' has {len(display)} entries for {len(figures)} figures")
    out = []
    for fig, shown in zip(figures, display, strict=True):
        value = fig["value"]
        decimals = shown.get("decimals")
        if decimals is None:
            decimals = 0 if value is None or float(value).is_integer() else 2
        # Figure does the formatting, so the table reads as the one the run printed.
        measured = Figure(
            fig["scenario"],
            fig["figure"],
            value,
            unit=fig["unit"],
            decimals=decimals,
            runs=shown.get("runs", 1),
            aggregate=shown.get("aggregate", "median"),
            note=shown.get("note"),
        ).measured
        target = fig["target"] if fig["target"] is not None else "reported"
        out.append((fig["scenario"], fig["figure"], measured, target, MET[fig["met"]]))
    return out


def provenance(data: dict[str, Any]) -> str:
    """Which command made the figures, on what machine, and when."""
    machine = data.get("machine") or {}
    description = machine.get("description") if isinstance(machine, dict) else str(machine)
    parts = [f"Measured {str(data.get('finished_at') or 'at an unknown time')[:10]}"]
    parts.append(f"with `{data.get('command') or 'an unknown command'}`")
    parts.append(f"on {description or 'an unknown machine'}")
    text = " ".join(parts)
    details = []
    if data.get("elapsed_minutes") is not None:
        details.append(f"{data['elapsed_minutes']:.1f} min")
    if data.get("round_trip_ms") is not None:
        details.append(f"Bot API round trip {data['round_trip_ms']} ms")
    return text + (f" ({'; '.join(details)})." if details else ".")


def render(data: dict[str, Any]) -> str:
    """The provenance line, a blank line, and the table."""
    return f"{provenance(data)}\n\n{markdown(rows(data))}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.table", description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path, help="a file written by python -m bench --json FILE")
    args = parser.parse_args(argv)
    data = json.loads(args.file.read_text(encoding="utf-8"))
    print(render(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
