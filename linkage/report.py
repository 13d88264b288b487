"""A run report as one self-contained HTML file (inline SVG, no script, no network).

    html = render_html(match_report(result, info))  # pprl match --report run.html
    html = render_html(results_report(scores, probability, threshold, reason))  # a run's results

What it shows: the threshold and why it was chosen, the score histogram split by the solver's
decision (log scale) with the threshold and the review band marked, the precision, recall and
F1 the score model expects as the threshold moves, the review band, blocking figures and
timings. Record tokens appear only in the review table, and only the caller's own (a report
made from a run's results holds this department's tokens, never the counterpart's).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np

from linkage.auto_threshold import estimated_quality
from linkage.options import REVIEW_BAND

HIST_BIN = 0.01
REVIEW_ROWS = 50  # uncertain pairs listed in the report (all of them are in --review)
_WIDTH, _HEIGHT, _PAD = 760, 300, 48
_LINKED, _OTHER, _THRESHOLD, _BAND = "#2f6db5", "#c9cfd8", "#c0392b", "#f3d36b"


def _edges(floor: float) -> np.ndarray:
    start = np.floor(floor / HIST_BIN) * HIST_BIN
    return np.round(np.arange(start, 1.0 + HIST_BIN / 2, HIST_BIN), 6)


def _histogram(scores: np.ndarray, edges: np.ndarray) -> list[int]:
    index = np.clip(np.searchsorted(edges, scores, side="right") - 1, 0, len(edges) - 2)
    return np.bincount(index, minlength=len(edges) - 1).astype(int).tolist()


def _band_scores(thresholds: np.ndarray, probability: np.ndarray | None) -> list[float] | None:
    """The score range whose model probability lies inside the review band."""
    if probability is None:
        return None
    inside = (probability >= REVIEW_BAND[0]) & (probability <= REVIEW_BAND[1])
    if not inside.any():
        return None
    return [float(thresholds[inside].min()), float(thresholds[inside].max())]


def _curve(scores: np.ndarray, probability: np.ndarray | None, floor: float, recall: bool):
    if probability is None or len(scores) == 0:
        return None
    grid = np.round(np.arange(np.floor(floor * 200) / 200, 1.0 + 1e-9, 0.005), 6)
    q = estimated_quality(scores, probability, grid)
    return {
        "thresholds": grid.tolist(),
        "precision": np.round(q.precision, 6).tolist(),
        "recall": np.round(q.recall, 6).tolist() if recall else None,
        "f1": np.round(q.f1, 6).tolist() if recall else None,
    }


def _review_rows(table) -> list[list]:
    rows = []
    names = table.column_names
    for record in table.slice(0, REVIEW_ROWS).to_pylist():
        rows.append([record[n] for n in names])
    return rows


def match_report(result, info: dict) -> dict:
    """The report's content for a `linkage.match` result and the command's summary `info`."""
    choice = result.choice
    floor = float(choice.floor if choice.floor is not None else result.threshold)
    edges = _edges(min(floor, result.threshold))
    scores = result.floor_scores if result.floor_scores is not None else result.candidates.score
    linked = _histogram(result.pairs.score, edges)
    collected = _histogram(scores, edges)
    other = [max(c - x, 0) for c, x in zip(collected, linked, strict=True)]
    decided = result.floor_pairs
    model = choice.model
    curve = None
    band = None
    if model is not None and decided is not None:
        curve = _curve(decided.score, model.probability(decided.score), floor, recall=True)
        grid = np.asarray(curve["thresholds"])
        band = _band_scores(grid, model.probability(grid))
    review = result.review_table()
    return {
        "title": f"Linkage run: {info.get('a', 'A')} x {info.get('b', 'B')}",
        "threshold": result.threshold,
        "method": choice.method.value,
        "reason": choice.reason,
        "stated": choice.stated,
        "histogram": {"edges": edges.tolist(), "linked": linked, "other": other},
        "histogram_note": "every scored pair: linked by the solver, or not (below the "
        "threshold, or not chosen by it)",
        "curve": curve,
        "band_scores": band,
        "review": {
            "band": list(REVIEW_BAND),
            "pairs": review.num_rows,
            "linked": int(np.sum(review.column("linked").to_numpy(zero_copy_only=False))),
            "columns": review.column_names,
            "rows": _review_rows(review),
        },
        "facts": [
            ("records A", f"{result.n_a:,}"),
            ("records B", f"{result.n_b:,}"),
            ("solver", result.solver.value),
            ("pairs linked", f"{len(result.pairs):,}"),
        ],
        "blocking": [
            ("method", result.blocking.value),
            ("comparisons", f"{result.comparisons:,}"),
            ("reduction ratio", f"{info.get('reduction_ratio', 0.0):.6f}"),
            ("scored pairs (>= floor)", f"{len(scores):,}"),
            ("candidates (>= threshold)", f"{len(result.candidates):,}"),
        ],
        "timings": [(k, f"{v:.3f} s") for k, v in info.get("timings_s", {}).items()],
        "model": None if model is None else model.to_dict(),
        "notes": [],
    }


def results_report(
    scores: np.ndarray,
    probability: np.ndarray | None,
    threshold: float | None,
    reason: str,
    *,
    title: str,
    review_columns: Sequence[str],
    review_rows: Sequence[Sequence],
    facts: Sequence[tuple[str, str]] = (),
) -> dict:
    """The report's content from a run's results: only the linked pairs are known there."""
    scores = np.asarray(scores, dtype=np.float64)
    low = float(scores.min()) if len(scores) else (threshold or 0.5)
    floor = min(low, threshold) if threshold is not None else low
    edges = _edges(floor)
    curve = None
    band = None
    has_p = probability is not None and len(scores) and not np.isnan(probability).all()
    if has_p:
        curve = _curve(scores, probability, floor, recall=False)
        grid = np.asarray(curve["thresholds"])
        order = np.argsort(scores)
        band_p = np.interp(grid, scores[order], probability[order])
        band = _band_scores(grid, band_p)
    return {
        "title": title,
        "threshold": threshold,
        "method": None,
        "reason": reason,
        "stated": None,
        "histogram": {
            "edges": edges.tolist(),
            "linked": _histogram(scores, edges),
            "other": [0] * (len(edges) - 1),
        },
        "histogram_note": "linked pairs only: a run's results do not carry the pairs the solver "
        "left out",
        "curve": curve,
        "band_scores": band,
        "review": {
            "band": list(REVIEW_BAND),
            "pairs": len(review_rows),
            "linked": len(review_rows),
            "columns": list(review_columns),
            "rows": [list(r) for r in review_rows[:REVIEW_ROWS]],
        },
        "facts": list(facts),
        "blocking": None,
        "timings": None,
        "model": None,
        "notes": [
            "Made from the run's results: blocking figures, timings, the pairs left out and "
            "therefore the expected recall are known only at the matcher (its summary.json).",
        ],
    }


# ---- rendering ---------------------------------------------------------------------------


def _x(value: float, lo: float, hi: float) -> float:
    return _PAD + (value - lo) / (hi - lo) * (_WIDTH - 2 * _PAD)


def _axis(lo: float, hi: float, label: str, y_label: str, y_ticks) -> list[str]:
    base = _HEIGHT - _PAD
    parts = [
        f'<line x1="{_PAD}" y1="{base}" x2="{_WIDTH - _PAD}" y2="{base}" stroke="#333"/>',
        f'<line x1="{_PAD}" y1="{_PAD / 2}" x2="{_PAD}" y2="{base}" stroke="#333"/>',
        f'<text x="{_WIDTH / 2}" y="{_HEIGHT - 8}" text-anchor="middle">{label}</text>',
        f'<text x="12" y="{_HEIGHT / 2}" transform="rotate(-90 12 {_HEIGHT / 2})" '
        f'text-anchor="middle">{y_label}</text>',
    ]
    step = 0.1 if hi - lo > 0.3 else 0.05
    tick = np.ceil(lo / step) * step
    while tick <= hi + 1e-9:
        x = _x(tick, lo, hi)
        parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 5}" stroke="#333"/>')
        parts.append(f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle">{tick:.2f}</text>')
        tick += step
    for value, text in y_ticks:
        y = base - value * (base - _PAD / 2)
        parts.append(f'<line x1="{_PAD - 5}" y1="{y:.1f}" x2="{_PAD}" y2="{y:.1f}" stroke="#333"/>')
        parts.append(f'<text x="{_PAD - 8}" y="{y + 4:.1f}" text-anchor="end">{text}</text>')
    return parts


def _marks(data: dict, lo: float, hi: float) -> list[str]:
    parts = []
    top, base = _PAD / 2, _HEIGHT - _PAD
    band = data.get("band_scores")
    if band:
        x0, x1 = _x(band[0], lo, hi), _x(min(band[1] + 0.005, hi), lo, hi)
        parts.append(
            f'<rect class="review-band" x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{base - top}" fill="{_BAND}" opacity="0.35"/>'
        )
    if data.get("threshold") is not None:
        x = _x(data["threshold"], lo, hi)
        parts.append(
            f'<line class="threshold" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{base}" '
            f'stroke="{_THRESHOLD}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{x + 4:.1f}" y="{top + 12}" fill="{_THRESHOLD}">'
            f"t = {data['threshold']:g}</text>"
        )
    return parts


def _histogram_svg(data: dict) -> str:
    h = data["histogram"]
    edges = h["edges"]
    lo, hi = edges[0], edges[-1]
    totals = [a + b for a, b in zip(h["linked"], h["other"], strict=True)]
    top = max(np.log10(max(totals) + 1), 1.0) if totals else 1.0
    base = _HEIGHT - _PAD
    scale = base - _PAD / 2
    parts = [f'<svg id="histogram" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img">']
    parts += _marks(data, lo, hi)
    for i, (linked, other) in enumerate(zip(h["linked"], h["other"], strict=True)):
        x0, x1 = _x(edges[i], lo, hi), _x(edges[i + 1], lo, hi)
        total = linked + other
        if total == 0:
            continue
        height = np.log10(total + 1) / top * scale
        linked_h = height * linked / total
        w = max(x1 - x0 - 1, 1)
        if other:
            parts.append(
                f'<rect class="bar-other" x="{x0:.1f}" y="{base - height:.1f}" width="{w:.1f}" '
                f'height="{height - linked_h:.1f}" fill="{_OTHER}"><title>{edges[i]:.2f}: '
                f"{other:,} not linked</title></rect>"
            )
        if linked:
            parts.append(
                f'<rect class="bar-linked" x="{x0:.1f}" y="{base - linked_h:.1f}" '
                f'width="{w:.1f}" height="{linked_h:.1f}" fill="{_LINKED}"><title>'
                f"{edges[i]:.2f}: {linked:,} linked</title></rect>"
            )
    ticks = [(np.log10(v + 1) / top, f"{v:,}") for v in (1, 10, 100, 1000, 10**4, 10**5, 10**6)]
    parts += _axis(lo, hi, "Dice score", "pairs (log scale)", [t for t in ticks if t[0] <= 1])
    parts.append("</svg>")
    return "".join(parts)


def _curve_svg(data: dict) -> str:
    c = data["curve"]
    t = c["thresholds"]
    lo, hi = t[0], t[-1]
    base = _HEIGHT - _PAD
    scale = base - _PAD / 2
    parts = [f'<svg id="curves" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img">']
    parts += _marks(data, lo, hi)
    lines = (("precision", "#2f6db5"), ("recall", "#27ae60"), ("f1", "#8e44ad"))
    legend_y = _PAD / 2 + 14
    for name, colour in lines:
        values = c.get(name)
        if values is None:
            continue
        points = " ".join(
            f"{_x(x, lo, hi):.1f},{base - v * scale:.1f}" for x, v in zip(t, values, strict=True)
        )
        parts.append(
            f'<polyline class="curve-{name}" points="{points}" fill="none" stroke="{colour}" '
            'stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{_WIDTH - _PAD - 110}" y="{legend_y}" fill="{colour}">'
            f"{'F1' if name == 'f1' else name} (expected)</text>"
        )
        legend_y += 16
    ticks = [(v, f"{v:.1f}") for v in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)]
    parts += _axis(lo, hi, "threshold", "expected by the score model", ticks)
    parts.append("</svg>")
    return "".join(parts)


def _table(rows: Sequence[tuple[str, str]], cls: str) -> str:
    body = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows
    )
    return f'<table class="{cls}">{body}</table>'


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return html.escape("" if value is None else str(value))


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:820px;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:2px 10px;text-align:left;
border-bottom:1px solid #eee;font-size:.9em}svg{width:100%;height:auto;font-size:11px}
.chosen{font-size:1.2em;padding:.6em;background:#f6f8fb;border-left:4px solid #c0392b}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}
.note{color:#666;font-size:.85em}td.token{font-family:monospace;font-size:.8em}
"""


def render_html(data: dict) -> str:
    """The report page: one file, no external resources."""
    esc = html.escape
    t = data.get("threshold")
    chosen = "threshold unknown" if t is None else f"threshold {t:g}"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(data['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(data['title'])}</h1>",
        f'<p class="chosen" id="threshold">{esc(chosen)}'
        + (f" ({esc(data['method'])})" if data.get("method") else "")
        + f'<br><span id="reason">{esc(data.get("reason") or "")}</span></p>',
    ]
    if data.get("facts"):
        parts.append(_table(data["facts"], "facts"))
    parts.append("<h2>Scores by the solver's decision</h2>")
    parts.append(
        f'<p class="legend"><span style="background:{_LINKED}"></span>linked'
        f'<span style="background:{_OTHER}"></span>not linked'
        f'<span style="background:{_THRESHOLD}"></span>threshold'
        f'<span style="background:{_BAND}"></span>review band (probability '
        f"{data['review']['band'][0]:g}-{data['review']['band'][1]:g})</p>"
    )
    parts.append(_histogram_svg(data))
    parts.append(f'<p class="note">{esc(data.get("histogram_note", ""))}</p>')
    parts.append("<h2>Expected quality as the threshold moves</h2>")
    if data.get("curve"):
        parts.append(_curve_svg(data))
        parts.append(
            '<p class="note">From the score model, without the truth: expected true pairs '
            "above t are the sum of their match probabilities.</p>"
        )
    else:
        parts.append('<p id="no-model">No score model was fitted for this run.</p>')
    review = data["review"]
    parts.append(f'<h2 id="review">Review band: {review["pairs"]:,} uncertain pairs</h2>')
    parts.append(
        f"<p>Pairs with match probability {review['band'][0]:g}-{review['band'][1]:g}; "
        f"{review['linked']:,} of them linked."
        + (f" The first {REVIEW_ROWS} are listed." if review["pairs"] > REVIEW_ROWS else "")
        + "</p>"
    )
    if review["rows"]:
        head = "".join(f"<th>{esc(c)}</th>" for c in review["columns"])
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="token">{_cell(v)}</td>' if "token" in c else f"<td>{_cell(v)}</td>"
                for c, v in zip(review["columns"], row, strict=True)
            )
            + "</tr>"
            for row in review["rows"]
        )
        parts.append(f'<table class="review"><tr>{head}</tr>{body}</table>')
    if data.get("blocking"):
        parts.append("<h2>Blocking</h2>" + _table(data["blocking"], "blocking"))
    if data.get("timings"):
        parts.append("<h2>Timings</h2>" + _table(data["timings"], "timings"))
    if data.get("model"):
        rows = [(k, v) for k, v in data["model"].items()]
        parts.append("<h2>Score model</h2>" + _table(rows, "model"))
    for note in data.get("notes", []):
        parts.append(f'<p class="note">{esc(note)}</p>')
    parts.append("</body></html>")
    return "\n".join(parts)
