"""The robustness suite's results table: every case adds one row, the conftest prints them at the end.

A plain module-level list rather than a fixture, because ``pytest_terminal_summary`` runs after
every fixture has been torn down.
"""

from __future__ import annotations

from dataclasses import dataclass

ROWS: list[Row] = []


@dataclass(frozen=True)
class Row:
    """One line of the table: what was expected, what was seen, how long and how much memory it took."""

    group: str
    case: str
    expected: str
    observed: str
    seconds: float
    peak_bytes: int | None = None  # None when the case does not measure memory (input checks)

    @property
    def passed(self) -> bool:
        return self.expected == self.observed


def record(row: Row) -> Row:
    ROWS.append(row)
    return row


_HEADERS = ("group", "case", "expected (finding or message)", "observed", "time", "peak memory")


def _cells(row: Row) -> tuple[str, ...]:
    peak = "-" if row.peak_bytes is None else f"{row.peak_bytes / 1024:,.0f} KiB"
    mark = "" if row.passed else "  <-- MISMATCH"
    return (row.group, row.case, row.expected, row.observed + mark, f"{row.seconds:.2f} s", peak)


def format_table(rows: list[Row]) -> list[str]:
    """The rows as aligned text lines, header first."""
    cells = [_HEADERS, *(_cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(_HEADERS))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines
