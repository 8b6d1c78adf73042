"""The optional fine-tuned head: learns, calibrates on held-out texts, round-trips through safe
files, plugs into EcosystemModel and the CLI. Runs on CPU with a tiny random XLM-R built here."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.metrics import roc_auc_score

from oi_text.classify.finetune import FineTunedHead, FineTuneSettings
from oi_text.cli import main
from oi_text.datasets import SAMPLE_GOLD, SAMPLE_RECORDS
from oi_text.errors import ConfigError, ModelError

from ..embed.conftest import build_tiny_xlmr

QUANTUM = ["supergeleidende qubits", "een kwantumcomputer", "quantum sensing with NV centres",
           "verstrengelde fotonen", "ion trap qubits", "quantum key distribution"]
WATER = ["afvalwaterzuivering", "membraanfiltratie van drinkwater", "desalination of seawater",
         "rioolwater hergebruik", "nitrate removal from groundwater", "waterbeheer in de delta"]
FILLER = ["Het project ontwikkelt", "We build", "Dit consortium test", "A start-up that scales",
          "De pilot onderzoekt", "Our team develops"]


def corpus(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Short NL/EN project texts about quantum (label 1 for column 0) or water (column 1)."""
    rng = np.random.default_rng(seed)
    texts, Y = [], []
    for i in range(n):
        topic = i % 2
        words = (QUANTUM if topic == 0 else WATER)
        texts.append(f"{rng.choice(FILLER)} {rng.choice(words)} en {rng.choice(words)} voor de regio.")
        Y.append([1 - topic, topic])
    return texts, np.array(Y, dtype=np.int8)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    texts, _ = corpus(400, 0)
    return build_tiny_xlmr(tmp_path_factory.mktemp("ft") / "tiny", texts)


@pytest.fixture(scope="module")
def trained(tiny):
    texts, Y = corpus(160, 1)
    # a third ecosystem with two positives: too few to learn, so no output (nan)
    rare = np.zeros((len(texts), 1), dtype=np.int8)
    rare[:2] = 1
    Y = np.hstack([Y, rare])
    settings = FineTuneSettings(epochs=4, learning_rate=1e-3, head_learning_rate=1e-2, batch_size=16)
    head = FineTunedHead(tiny, ["quantum", "water-technology", "rare"], settings, device="cpu")
    return head.fit(texts, Y)


def test_head_learns_unseen_texts_and_calibrates_on_held_out_ones(trained):
    texts, Y = corpus(60, 99)  # texts it never saw
    P = trained.predict_proba(texts)
    assert P.shape == (60, 3) and P.dtype == np.float32
    for j in range(2):
        assert roc_auc_score(Y[:, j], P[:, j]) > 0.9
        # calibrated: the positives' mean probability is high, the negatives' low
        assert P[Y[:, j] == 1, j].mean() > 0.6 > 0.4 > P[Y[:, j] == 0, j].mean()
    assert np.isnan(P[:, 2]).all()
    s = trained.summary_
    assert s["calibrated_on"] == 32 and s["trained_on"] == 128
    assert s["fitted"] == ["quantum", "water-technology"]
    assert len(trained.calibration_rows_) == 32
    assert (trained.platt_[:2, 0] > 0).all()  # calibration never reverses the ranking


def test_calibration_needs_a_few_held_out_labels_of_each_class(tiny):
    texts, Y = corpus(80, 3)
    Y[:, 1] = 0
    Y[np.arange(0, 80, 10), 1] = 1  # 8 positives: enough to train, too few left to calibrate
    head = FineTunedHead(tiny, ["quantum", "water-technology"], FineTuneSettings(epochs=1), device="cpu")
    head.fit(texts, Y)
    held = Y[head.calibration_rows_]
    for j, eco in enumerate(head.ecosystems):
        enough = min(held[:, j].sum(), (1 - held[:, j]).sum()) >= 3
        assert (eco in head.summary_["calibrated"]) == bool(enough)
        if not enough:
            assert head.platt_[j].tolist() == [1.0, 0.0]  # the raw sigmoid
    assert head.summary_["calibrated"] == ["quantum"]


def test_a_half_precision_checkpoint_is_fine_tuned_in_fp32(tiny, tmp_path):
    import torch
    from transformers import AutoModel

    half = tmp_path / "half"
    shutil.copytree(tiny, half)
    AutoModel.from_pretrained(half, dtype=torch.float16).save_pretrained(half)
    texts, Y = corpus(40, 4)
    head = FineTunedHead(half, ["quantum", "water-technology"], FineTuneSettings(epochs=1), device="cpu").fit(texts, Y)
    assert {p.dtype for p in head._net.parameters()} == {torch.float32}


def test_a_damaged_head_is_refused_with_a_model_error(trained, tmp_path):
    trained.save(tmp_path / "h")
    (tmp_path / "h" / "head.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ModelError, match="not a readable fine-tuned head"):
        FineTunedHead.load(tmp_path / "h", device="cpu")
    (tmp_path / "h" / "head.json").write_text("{}")
    with pytest.raises(ModelError, match="not a readable fine-tuned head"):
        FineTunedHead.load(tmp_path / "h", device="cpu")


def test_head_round_trips_through_safe_files(trained, tmp_path):
    trained.save(tmp_path / "h")
    files = sorted(p.relative_to(tmp_path / "h").as_posix() for p in (tmp_path / "h").rglob("*") if p.is_file())
    assert "head.safetensors" in files and "encoder/model.safetensors" in files
    assert not [f for f in files if f.endswith((".bin", ".pkl", ".pt", ".pickle"))]
    again = FineTunedHead.load(tmp_path / "h", device="cpu")
    texts, _ = corpus(20, 5)
    np.testing.assert_array_equal(again.predict_proba(texts), trained.predict_proba(texts))
    assert json.loads((tmp_path / "h" / "head.json").read_text())["ecosystems"][:2] == ["quantum", "water-technology"]


def test_head_refuses_labels_that_do_not_suffice(tiny):
    texts, Y = corpus(40, 2)
    Y[:, :] = -1
    Y[:3, 0] = 1
    Y[3:6, 0] = 0
    with pytest.raises(ConfigError, match="needs more labels"):
        FineTunedHead(tiny, ["quantum", "water-technology"], FineTuneSettings(epochs=1), device="cpu").fit(texts, Y)
    with pytest.raises(ValueError, match="expected"):
        FineTunedHead(tiny, ["quantum"], device="cpu").fit(texts, Y)


def run(args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res.output


def test_cli_finetune_needs_hand_labels_then_trains_classifies_and_evaluates(tmp_path, tiny):
    base = tmp_path / "base"  # a copy, deleted after training: the model directory is complete
    shutil.copytree(tiny, base)
    common = ["--model", base, "--device", "cpu", "--ecosystems", "ai,quantum"]
    res = CliRunner().invoke(main, ["train", str(SAMPLE_RECORDS), "--out", str(tmp_path / "m0"), "--finetune",
                                    *map(str, common)])
    assert res.exit_code == 2 and "--finetune needs hand labels (--label-col or --gold" in res.output

    model = tmp_path / "m"
    run(["train", SAMPLE_RECORDS, "--out", model, "--gold", SAMPLE_GOLD, "--finetune", "--epochs", "1", *common])
    card = json.loads((model / "card.json").read_text())
    assert card["finetuned_head"]["settings"]["epochs"] == 1
    assert card["finetuned_head"]["summary"]["fitted"] == ["ai", "quantum"]
    assert (model / "head" / "encoder" / "model.safetensors").exists()
    assert "held out from fine-tuning" in card["threshold_choice_on"]

    shutil.rmtree(base)  # the head scores every ecosystem: no base encoder, no embeddings needed
    scores = tmp_path / "scores.parquet"
    run(["classify", SAMPLE_RECORDS, "--model", model, "--out", scores, "--device", "cpu"])
    import pyarrow.parquet as pq

    t = pq.read_table(scores).to_pandas()
    assert len(t) == 2 * 555 and t.classifier_score.notna().all()
    out = run(["evaluate", SAMPLE_RECORDS, "--model", model, "--gold", SAMPLE_GOLD, "--device", "cpu"])
    assert "dropped (pos)" in out


def test_model_with_head_scores_identically_after_save_and_load(tmp_path, tiny):
    from oi_text.datasets import load_sample
    from oi_text.embed import load_encoder
    from oi_text.keywords import load_taxonomy
    from oi_text.pipeline import EcosystemModel, train_model

    df = load_sample().head(200)
    tax = load_taxonomy()
    spec = tax.keyword_spec(["ai", "quantum"])
    enc = load_encoder(tiny, device="cpu", cache=False)
    X = enc.encode(df.text.tolist())
    head = FineTunedHead(tiny, ["ai", "quantum"], FineTuneSettings(epochs=1), device="cpu")
    model, _ = train_model(df.text.tolist(), X, spec, encoder_id=enc.model_id, taxonomy_hash=tax.hash(), head=head)
    assert not model.needs_embeddings
    a = model.score(df.text.tolist(), None)
    # the card's departures from the keywords are the head's, as the model scores
    dep = model.card["metrics"]["departures_from_keywords"]
    for j, eco in enumerate(model.ecosystems):
        kw, md = a.evidence.matched[:, j], a.predicted[:, j]
        assert dep[eco]["dropped"] == (kw & ~md).sum() and dep[eco]["added"] == (md & ~kw).sum()
    model.save(tmp_path / "m")
    again = EcosystemModel.load(tmp_path / "m", encoder_id=enc.model_id, device="cpu")
    b = again.score(df.text.tolist(), None)
    np.testing.assert_array_equal(a.score, b.score)
    np.testing.assert_array_equal(a.proba, again.head.predict_proba(df.text.tolist()))

    # with hand labels the head learns from them only: quantum has none, so it keeps the
    # logistic regression, and scoring then needs the embeddings
    gold = np.full((len(df), 2), -1, dtype=np.int8)
    gold[:, 0] = [int("ai" in labels) for labels in df.labels]
    head = FineTunedHead(tiny, ["ai", "quantum"], FineTuneSettings(epochs=1), device="cpu")
    model, _ = train_model(df.text.tolist(), X, spec, encoder_id=enc.model_id, taxonomy_hash=tax.hash(),
                           gold=gold, head=head)
    assert head.fitted_.tolist() == [True, False] and model.needs_embeddings
    with pytest.raises(ValueError, match="pass X"):
        model.score(df.text.tolist(), None)
    res = model.score(df.text.tolist(), X)
    assert not np.isnan(res.proba).any()


@pytest.mark.gpu
def test_head_trains_on_cuda_in_bf16(tiny):
    texts, Y = corpus(160, 1)
    settings = FineTuneSettings(epochs=4, learning_rate=1e-3, head_learning_rate=1e-2)
    head = FineTunedHead(tiny, ["quantum", "water-technology"], settings, device="cuda").fit(texts, Y)
    test, Yt = corpus(60, 99)
    P = head.predict_proba(test)
    assert roc_auc_score(Yt[:, 0], P[:, 0]) > 0.9
