"""Server-rendered SVG charts for the programme dashboard: no script, nothing from a CDN.

Every label goes through markupsafe.escape; each mark carries data- attributes so the browser
tests can read what was drawn.
"""

from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ("#1b6e53", "#c7792b", "#3b5ba5", "#a33b5b", "#6b6b6b", "#7d8f2a")


def _fmt(x: float | None) -> str:
    if x is None:
        return "–"
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.1f}M"
    return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 100 else f"{x:,.1f}"


def progress(kpis: list[dict], width: int = 720, title: str = "KPIs against targets",
             first_report: str = "first report") -> Markup:
    """One bar per KPI: actual against target, with a tick at the figure first reported (texts in the page's language)."""
    row, left, right = 40, 300, 120
    inner = width - left - right
    height = row * len(kpis) + 10
    parts = [f'<svg class="chart" data-chart="kpis" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    for i, k in enumerate(kpis):
        y = 6 + i * row
        target = k["target"] or 0
        actual = k["actual"]
        share = min(1.0, (actual or 0) / target) if target else 0.0
        parts.append(f'<text x="0" y="{y + 15}" font-size="13">{escape(k["label"])}</text>')
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{inner}" height="16" fill="#e6e6e6"/>')
        parts.append(f'<rect class="bar" data-kpi="{escape(k["id"])}" data-actual="{escape(actual if actual is not None else "")}" '
                     f'data-target="{escape(target)}" x="{left}" y="{y + 3}" width="{inner * share:.1f}" height="16" '
                     f'fill="{PALETTE[0] if k["origin"] == "counted" else PALETTE[1]}"/>')
        if k.get("reported") is not None and target:
            x = left + inner * min(1.0, k["reported"] / target)
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 22}" stroke="#222" stroke-width="2">'
                         f'<title>{escape(first_report)}: {escape(_fmt(k["reported"]))}</title></line>')
        parts.append(f'<text x="{left + inner + 6}" y="{y + 16}" font-size="12">{escape(_fmt(actual))} / {escape(_fmt(target))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(rows: list[dict], value: str, label: str = "key", name: str = "", width: int = 420, title: str = "") -> Markup:
    """Horizontal bars of `value` per row."""
    row, left = 24, 170
    inner = width - left - 50
    top = max([r[value] for r in rows] + [1])
    height = row * len(rows) + 6
    parts = [f'<svg class="chart" data-chart="{escape(name)}" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title or name)}" xmlns="http://www.w3.org/2000/svg">']
    for i, r in enumerate(rows):
        y = 3 + i * row
        w = inner * r[value] / top
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(str(r[label]).replace("_", " "))}</text>')
        parts.append(f'<rect class="bar" data-key="{escape(r["key"])}" data-value="{escape(r[value])}" x="{left}" y="{y + 2}" '
                     f'width="{w:.1f}" height="15" fill="{PALETTE[2]}"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 14}" font-size="12">{escape(_fmt(r[value]))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def lines(series: list[dict], keys: list[tuple[str, str]], name: str = "quarters", width: int = 720, height: int = 260,
          title: str = "quarterly series") -> Markup:
    """One line per key over the quarters, with a y axis from zero and the quarter labels."""
    left, bottom, top_pad, right = 50, 40, 12, 150
    inner_w, inner_h = width - left - right, height - bottom - top_pad
    top = max([q[k] or 0 for q in series for k, _ in keys] + [1])
    n = max(1, len(series) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + inner_w * i / n, top_pad + inner_h * (1 - (v or 0) / top)

    parts = [f'<svg class="chart" data-chart="{escape(name)}" data-quarters="{len(series)}" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">']
    for frac in (0, 0.5, 1):
        y = top_pad + inner_h * (1 - frac)
        parts.append(f'<line x1="{left}" x2="{left + inner_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{escape(_fmt(top * frac))}</text>')
    step = max(1, -(-len(series) * 64 // inner_w))  # about 64 px per label
    for i, q in enumerate(series):
        if i % step == 0 or i == len(series) - 1:
            x, _ = xy(i, 0)
            parts.append(f'<text x="{x:.1f}" y="{height - 18}" font-size="11" text-anchor="middle">{escape(q["quarter"])}</text>')
    for j, (key, label) in enumerate(keys):
        colour = PALETTE[j % len(PALETTE)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, q[key]) for i, q in enumerate(series)))
        parts.append(f'<polyline class="line" data-key="{escape(key)}" data-last="{escape(series[-1][key] if series else "")}" '
                     f'points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<rect x="{left + inner_w + 12}" y="{top_pad + j * 18}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + inner_w + 26}" y="{top_pad + j * 18 + 9}" font-size="11">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
