"""Writers of a theme run: ``themes.parquet`` (via :mod:`.io`), ``themes.md`` and a
self-contained ``themes.html`` (pictures inline, no external script, style or font), plus the
pictures as PNG files, and the terminal summary."""

from __future__ import annotations

import base64
import html
from dataclasses import asdict
from pathlib import Path

from .against import TaxonomyView
from .io import write_themes
from .model import ThemeResult
from .plots import kinds_png, legend_html, map_html_fragment, map_png, terms_png, years_png
from .quality import VERDICT_THRESHOLDS


def _fmt(v: float, digits: int = 3) -> str:
    return "n/a" if v != v else f"{v:.{digits}f}"


def _snippet(text: str, width: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + " …"


def summary_lines(result: ThemeResult, view: TaxonomyView | None = None, top: int = 15) -> list[str]:
    """What the CLI prints: boilerplate, themes with top terms and sizes, candidates, verdict."""
    q = result.quality
    lines = []
    if result.boilerplate is not None:
        lines += result.boilerplate.summary(top=8).splitlines()
    lines.append(f"{len(result.themes)} themes ({result.settings.method}) in {q.documents:,} documents; "
                 f"outliers {q.outlier_share:.1%}")
    for th in result.themes[:top]:
        terms = ", ".join(th.term_words[:8])
        lines.append(f"  {th.id:>3} {th.size:>7,}  {th.label[:40]:<40}  {terms[:90]}")
    if len(result.themes) > top:
        lines.append(f"  ... and {len(result.themes) - top} more (themes.md lists all)")
    for name, value in q.table():
        lines.append(f"  {name}: {value}")
    if view is not None:
        if view.candidates:
            lines.append(f"candidate ecosystems (themes no ecosystem covers): {len(view.candidates)}")
            for t in view.candidates[:10]:
                th = result.themes[t]
                lines.append(f"  theme {t} ({th.size:,} docs): {', '.join(th.term_words[:8])}")
        else:
            lines.append("candidate ecosystems: none (every theme is covered by an ecosystem)")
        if view.not_visible:
            lines.append("not visible bottom-up in this data: "
                         + ", ".join(f"{e} ({n} docs)" for e, n, _ in view.not_visible[:15])
                         + (" ..." if len(view.not_visible) > 15 else ""))
    lines.append(q.verdict_line())
    return lines


def _markdown(result: ThemeResult, view: TaxonomyView | None, source: str, pictures: dict[str, str]) -> str:
    q = result.quality
    s = result.settings
    out = [f"# Themes in {source}", "",
           f"**{q.verdict_line()}**", "",
           f"{len(result.themes)} themes found by {s.method} in {q.documents:,} documents; "
           f"{q.outlier_share:.1%} outliers.", ""]
    out += ["## Quality", "", "| figure | value |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in q.table()]
    t = VERDICT_THRESHOLDS
    out += ["", f"Verdict rules: *not supported by this data* with fewer than {t['min_themes']} themes, seed "
            f"ARI below {t['unsupported_ari_below']} or more than {t['unsupported_outliers_above']:.0%} outliers; "
            f"*distinct* with ARI >= {t['distinct_ari_min']}, best-match Jaccard >= {t['distinct_jaccard_min']}, "
            f"mean NPMI >= {t['distinct_npmi_min']} and at most {t['distinct_outliers_max']:.0%} outliers; "
            "*weak* otherwise.", ""]
    if result.boilerplate is not None:
        bp = result.boilerplate
        out += ["## Boilerplate removed", "",
                f"Sentences and {bp.ngram}-word runs found in at least {bp.threshold_} documents "
                f"({bp.min_doc_share:.0%} of {bp.fitted_docs_:,}, at least {bp.min_docs}) were cut before modelling.", ""]
        if bp.report_:
            groups = bp.grouped()
            out += ["| documents | kind | text | shorter parts of it also cut |", "|---|---|---|---|"]
            out += [f"| {i.documents:,} | {i.kind} | {i.text[:150]} | {parts or ''} |" for i, parts in groups[:40]]
            if len(groups) > 40:
                out.append(f"| … | | {len(groups) - 40} more | |")
        else:
            out.append("None found.")
        out.append("")
    if result.lda_sweep:
        out += ["## LDA: k chosen by coherence", "", "| k | c_npmi | c_v |", "|---|---|---|"]
        out += [f"| {r['k']} | {_fmt(r['c_npmi'])} | {_fmt(r.get('c_v', float('nan')))} |" for r in result.lda_sweep]
        out.append("")
    out += ["## Themes", "", "| theme | size | label | top terms | NPMI | stability (Jaccard) | kinds | years |",
            "|---|---|---|---|---|---|---|---|"]
    for th in result.themes:
        kinds = ", ".join(f"{k} {n}" for k, n in th.kinds.items())
        years = f"{min(th.years)}–{max(th.years)}" if th.years else ""
        out.append(f"| {th.id} | {th.size:,} | {th.label} | {', '.join(th.term_words)} | {_fmt(th.npmi)} | "
                   f"{_fmt(th.stability, 2)} | {kinds} | {years} |")
    out.append("")
    for th in result.themes:
        out.append(f"**Theme {th.id}: {th.label}**: representative documents")
        for i in th.examples:
            title = f"{result.titles[i]}: " if result.titles[i] else ""
            out.append(f"- `{result.ids[i]}` {title}{_snippet(result.texts[i])}")
        out.append("")
    if view is not None:
        out += ["## Themes held against the taxonomy", "",
                "| theme | size | ecosystems of its documents (share) | in no ecosystem |", "|---|---|---|---|"]
        for p in view.per_theme:
            ecos = ", ".join(f"{e} {share:.0%}" for e, _, share in p.ecosystems) or "–"
            out.append(f"| {p.theme}: {result.themes[p.theme].label} | {p.size:,} | {ecos} | {p.none_share:.0%} |")
        out += ["", "### Candidate ecosystems", "",
                "Themes whose documents no ecosystem covers (no ecosystem holds 30% of them):", ""]
        if not view.candidates:
            out.append("None: every theme is covered by an ecosystem.")
        for t in view.candidates:
            th = result.themes[t]
            out.append(f"- **theme {t}** ({th.size:,} documents): {', '.join(th.term_words)}")
            for i in th.examples:
                out.append(f"  - `{result.ids[i]}` {_snippet(result.texts[i], 120)}")
        out += ["", "### Not visible bottom-up in this data", "",
                "Ecosystems with at least 5 classified documents that make up no theme (under 20% of every "
                "theme, and no theme holds half of their documents):", ""]
        if not view.not_visible:
            out.append("None.")
        for e, n, share in view.not_visible:
            out.append(f"- {view.name(e)}: {n:,} documents, at most {share:.0%} of them in one theme")
        if view.absent:
            out += ["", f"{len(view.absent)} ecosystems have no classified document here: {', '.join(view.absent)}."]
        out.append("")
    if pictures:
        out += ["## Pictures", ""] + [f"![{name}]({file})" for name, file in pictures.items()] + [""]
    out += ["## Settings", "", "```", *(f"{k}: {v}" for k, v in asdict(result.settings).items()), "```", ""]
    return "\n".join(out)


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img src="data:image/png;base64,{data}" style="max-width:100%">'


def _html(result: ThemeResult, markdown_body: str, pictures: dict[str, Path], source: str) -> str:
    q = result.quality
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in q.table())
    themes = "".join(
        f"<tr><td>{th.id}</td><td>{th.size:,}</td><td>{html.escape(th.label)}</td>"
        f"<td>{html.escape(', '.join(th.term_words))}</td><td>{_fmt(th.npmi)}</td><td>{_fmt(th.stability, 2)}</td></tr>"
        for th in result.themes)
    pics = "".join(f"<h2>{html.escape(name)}</h2>{_img(p)}" for name, p in pictures.items() if name != "map")
    colour = {"distinct": "#1a7f37", "weak": "#9a6700"}.get(q.verdict, "#cf222e")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Themes in {html.escape(source)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:24px;max-width:1100px;color:#222}}
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}}
.verdict{{font-size:18px;font-weight:600;color:{colour}}} pre{{white-space:pre-wrap;font-size:12px;background:#f6f8fa;padding:8px}}</style>
</head><body>
<h1>Themes in {html.escape(source)}</h1>
<p class="verdict">{html.escape(q.verdict_line())}</p>
<h2>Map</h2><p>Hover a point for its title and theme; click a theme below to show it alone (click again for all).</p>
{map_html_fragment(result)}
{legend_html(result)}
<h2>Quality</h2><table>{rows}</table>
<h2>Themes</h2><table><tr><th>theme</th><th>size</th><th>label</th><th>top terms</th><th>NPMI</th><th>stability</th></tr>{themes}</table>
{pics}
<h2>Full report</h2><pre>{html.escape(markdown_body)}</pre>
</body></html>
"""


def write_outputs(result: ThemeResult, out_dir: str | Path, *, view: TaxonomyView | None = None,
                  source: str = "the input") -> dict[str, Path]:
    """Write ``themes.parquet``, ``themes.md``, ``themes.html`` and the PNGs into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {"themes": write_themes(result, out / "themes.parquet")}
    pictures: dict[str, Path] = {}
    if result.themes:
        pictures["map"] = map_png(result, out / "themes_map.png")
        pictures["top terms per theme"] = terms_png(result, out / "themes_terms.png")
        pictures["theme x kind"] = kinds_png(result, out / "themes_kinds.png")
        years = years_png(result, out / "themes_years.png")
        if years is not None:
            pictures["themes over the years"] = years
    body = _markdown(result, view, source, {k: p.name for k, p in pictures.items()})
    md = out / "themes.md"
    md.write_text(body, encoding="utf-8")
    files["markdown"] = md
    page = out / "themes.html"
    page.write_text(_html(result, body, pictures, source) if result.themes else
                    f"<!doctype html><meta charset='utf-8'><pre>{html.escape(body)}</pre>", encoding="utf-8")
    files["html"] = page
    files.update({f"png:{k}": p for k, p in pictures.items()})
    return files
