"""Charts of benchmark runs: the concurrency sweep with its knee, the A/B latency distribution.

Inputs are the plain dicts saved under ``.codeflash/runs/`` (a result's
``to_dict()``) or the result objects themselves; findings may also be a
DataFrame. Missing data gives a figure that says so, never an exception.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from codeflash_lab.viz._parse import as_dict, number, pick
from codeflash_lab.viz.style import (
    STATUS_COLORS,
    chart_style,
    message_figure,
    new_figure,
    safe_text,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_latency_cdf", "plot_sweep"]


def _percentile(point: Mapping[str, Any], name: str) -> float:
    lat = point.get("latency_ms")
    if isinstance(lat, Mapping) and name in lat:
        return number(lat[name])
    return pick(point, f"{name}_ms", f"latency_{name}_ms", name)


def _sweep_points(doc: Mapping[str, Any]) -> list[dict[str, float]]:
    raw: Any = None
    for key in ("points", "levels", "results", "rows"):
        if isinstance(doc.get(key), list):
            raw = doc[key]
            break
    points = []
    for p in raw or []:
        if not isinstance(p, Mapping):
            continue
        c = pick(p, "concurrency", "level")
        if math.isnan(c):
            continue
        points.append(
            {
                "concurrency": c,
                "throughput": pick(p, "throughput_ops_s", "throughput"),
                "p50": _percentile(p, "p50"),
                "p99": _percentile(p, "p99"),
            }
        )
    return sorted(points, key=lambda p: p["concurrency"])


def _knee(doc: Mapping[str, Any]) -> float:
    knee = doc.get("knee", doc.get("knee_concurrency"))
    if isinstance(knee, Mapping):
        return pick(knee, "concurrency", "level")
    return number(knee)


def plot_sweep(sweeps: Any, *, labels: Sequence[str] | None = None) -> Figure:
    """Throughput and latency against concurrency, with the knee marked.

    Args:
        sweeps: one sweep (``SweepResult`` or its dict: ``levels`` of
            ``{concurrency, throughput_ops_s, p50_ms, p99_ms}`` and ``knee``),
            or a list of them to overlay (for example before and after a change).
        labels: one legend label per sweep (default: each sweep's ``label`` or ``target``).
    """
    docs = [as_dict(s) for s in (sweeps if isinstance(sweeps, list | tuple) else [sweeps])]
    title = "Concurrency sweep"
    series = [(d, _sweep_points(d)) for d in docs]
    series = [(d, pts) for d, pts in series if pts]
    if not series:
        return message_figure(title, "No sweep points to chart: run codeflash-lab sweep first.")
    colors = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759"]
    with chart_style():
        fig, (ax_t, ax_l) = new_figure(10.0, 3.8, ncols=2)
        for i, (doc, pts) in enumerate(series):
            color = colors[i % len(colors)]
            name = (
                labels[i]
                if labels and i < len(labels)
                else str(doc.get("label") or doc.get("target") or f"sweep {i + 1}")
            )
            name = safe_text(name, 40)
            c = [p["concurrency"] for p in pts]
            ax_t.plot(c, [p["throughput"] for p in pts], marker="o", color=color, label=name)
            ax_l.plot(c, [p["p50"] for p in pts], marker="o", color=color, label=f"{name} p50")
            if any(not math.isnan(p["p99"]) for p in pts):
                ax_l.plot(
                    c,
                    [p["p99"] for p in pts],
                    marker="^",
                    linestyle="--",
                    color=color,
                    alpha=0.8,
                    label=f"{name} p99",
                )
            knee = _knee(doc)
            if not math.isnan(knee):
                for ax in (ax_t, ax_l):
                    ax.axvline(knee, color=color, linestyle=":", linewidth=1.5)
                ax_t.annotate(
                    f"knee ≈ {knee:g}",
                    (knee, 0.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(4, 6 + 14 * i),
                    textcoords="offset points",
                    fontsize=9,
                    color=color,
                    fontweight="bold",
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"},
                )
        for ax in (ax_t, ax_l):
            ax.set_xscale("log", base=2)
            ax.set_xlabel("concurrency (operations in flight)")
            ax.xaxis.set_major_formatter("{x:g}")
        ax_t.set_ylabel("throughput (ops/s)")
        ax_t.set_title(f"{title}: throughput")
        ax_l.set_ylabel("latency (ms)")
        ax_l.set_title("… and latency")
        ax_t.legend(loc="upper left")
        ax_l.legend(loc="upper left")
    return fig


_QUANTILES: tuple[tuple[str, float], ...] = (
    ("p50", 0.5),
    ("p90", 0.9),
    ("p99", 0.99),
    ("p999", 0.999),
)


def _nines(q: float) -> float:
    """The log-percentile position of quantile ``q``: 90% → 1, 99% → 2, 99.9% → 3."""
    return -math.log10(1.0 - q)


def _summary_curve(lat: Mapping[str, Any]) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for name, q in _QUANTILES:
        v = number(lat.get(name))
        if not math.isnan(v):
            xs.append(_nines(q))
            ys.append(v)
    return xs, ys


def _sample_curve(samples: Sequence[float]) -> tuple[list[float], list[float]]:
    import numpy as np

    values = np.asarray([v for v in (number(s) for s in samples) if not math.isnan(v)])
    if values.size == 0:
        return [], []
    top = max(1.0, math.log10(values.size))
    xs = np.linspace(_nines(0.5), top, 200)
    qs = 1.0 - np.power(10.0, -xs)
    return list(xs), list(np.quantile(values, qs))


def plot_latency_cdf(
    compare: Any = None,
    *,
    a: Sequence[float] | None = None,
    b: Sequence[float] | None = None,
    labels: tuple[str, str] = ("A", "B"),
) -> Figure:
    """Latency distribution of an A/B on a log-percentile axis (p50 … p99.9 spread evenly).

    Args:
        compare: a ``CompareResult`` or its dict; each arm's ``latency_ms`` percentiles
            are drawn bold and each of its ``runs`` thin.
        a: raw latencies (ms) for A, used instead of ``compare``.
        b: raw latencies (ms) for B.
        labels: legend labels when raw latencies are given.
    """
    title = "Latency distribution"
    curves: list[tuple[str, str, list[tuple[list[float], list[float]]]]] = []
    verdict = ""
    if compare is not None:
        doc = as_dict(compare)
        verdict = str(doc.get("verdict") or "")
        for arm, color in (("a", "#7f7f7f"), ("b", "#4e79a7")):
            raw = doc.get(arm)
            side: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
            lines = []
            for run in side.get("runs") or []:
                if isinstance(run, Mapping) and isinstance(run.get("latency_ms"), Mapping):
                    lines.append(_summary_curve(run["latency_ms"]))
            main = _summary_curve(side.get("latency_ms") or {})
            name = safe_text(side.get("label") or arm.upper(), 30)
            curves.append((name, color, [main, *lines]))
    else:
        for samples, name, color in ((a, labels[0], "#7f7f7f"), (b, labels[1], "#4e79a7")):
            if samples is not None:
                curves.append((safe_text(name, 30), color, [_sample_curve(samples)]))
    curves = [c for c in curves if c[2] and c[2][0][0]]
    if not curves:
        return message_figure(
            title, "No latency percentiles to chart: run codeflash-lab compare first."
        )
    with chart_style():
        fig, ax = new_figure(9.0, 3.8)
        top = 0.0
        for name, color, (main, *runs) in curves:
            for xs, ys in runs:
                ax.plot(xs, ys, color=color, alpha=0.25, linewidth=1)
            ax.plot(
                main[0],
                main[1],
                color=color,
                linewidth=2.4,
                marker="o" if len(main[0]) < 10 else None,
                label=name,
            )
            top = max(top, *main[0])
        ticks = [t for t in (_nines(0.5), 1.0, 2.0, 3.0, 4.0, 5.0) if t <= top + 1e-9]
        ax.set_xticks(ticks, ["50%", "90%", "99%", "99.9%", "99.99%", "99.999%"][: len(ticks)])
        ax.set_xlabel("percentile (log scale: each step is one more nine)")
        ax.set_ylabel("latency (ms)")
        lows = [y for _, _, (main, *_r) in curves for y in main[1] if y > 0]
        if lows and max(lows) / min(lows) > 20:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter("{x:g}")
        title_text = f"{title}  ·  A vs B" + (f"  ·  verdict {verdict}" if verdict else "")
        ax.set_title(title_text, color=STATUS_COLORS.get(verdict, "#222222"))
        ax.legend(loc="upper left")
    return fig
