"""Pictures of a theme result: the 2-D map (PNG, and an interactive canvas with no CDN), top
terms per theme, theme x kind and theme x year heatmaps. Functions that take a fitted result."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from .._optional import require
from .model import ThemeResult

#: themes drawn in colour and in the charts (the rest: grey on the map, left out of the charts)
MAX_THEMES_DRAWN = 30


def _plt():  # type: ignore[no-untyped-def]
    mpl = require("matplotlib", "theme pictures")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def palette(k: int) -> list[str]:
    """``k`` distinguishable colours (tab20 + tab20b), as hex."""
    plt = _plt()
    from matplotlib.colors import to_hex

    base = [to_hex(c) for c in plt.get_cmap("tab20").colors] + [to_hex(c) for c in plt.get_cmap("tab20b").colors]
    base = [c for c in base if c not in ("#7f7f7f", "#c7c7c7")]  # grey is for outliers
    return [base[i % len(base)] for i in range(k)]


def map_png(result: ThemeResult, path: str | Path) -> Path:
    plt = _plt()
    xy, idx = result.map_xy, result.map_index
    assert xy is not None and idx is not None
    labels = result.labels[idx]
    colours = palette(max(1, len(result.themes)))
    fig, ax = plt.subplots(figsize=(9, 7), dpi=110)
    size = 6 if len(xy) < 3000 else 2
    out = labels < 0
    ax.scatter(xy[out, 0], xy[out, 1], s=size, c="#c8c8c8", linewidths=0, label="outliers")
    for t in range(len(result.themes)):
        m = labels == t
        if not m.any():
            continue
        c = colours[t] if t < MAX_THEMES_DRAWN else "#888888"
        ax.scatter(xy[m, 0], xy[m, 1], s=size, c=c, linewidths=0)
        if t < MAX_THEMES_DRAWN:
            cx, cy = np.median(xy[m, 0]), np.median(xy[m, 1])
            ax.text(cx, cy, f"{t}: {result.themes[t].label[:28]}", fontsize=7, ha="center", va="center",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": c, "alpha": 0.85})
    if len(xy) > 50:  # a few far points should not shrink the rest to a dot
        lo, hi = np.percentile(xy, 0.5, axis=0), np.percentile(xy, 99.5, axis=0)
        pad = 0.05 * (hi - lo)
        ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{len(result.themes)} themes ({result.settings.method}); grey: outliers; verdict: {result.verdict}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def terms_png(result: ThemeResult, path: str | Path, per_theme: int = 8) -> Path:
    plt = _plt()
    themes = result.themes[:MAX_THEMES_DRAWN]
    cols = 4
    rows = max(1, int(np.ceil(len(themes) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(13, 2.2 * rows), dpi=100, squeeze=False)
    colours = palette(max(1, len(themes)))
    for ax in axes.flat:
        ax.axis("off")
    for ax, th in zip(axes.flat, themes):
        ax.axis("on")
        terms = th.terms[:per_theme][::-1]
        ax.barh([t.replace("_", " ")[:24] for t, _ in terms], [w for _, w in terms], color=colours[th.id])
        ax.set_title(f"{th.id}: {th.label[:34]} ({th.size:,})", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xticks([])
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def _heatmap(matrix: np.ndarray, rows: list[str], cols: list[str], title: str, path: str | Path,
             fmt: str = "{:.0%}", annotate: bool = True) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(max(5, 0.7 * len(cols) + 3), max(2.5, 0.32 * len(rows) + 1.2)), dpi=100)
    ax.imshow(matrix, aspect="auto", cmap="Blues", vmin=0)
    ax.set_xticks(range(len(cols)), cols, rotation=45 if len(cols) > 6 else 0, ha="right" if len(cols) > 6 else "center",
                  fontsize=7)
    ax.set_yticks(range(len(rows)), rows, fontsize=7)
    if annotate and matrix.size <= 600:
        top = matrix.max() if matrix.size else 0
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                if matrix[i, j]:
                    ax.text(j, i, fmt.format(matrix[i, j]), ha="center", va="center", fontsize=6,
                            color="white" if matrix[i, j] > 0.6 * top else "black")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def kinds_png(result: ThemeResult, path: str | Path) -> Path:
    themes = result.themes[:MAX_THEMES_DRAWN]
    kinds = sorted({k for th in themes for k in th.kinds})
    M = np.array([[th.kinds.get(k, 0) / max(1, th.size) for k in kinds] for th in themes]).reshape(len(themes), len(kinds))
    return _heatmap(M, [f"{th.id}: {th.label[:30]}" for th in themes], kinds,
                    "share of each theme's documents by kind", path)


def years_png(result: ThemeResult, path: str | Path) -> Path | None:
    themes = result.themes[:MAX_THEMES_DRAWN]
    years = sorted({y for th in themes for y in th.years})
    if not years:
        return None
    M = np.array([[th.years.get(y, 0) for y in years] for th in themes], dtype=float).reshape(len(themes), len(years))
    return _heatmap(M, [f"{th.id}: {th.label[:30]}" for th in themes], [str(y) for y in years],
                    "documents per theme and year", path, fmt="{:.0f}")


_MAP_JS = """
(function(){
const d = JSON.parse(document.getElementById('map-data').textContent);
const cv = document.getElementById('map'), ctx = cv.getContext('2d'), tip = document.getElementById('tip');
const W = cv.width, H = cv.height, pad = 20;
let x0=Infinity,x1=-Infinity,y0=Infinity,y1=-Infinity;
for (const p of d.points){x0=Math.min(x0,p[0]);x1=Math.max(x1,p[0]);y0=Math.min(y0,p[1]);y1=Math.max(y1,p[1]);}
const sx = v => pad + (v-x0)/((x1-x0)||1)*(W-2*pad), sy = v => H-pad - (v-y0)/((y1-y0)||1)*(H-2*pad);
const pts = d.points.map(p => [sx(p[0]), sy(p[1]), p[2], p[3]]);
let only = null;
function draw(){
  ctx.clearRect(0,0,W,H);
  for (const p of pts){
    if (only !== null && p[2] !== only) continue;
    ctx.fillStyle = p[2] < 0 ? '#c8c8c8' : d.colours[p[2] % d.colours.length];
    ctx.fillRect(p[0]-1.5, p[1]-1.5, 3, 3);
  }
}
draw();
cv.addEventListener('mousemove', e => {
  const r = cv.getBoundingClientRect(), mx = (e.clientX-r.left)*W/r.width, my = (e.clientY-r.top)*H/r.height;
  let best=-1, bd=64;
  for (let i=0;i<pts.length;i++){ const p=pts[i]; if (only!==null && p[2]!==only) continue;
    const dd=(p[0]-mx)**2+(p[1]-my)**2; if (dd<bd){bd=dd;best=i;} }
  if (best<0){tip.style.display='none';return;}
  const p = pts[best];
  tip.textContent = (p[2] < 0 ? 'outlier' : ('theme ' + p[2] + ': ' + d.names[p[2]])) + ' \\u2014 ' + p[3];
  tip.style.display='block'; tip.style.left=(e.pageX+12)+'px'; tip.style.top=(e.pageY+12)+'px';
});
cv.addEventListener('mouseleave', () => tip.style.display='none');
document.addEventListener('click', e => {
  const el = e.target.closest('[data-theme]'); if (!el) return;
  const t = +el.dataset.theme; only = (only === t ? null : t); draw();
});
})();
"""


def map_html_fragment(result: ThemeResult, width: int = 900, height: int = 620) -> str:
    """A canvas map with hover (title and theme) and click-a-theme filtering; data inline, no
    external script or style."""
    xy, idx = result.map_xy, result.map_index
    assert xy is not None and idx is not None
    points = []
    for (x, y), i in zip(xy.tolist(), idx.tolist()):
        title = result.titles[i] or result.texts[i][:90]
        points.append([round(x, 3), round(y, 3), int(result.labels[i]), title[:120]])
    data = {"points": points, "colours": palette(max(1, len(result.themes))),
            "names": [t.label for t in result.themes]}
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return (f'<canvas id="map" width="{width}" height="{height}" style="border:1px solid #ddd;max-width:100%"></canvas>'
            '<div id="tip" style="position:absolute;display:none;background:#fff;border:1px solid #999;'
            'padding:4px 6px;font-size:12px;max-width:420px;pointer-events:none"></div>'
            f'<script type="application/json" id="map-data">{payload}</script>'
            f"<script>{_MAP_JS}</script>")


def legend_html(result: ThemeResult) -> str:
    colours = palette(max(1, len(result.themes)))
    items = [f'<span data-theme="{t.id}" style="cursor:pointer;margin-right:10px;white-space:nowrap">'
             f'<span style="display:inline-block;width:10px;height:10px;background:{colours[t.id]}"></span> '
             f"{t.id}: {html.escape(t.label)}</span>" for t in result.themes]
    return '<div style="font-size:12px;line-height:1.8">' + " ".join(items) + "</div>"
