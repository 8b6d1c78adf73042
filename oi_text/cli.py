"""The ``oi-text`` command line: one library call per command; the only place that prints and exits.

Heavy libraries (torch, transformers, sklearn) are imported inside the commands that need them,
so ``oi-text --help`` stays fast.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import OiTextError, RowErrors

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(exc: BaseException, code: int = 2) -> None:
    click.secho(f"error: {exc}", fg="red", err=True)
    sys.exit(code)


class _Group(click.Group):
    """Turns oi_text's own errors into a one-paragraph message and exit code (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RowErrors as exc:
            _fail(exc, 1)
        except OiTextError as exc:
            _fail(exc, 2)
        except KeyboardInterrupt:
            click.secho("interrupted", fg="yellow", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="oi-text")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """oi_text: which research-and-innovation ecosystem does a text belong to, and how sure are we?

    \b
    Typical route:
      oi-text ingest export.xlsx --text-col Omschrijving --id-col Nr --out records.parquet
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s")


# ---------------------------------------------------------------------------------------------
# ingest


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("input", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Records file to write (.parquet, .csv or .jsonl).")
@click.option("--text-col", "text_cols", multiple=True, metavar="COL",
              help="Text column; repeat to join several (title + summary) in order.")
@click.option("--id-col", metavar="COL", help="Id column (default: <file name>:<row>).")
@click.option("--title-col", metavar="COL", help="Title column.")
@click.option("--kind", type=click.Choice(["project", "publication", "wbso", "startup", "other"]),
              help="Kind of every record in the file.")
@click.option("--kind-col", metavar="COL", help="Column holding each record's kind.")
@click.option("--year-col", metavar="COL", help="Column holding a year or a date.")
@click.option("--org-col", metavar="COL", help="Column of organisation names.")
@click.option("--org-sep", metavar="CHARS", help="Characters separating organisation names [;|].")
@click.option("--passthrough", metavar="all|none|COL,COL",
              help="Input columns copied to the records [all].")
@click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML column mapping (options given on the command line win).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "parquet", "jsonl"]),
              help="Input format [from the suffix].")
@click.option("--encoding", help="CSV encoding [sniffed: utf-8, utf-8-sig, utf-16, cp1252].")
@click.option("--delimiter", help="CSV delimiter [sniffed among , ; tab |].")
@click.option("--sheet", help="XLSX sheet name or 0-based index [first sheet].")
@click.option("--header-row", type=int, help="1-based row of the header [detected].")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV listing every flagged row (row, id, column, issue, action).")
@click.option("--on-error", type=click.Choice(["fail", "skip"]),
              help="Rows with errors: fail, or skip and report. Default: fail on duplicate or "
                   "missing ids; skip empty texts and broken rows; repair undecodable bytes.")
@click.option("--dedupe", type=click.Choice(["exact", "near", "none"]), default="exact",
              show_default=True, help="Drop exact duplicate texts, also near duplicates, or none.")
@click.option("--near-threshold", type=click.FloatRange(0.5, 1.0), default=0.8, show_default=True,
              help="Similarity (Jaccard of word 3-grams) for near duplicates; 1 switches them off.")
@click.option("--chunk-size", type=click.IntRange(1), default=5000, show_default=True,
              help="Rows per written batch (bounds memory).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def ingest(input: Path, out: Path, text_cols: tuple[str, ...], id_col: str | None,
           title_col: str | None, kind: str | None, kind_col: str | None, year_col: str | None,
           org_col: str | None, org_sep: str | None, passthrough: str | None,
           mapping_file: Path | None, fmt: str | None, encoding: str | None,
           delimiter: str | None, sheet: str | None, header_row: int | None,
           report: Path | None, on_error: str | None, dedupe: str, near_threshold: float,
           chunk_size: int, progress: bool) -> None:
    """Read an export (CSV, XLSX, Parquet, JSONL) into clean, deduplicated, language-tagged records.

    Prints what was read, kept and dropped, with row numbers for every problem.

    \b
    Examples:
      oi-text ingest startups.csv --text-col description --id-col name --kind startup \\
          --out records.parquet --report report.csv
      oi-text ingest projects.xlsx --mapping projects.yaml --out records.parquet
    """
    from .ingest import ColumnMapping, ReadOptions, load_mapping
    from .ingest import ingest as run_ingest

    if mapping_file is not None:
        mapping, options = load_mapping(mapping_file)
    else:
        mapping, options = ColumnMapping(), ReadOptions()
    if text_cols:
        mapping.text = tuple(text_cols)
    for attr, value in (("id", id_col), ("title", title_col), ("year", year_col),
                        ("organisations", org_col)):
        if value:
            setattr(mapping, attr, value)
    if kind:
        mapping.kind, mapping.kind_column = kind, None
    if kind_col:
        mapping.kind_column, mapping.kind = kind_col, None
    if org_sep:
        mapping.organisations_sep = org_sep
    if passthrough:
        mapping.passthrough = passthrough if passthrough in ("all", "none") else tuple(
            c.strip() for c in passthrough.split(",") if c.strip())
    for attr, value in (("format", fmt), ("encoding", encoding), ("delimiter", delimiter),
                        ("sheet", sheet), ("header_row", header_row)):
        if value is not None:
            setattr(options, attr, value)
    summary = run_ingest(
        input, mapping, out=out, report=report, read_options=options,
        on_error=on_error, dedupe=dedupe, near_threshold=near_threshold,  # type: ignore[arg-type]
        chunk_size=chunk_size, progress=progress and sys.stderr.isatty(),
    )
    click.echo(summary.format())


if __name__ == "__main__":  # pragma: no cover
    main()
