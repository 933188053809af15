"""Charts of single measurements: concurrency sweep, A/B latency distribution, loop lag, findings.

Inputs are the plain dicts saved under ``.codeflash/runs/`` (a result's
``to_dict()``) or the result objects themselves; findings may also be a
DataFrame. Missing data gives a figure that says so, never an exception.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from codeflash_lab.categories import SLUGS, category
from codeflash_lab.viz.style import (
    IMPACT_COLORS,
    STATUS_COLORS,
    chart_style,
    message_figure,
    new_figure,
    safe_text,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_findings", "plot_lag", "plot_latency_cdf", "plot_sweep"]


def _as_dict(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if isinstance(obj, Mapping):
        return dict(obj)
    if hasattr(obj, "to_dict"):
        return dict(obj.to_dict())
    raise ValueError(f"expected a dict or a result with to_dict(), got {type(obj).__name__}")


def _num(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _pick(d: Mapping[str, Any], *keys: str) -> float:
    for key in keys:
        if key in d:
            return _num(d[key])
    return math.nan


def _percentile(point: Mapping[str, Any], name: str) -> float:
    lat = point.get("latency_ms")
    if isinstance(lat, Mapping) and name in lat:
        return _num(lat[name])
    return _pick(point, f"{name}_ms", f"latency_{name}_ms", name)


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
        c = _pick(p, "concurrency", "level")
        if math.isnan(c):
            continue
        points.append(
            {
                "concurrency": c,
                "throughput": _pick(p, "throughput_ops_s", "throughput"),
                "p50": _percentile(p, "p50"),
                "p99": _percentile(p, "p99"),
            }
        )
    return sorted(points, key=lambda p: p["concurrency"])


def _knee(doc: Mapping[str, Any]) -> float:
    knee = doc.get("knee", doc.get("knee_concurrency"))
    if isinstance(knee, Mapping):
        return _pick(knee, "concurrency", "level")
    return _num(knee)


def plot_sweep(sweeps: Any, *, labels: Sequence[str] | None = None) -> Figure:
    """Throughput and latency against concurrency, with the knee marked.

    Args:
        sweeps: one sweep (``SweepResult`` or its dict: ``levels`` of
            ``{concurrency, throughput_ops_s, p50_ms, p99_ms}`` and ``knee``),
            or a list of them to overlay (for example before and after a change).
        labels: one legend label per sweep (default: each sweep's ``label`` or ``target``).
    """
    docs = [_as_dict(s) for s in (sweeps if isinstance(sweeps, list | tuple) else [sweeps])]
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
        v = _num(lat.get(name))
        if not math.isnan(v):
            xs.append(_nines(q))
            ys.append(v)
    return xs, ys


def _sample_curve(samples: Sequence[float]) -> tuple[list[float], list[float]]:
    import numpy as np

    values = np.asarray([v for v in (_num(s) for s in samples) if not math.isnan(v)])
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
        doc = _as_dict(compare)
        verdict = str(doc.get("verdict") or "")
        for arm, color in (("a", "#7f7f7f"), ("b", "#4e79a7")):
            side = doc.get(arm) if isinstance(doc.get(arm), Mapping) else {}
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


def _pairs(items: Iterable[Any], *keys: tuple[str, str]) -> list[tuple[float, float]]:
    out = []
    for item in items or []:
        if isinstance(item, Mapping):
            for kt, kv in keys:
                if kt in item and kv in item:
                    out.append((_num(item[kt]), _num(item[kv])))
                    break
        elif isinstance(item, Sequence) and len(item) >= 2:
            out.append((_num(item[0]), _num(item[1])))
    return [(t, v) for t, v in out if not (math.isnan(t) or math.isnan(v))]


def plot_lag(lag: Any, *, max_points: int = 4000) -> Figure:
    """Event-loop lag over time, the stall threshold, and the stalls above it.

    Args:
        lag: a ``LagResult`` or its dict (``samples`` of ``(t_s, lag_ms)``,
            ``stall_list`` (or a ``stalls`` list), ``threshold_ms``,
            ``p50_ms``/``p99_ms``/``max_ms``).
        max_points: long timelines are reduced to this many points, keeping each
            bucket's maximum so no stall disappears.
    """
    import numpy as np

    doc = _as_dict(lag)
    title = "Event-loop lag"
    samples = _pairs(doc.get("samples") or [], ("t_s", "lag_ms"), ("t", "lag_ms"))
    if not samples:
        return message_figure(title, "No lag samples to chart: wrap the work in LagMonitor first.")
    t = np.array([s[0] for s in samples])
    v = np.array([s[1] for s in samples])
    if t.size > max_points:
        edges = np.linspace(0, t.size, max_points + 1).astype(int)
        idx = [lo + int(np.argmax(v[lo:hi])) for lo, hi in itertools.pairwise(edges) if hi > lo]
        t, v = t[idx], v[idx]
    threshold = _pick(doc, "threshold_ms")
    # LagResult.to_dict() keeps the stall records under "stall_list" ("stalls" is their count).
    listed = doc.get("stall_list")
    if not isinstance(listed, list):
        listed = doc.get("stalls") if isinstance(doc.get("stalls"), list) else []
    stalls = _pairs(listed, ("t_s", "lag_ms"), ("start_s", "lag_ms"), ("t_s", "duration_ms"))
    stats = [
        f"{k} {_pick(doc, f'{k}_ms'):.2f} ms"
        for k in ("p50", "p99", "max")
        if not math.isnan(_pick(doc, f"{k}_ms"))
    ]
    with chart_style():
        fig, ax = new_figure(9.5, 3.4)
        ax.plot(t, v, color="#4e79a7", linewidth=1)
        ax.fill_between(t, v, color="#4e79a7", alpha=0.15)
        if not math.isnan(threshold):
            ax.axhline(threshold, color=STATUS_COLORS["DISCARD"], linestyle="--", linewidth=1)
            ax.annotate(
                f"stall threshold {threshold:g} ms",
                (0, threshold),
                xycoords=("axes fraction", "data"),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=8,
                color=STATUS_COLORS["DISCARD"],
            )
        if stalls:
            ax.scatter(
                [s[0] for s in stalls],
                [s[1] for s in stalls],
                color=STATUS_COLORS["DISCARD"],
                s=28,
                zorder=3,
                label=f"{len(stalls)} stalls",
            )
            ax.legend(loc="upper right")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("lag (ms)")
        ax.set_title(title + ("  ·  " + " · ".join(stats) if stats else ""))
        ax.set_ylim(bottom=0)
    return fig


def _finding_rows(findings: Any) -> list[tuple[str, str]]:
    if findings is None:
        return []
    if hasattr(findings, "to_dict") and hasattr(findings, "columns"):
        records = findings.to_dict("records")
    elif hasattr(findings, "findings"):
        records = list(findings.findings)
    else:
        records = list(findings)
    out = []
    for f in records:
        d = f if isinstance(f, Mapping) else (f.to_dict() if hasattr(f, "to_dict") else vars(f))
        out.append((str(d.get("category") or "other"), str(d.get("impact") or "").upper()))
    return out


def plot_findings(findings: Any) -> Figure:
    """How many scanner (or review) findings fall in each category, coloured by impact.

    Args:
        findings: ``Finding`` objects or dicts, a ``ScanResult``, or a DataFrame
            with ``category`` and ``impact`` columns.
    """
    rows = _finding_rows(findings)
    title = "Findings by category"
    if not rows:
        return message_figure(title, "No findings: the scan found no async antipatterns.")
    counts: dict[str, int] = {}
    impact: dict[str, str] = {}
    for cat, imp in rows:
        counts[cat] = counts.get(cat, 0) + 1
        if cat in SLUGS:
            impact[cat] = category(cat).impact
        else:
            impact.setdefault(cat, imp or "LOW")
    order = sorted(
        counts, key=lambda c: ({"HIGH": 0, "MEDIUM": 1}.get(impact[c], 2), -counts[c], c)
    )
    with chart_style():
        fig, ax = new_figure(9.0, 1.0 + 0.4 * len(order))
        y = list(range(len(order)))[::-1]
        colors = [IMPACT_COLORS.get(impact[c], IMPACT_COLORS["LOW"]) for c in order]
        ax.barh(y, [counts[c] for c in order], color=colors, height=0.62)
        for yi, c in zip(y, order, strict=True):
            ax.annotate(
                str(counts[c]),
                (counts[c], yi),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
            )
        labels = [
            safe_text(f"{category(c).title} ({impact[c]})" if c in SLUGS else c, 48) for c in order
        ]
        ax.set_yticks(y, labels)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("findings")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(f"{title}  ·  {len(rows)} in total, highest impact first")
        ax.margins(x=0.08)
    return fig
