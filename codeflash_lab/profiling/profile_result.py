"""Results of a yappi WALL profile: one row per function/coroutine, as text, HTML or a DataFrame.

The rows say where wall time went during the profiled pass, never how fast the code
is (:data:`OWN_PASS_NOTE`); :mod:`.readings` says how to read each one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codeflash_lab.profiling._render import html_table, text_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OWN_PASS_NOTE", "ProfileResult", "ProfileRow"]

OWN_PASS_NOTE = (
    "profiled in its own pass (yappi WALL clock, about 9x overhead): use it to see where "
    "time goes, never as a timing; benchmarks run without the profiler"
)


@dataclass(frozen=True)
class ProfileRow:
    """One function or coroutine in the profile.

    Attributes:
        name: qualified name (``Class.method`` or ``function``).
        path: source file.
        line: first line of the definition.
        ncall: calls (a coroutine counts once per call, not per resumption).
        ttot_s: total wall time including callees and awaits.
        tsub_s: own wall time excluding callees.
        reading: see :func:`reading_for`.
    """

    name: str
    path: str
    line: int
    ncall: int
    ttot_s: float
    tsub_s: float
    reading: str = ""

    @property
    def where(self) -> str:
        """``path:line``."""
        return f"{self.path}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            "path": self.path,
            "line": self.line,
            "where": self.where,
            "ncall": self.ncall,
            "ttot_s": self.ttot_s,
            "tsub_s": self.tsub_s,
            "reading": self.reading,
        }


@dataclass(frozen=True)
class ProfileResult:
    """A WALL-clock profile: rows sorted by total time, and what happened while taking it.

    Attributes:
        rows: the functions/coroutines, highest ``ttot`` first.
        wall_s: wall time of the profiled run.
        target: what was profiled.
        calls: how many times the target was awaited.
        error: the exception that ended the target early (the partial profile is kept).
        note: the own-pass warning (:data:`OWN_PASS_NOTE`).
        hidden_rows: rows left out (library code, or beyond ``top``).
    """

    rows: tuple[ProfileRow, ...]
    wall_s: float
    target: str = ""
    calls: int = 0
    error: str | None = None
    note: str = OWN_PASS_NOTE
    hidden_rows: int = 0
    notes: tuple[str, ...] = field(default=())

    def row(self, name: str) -> ProfileRow:
        """The first row whose name is ``name`` or ends with ``.name``.

        Raises:
            KeyError: no such row.
        """
        for r in self.rows:
            if r.name == name or r.name.endswith("." + name):
                return r
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (saved as a ``profile`` run)."""
        return {
            "target": self.target,
            "clock": "wall",
            "wall_s": self.wall_s,
            "calls": self.calls,
            "error": self.error,
            "note": self.note,
            "notes": list(self.notes),
            "hidden_rows": self.hidden_rows,
            "rows": [r.to_dict() for r in self.rows],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per function: name, where, ncall, ttot_s, tsub_s, reading."""
        import pandas as pd

        cols = ["name", "where", "ncall", "ttot_s", "tsub_s", "reading"]
        return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in self.rows], columns=cols)

    def _table(self) -> tuple[list[str], list[list[Any]]]:
        headers = ["name", "file:line", "ncall", "ttot_s", "tsub_s", "reading"]
        rows = [[r.name, r.where, r.ncall, r.ttot_s, r.tsub_s, r.reading] for r in self.rows]
        return headers, rows

    def _headline(self) -> str:
        head = f"yappi WALL profile of {self.target or 'block'}: {self.wall_s:.3f} s"
        if self.calls:
            head += f", {self.calls} call(s)"
        if self.error:
            head += f"; stopped early: {self.error} (partial profile)"
        return head

    def __str__(self) -> str:
        headers, rows = self._table()
        parts = [self._headline(), f"note: {self.note}"]
        parts.extend(f"note: {n}" for n in self.notes)
        parts.append(text_table(headers, rows) if rows else "(no rows from the profiled code)")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        headers, rows = self._table()
        return html_table(headers, rows, caption=self._headline(), notes=(self.note, *self.notes))
