"""The review store on SQLite and PostgreSQL: strata, decisions never lost or doubled, undo,
claims, concurrency, feedback."""

from __future__ import annotations

import threading
import uuid

import pandas as pd
import pytest

from oi_text.errors import ConfigError
from oi_text.review.store import Conflict, Forbidden, NotFound, ReviewError, ReviewStore

from .conftest import make_scores


def test_run_items_and_strata(run):
    info = run.run("demo")
    assert info.ecosystems == ["ai", "quantum"] and info.thresholds["ai"] == 0.5
    flagged, near = run.strata("demo", "ai")
    assert len(flagged) == 3 and all(k.startswith("flagged ") for k in flagged)
    scores, _ = make_scores()
    ai = scores[scores.ecosystem == "ai"]
    assert sum(s.size for s in flagged.values()) == int(ai.predicted.sum())
    assert near.size == int(((ai.score >= 0.35) & (ai.score < 0.5)).sum())
    with pytest.raises(Conflict, match="exists already"):
        run.create_run("demo", scores, {})
    with pytest.raises(NotFound, match=r"no run named 'nope'; runs in this database: \['demo'\]"):
        run.run("nope")


def test_audit_order_is_random_within_strata_and_proportional(run):
    seen = []
    for _ in range(30):
        item = run.next_item("demo", "ai", "anna")
        seen.append(item["stratum"])
        run.decide(item["id"], "accept", "anna")
    counts = {s: seen.count(s) for s in set(seen)}
    flagged, near = run.strata("demo", "ai")
    sizes = {**{k: v.size for k, v in flagged.items()}, "near-miss": near.size}
    total = sum(v.size for v in flagged.values()) + 0.5 * near.size
    for s, c in counts.items():
        weight = 0.5 if s == "near-miss" else 1
        assert abs(c - 30 * weight * sizes[s] / total) <= 2, (s, c)


def test_decisions_undo_and_the_estimate(run):
    ids = []
    for kind in ("accept", "accept", "reject", "unsure"):
        item = run.next_item("demo", "ai", "anna")
        ids.append(item["id"])
        run.decide(item["id"], kind, "anna", reason="mentions-only" if kind == "reject" else None)
    est = run.estimate("demo", "ai")
    assert est.reviewed == 3  # unsure does not count
    undone = run.undo("anna", run="demo")
    assert undone["item_id"] == ids[-1]
    assert run.estimate("demo", "ai").reviewed == 3
    run.undo("anna", run="demo")  # the reject
    assert run.estimate("demo", "ai").reviewed == 2
    # the undone item is served again
    nxt = run.next_item("demo", "ai", "anna")
    assert nxt["id"] in ids[2:]
    log = run.decisions("demo")
    assert [d["kind"] for d in log] == ["accept", "accept", "reject", "unsure", "undo", "undo"]


def test_replayed_decision_is_refused_and_not_doubled(run):
    item = run.next_item("demo", "ai", "anna")
    event = uuid.uuid4().hex
    run.decide(item["id"], "accept", "anna", event_id=event)
    with pytest.raises(Conflict, match="recorded already"):
        run.decide(item["id"], "accept", "anna", event_id=event)
    assert len(run.decisions("demo")) == 1


def test_bad_requests(run):
    with pytest.raises(NotFound, match="no item 999999"):
        run.decide(999999, "accept", "anna")
    item = run.next_item("demo", "ai", "anna")
    with pytest.raises(ReviewError, match="must be accept, reject or unsure"):
        run.decide(item["id"], "maybe", "anna")  # type: ignore[arg-type]
    with pytest.raises(ReviewError, match="unknown reason code 'ugly'"):
        run.decide(item["id"], "reject", "anna", reason="ugly")
    with pytest.raises(Conflict, match="being reviewed by anna"):
        run.decide(item["id"], "accept", "bob")
    with pytest.raises(NotFound, match="nothing to undo"):
        run.undo("bob", run="demo")
    did = run.decide(item["id"], "accept", "anna")
    with pytest.raises(Forbidden, match="only they can undo it"):
        run.undo("bob", decision_id=did)
    with pytest.raises(NotFound, match="no ecosystem 'space'"):
        run.next_item("demo", "space", "anna")


def test_two_reviewers_never_get_the_same_item(run):
    a = run.next_item("demo", "ai", "anna")
    b = run.next_item("demo", "ai", "bob")
    assert a["id"] != b["id"]
    assert run.next_item("demo", "ai", "anna")["id"] == a["id"]  # anna keeps her claim


def test_concurrent_reviewers_lose_nothing(run):
    errors = []

    def work(name: str) -> None:
        try:
            for _ in range(15):
                item = run.next_item("demo", "quantum", name)
                run.decide(item["id"], "accept", name, event_id=uuid.uuid4().hex)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("anna", "bob", "carl")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    log = run.decisions("demo")
    assert len(log) == 45
    assert len({d["item_id"] for d in log}) == 45  # nobody reviewed an item twice


def test_learning_queue_is_kept_apart_from_the_audit(run):
    item = run.next_item("demo", "ai", "anna", purpose="learning")
    assert abs(item["score"] - item["threshold"]) < 0.2 or bool(item["keyword_match"]) != (item["classifier_score"] >= 0.5)
    run.decide(item["id"], "accept", "anna")
    d = run.decisions("demo")[0]
    assert d["purpose"] == "learning" and d["stratum"] is None
    assert run.estimate("demo", "ai").reviewed == 0


def test_feedback_labels_exports_and_exclusion_suggestions(run):
    for _ in range(12):
        item = run.next_item("demo", "ai", "anna")
        kind = "reject" if item["score"] < 0.7 else "accept"
        run.decide(item["id"], kind, "anna", reason="mentions-only" if kind == "reject" else None)
    labels = run.labels("demo")
    assert set(labels.columns) >= {"id", "ecosystem", "label"} and len(labels) == 12
    acc = run.accepted("demo", "ai")
    assert len(acc) == int(labels.label.sum())
    assert run.reason_tally("demo", "ai")["mentions-only"] == 12 - len(acc)
    assert isinstance(run.suggest_exclusions("demo", "ai"), list)


def test_reopening_applies_no_migration_twice(tmp_path):
    s = ReviewStore(tmp_path / "r.sqlite")
    s.add_reviewer("anna")
    s.close()
    s2 = ReviewStore(tmp_path / "r.sqlite")
    assert s2.db.migrate() == []
    assert s2.reviewers() == ["anna"]
    with pytest.raises(Conflict, match="exists already"):
        s2.add_reviewer("anna")


def test_learning_serves_real_disagreements_first(store):
    # five unflagged, far-from-threshold items; the keywords match r1-r3. r1: the classifier's
    # vote (p >= 0.5) says no -> a disagreement. r2: no classifier for it (None) -> no vote, no
    # disagreement. r3: the classifier agrees. r4: the classifier says yes, the keywords no.
    rows = [("r0", 0.05, 0.1, False), ("r1", 0.1, 0.2, True), ("r2", 0.1, None, True),
            ("r3", 0.1, 0.9, True), ("r4", 0.1, 0.7, False)]
    scores = pd.DataFrame([{"id": rid, "ecosystem": "ai", "score": s, "predicted": False, "matched_terms": [],
                            "classifier_score": p, "keyword_match": k} for rid, s, p, k in rows])
    store.create_run("d", scores, {r[0]: f"text {r[0]}" for r in rows}, thresholds={"ai": 0.9},
                     learning_per_ecosystem=2)
    served = []
    for _ in range(2):
        item = store.next_item("d", "ai", "anna", purpose="learning")
        served.append(item["record_id"])
        store.decide(item["id"], "accept", "anna")
    assert sorted(served) == ["r1", "r4"]


def test_learning_never_takes_audit_items(run):
    audit = {it["id"] for it in run.db.query("SELECT id FROM items WHERE stratum IS NOT NULL")}
    for _ in range(25):
        item = run.next_item("demo", "ai", "anna", purpose="learning")
        assert item["id"] not in audit and item["stratum"] is None
        run.decide(item["id"], "reject", "anna")
    assert run.estimate("demo", "ai").reviewed == 0
    # nor can an audit item be recorded as learning (it would leave the audit sample unseen)
    item = run.next_item("demo", "ai", "anna")
    with pytest.raises(ReviewError, match="is in the audit sample .*record it with purpose 'audit'"):
        run.decide(item["id"], "accept", "anna", purpose="learning")
    run.decide(item["id"], "accept", "anna")
    assert run.estimate("demo", "ai").reviewed == 1


def test_a_stale_page_cannot_replace_another_reviewers_decision(run, monkeypatch):
    import time as _time

    from oi_text.review import store as store_mod

    item = run.next_item("demo", "ai", "anna")
    later = _time.time() + 16 * 60  # anna's claim has expired; bob is served her item
    monkeypatch.setattr(store_mod.time, "time", lambda: later)
    bob_item = run.next_item("demo", "ai", "bob")
    assert bob_item["id"] == item["id"]
    run.decide(item["id"], "accept", "bob")
    with pytest.raises(Conflict, match="decided by bob meanwhile"):
        run.decide(item["id"], "reject", "anna")  # anna's old page
    assert run.estimate("demo", "ai").strata[item["stratum"]].accepted == 1


def test_scores_and_claim_times_are_stored_to_full_precision(run, monkeypatch):
    # PostgreSQL's REAL is a 4-byte float: a Unix time in it is rounded to 128 s, so a 15-minute
    # claim could outlive a 16-minute wait, and 0.5000001 would read back as 0.5
    from oi_text.review import store as store_mod

    t = 1_799_999_038.25  # 4-byte rounding moves t + 900 s up by 62 s: past t + 16 min
    monkeypatch.setattr(store_mod.time, "time", lambda: t)
    item = run.next_item("demo", "ai", "anna")
    (claim,) = run.db.query("SELECT expires_at FROM claims WHERE item_id = ?", (item["id"],))
    assert claim["expires_at"] == t + store_mod.CLAIM_SECONDS
    monkeypatch.setattr(store_mod.time, "time", lambda: t + 16 * 60)
    assert run.next_item("demo", "ai", "bob")["id"] == item["id"]  # anna's claim has expired
    scores, texts = make_scores(4)
    scores["score"] = [0.5000001, 0.4999999, 0.123456789, 0.9, 0.50000002, 0.3, 0.987654321, 0.1]
    scores["predicted"] = scores.score >= 0.5
    run.create_run("precise", scores, texts, thresholds={"ai": 0.5, "quantum": 0.5})
    got = run.db.query("SELECT i.score FROM items i JOIN runs r ON r.id = i.run_id WHERE r.name = ? "
                       "AND i.ecosystem = 'ai' ORDER BY i.record_id", ("precise",))
    assert [g["score"] for g in got] == scores[scores.ecosystem == "ai"].score.tolist()


def test_exports_cannot_run_formulas():
    from oi_text.records import spreadsheet_safe

    df = pd.DataFrame({"id": ["r1", "r2"], "text": ["=HYPERLINK(\"http://x\")", "Gewone tekst - met streepje"],
                       "score": [0.9, 0.8]})
    safe = spreadsheet_safe(df)
    assert safe.text.tolist() == ["'=HYPERLINK(\"http://x\")", "Gewone tekst - met streepje"]
    assert safe.score.tolist() == [0.9, 0.8] and df.text[0].startswith("=")


def test_undo_gives_the_item_back_to_decide_again_and_a_replayed_undo_is_refused(run):
    item = run.next_item("demo", "ai", "anna")
    run.decide(item["id"], "accept", "anna")
    run.undo("anna", run="demo", event_id="u1")
    assert run.next_item("demo", "ai", "bob")["id"] != item["id"]  # held for anna, not handed to bob
    assert run.next_item("demo", "ai", "anna")["id"] == item["id"]  # served to her next, to redo
    with pytest.raises(Conflict, match="replayed"):
        run.undo("anna", run="demo", event_id="u1")  # the same request again, nothing left to undo: 409
    run.decide(item["id"], "reject", "anna")
    assert [d["kind"] for d in run.decisions("demo")] == ["accept", "undo", "reject"]


def test_scores_from_another_model_are_refused_and_without_a_model_the_threshold_is_read_off(store):
    # flagged at 0.3 and above, as a model with threshold 0.3 would flag them
    rows = [("r0", 0.9, True), ("r1", 0.35, True), ("r2", 0.3, True), ("r3", 0.25, False), ("r4", 0.05, False)]
    scores = pd.DataFrame([{"id": rid, "ecosystem": "ai", "score": s, "predicted": p, "matched_terms": []}
                           for rid, s, p in rows])
    texts = {r[0]: f"text {r[0]}" for r in rows}
    with pytest.raises(ConfigError, match="ai: the scores' decisions do not follow the model's threshold 0.500"):
        store.create_run("wrong", scores, texts, thresholds={"ai": 0.5})
    store.create_run("nomodel", scores, texts)
    strata = {r["record_id"]: r["stratum"] for r in store.db.query(
        "SELECT i.record_id, i.stratum FROM items i JOIN runs r ON r.id = i.run_id WHERE r.name = ?", ("nomodel",))}
    # the threshold 0.3 is read off the decisions: r3 (0.25) is a near miss, r4 is far below
    assert strata["r3"] == "near-miss" and strata["r4"] is None


def test_scores_load_from_parquet_or_the_csv_classify_writes(store, tmp_path):
    from oi_text.review.store import load_scores_into_store

    scores, texts = make_scores(60)
    pd.DataFrame({"id": list(texts), "text": list(texts.values())}).to_parquet(tmp_path / "records.parquet")
    scores.to_parquet(tmp_path / "s.parquet")
    csv = scores.assign(matched_terms=scores.matched_terms.map("; ".join))
    csv.to_csv(tmp_path / "s.csv", index=False, encoding="utf-8-sig")
    a = load_scores_into_store(store, "pq", tmp_path / "s.parquet", tmp_path / "records.parquet")
    b = load_scores_into_store(store, "csv", tmp_path / "s.csv", tmp_path / "records.parquet")
    assert a.ecosystems == b.ecosystems
    q = "SELECT i.record_id, i.stratum, i.score FROM items i JOIN runs r ON r.id = i.run_id WHERE r.name = ? ORDER BY 1, 3"
    assert store.db.query(q, ("pq",)) == store.db.query(q, ("csv",))
    with pytest.raises(ConfigError, match="not a scores file from 'oi-text classify'"):
        load_scores_into_store(store, "bad", tmp_path / "records.parquet.txt", tmp_path / "records.parquet")
    with pytest.raises(ConfigError, match="no scores for ecosystem\\(s\\) 'nosuch'"):
        load_scores_into_store(store, "bad2", tmp_path / "s.parquet", tmp_path / "records.parquet", ecosystems=["nosuch"])


def test_undo_in_one_ecosystems_queue_leaves_the_others_alone(run):
    ai = run.next_item("demo", "ai", "anna")
    run.decide(ai["id"], "accept", "anna")
    q = run.next_item("demo", "quantum", "anna")
    run.decide(q["id"], "accept", "anna")
    # the ai page's z undoes the ai decision, though the quantum one came later
    assert run.undo("anna", run="demo", ecosystem="ai")["item_id"] == ai["id"]
    assert run.estimate("demo", "quantum").reviewed == 1 and run.estimate("demo", "ai").reviewed == 0
    with pytest.raises(NotFound, match="nothing to undo.* for ai"):
        run.undo("anna", run="demo", ecosystem="ai")


def test_exclusion_suggestions_come_from_rejected_flagged_items(store):
    texts = {**{f"a{i}": f"Quantum sensing research for hospital scanners, study {i}" for i in range(5)},
             **{f"r{i}": f"Quantum booking app for hair salons, offer {i}" for i in range(3)},
             "n0": "Quantum lecture series about salons", "n1": "Quantum lecture series about salons again"}
    rows = [(k, 0.9 if k[0] in "ar" else 0.4, k[0] in "ar") for k in texts]
    scores = pd.DataFrame([{"id": rid, "ecosystem": "quantum", "score": s, "predicted": p, "matched_terms": []}
                           for rid, s, p in rows])
    store.create_run("x", scores, texts, thresholds={"quantum": 0.5})
    ids = {r["record_id"]: r["id"] for r in store.db.query("SELECT id, record_id FROM items")}
    for rid in texts:
        store.decide(ids[rid], "accept" if rid[0] == "a" else "reject", "anna", reason="mentions-only")
    words = [w for w, _, _ in store.suggest_exclusions("x", "quantum")]
    assert {"booking", "salons", "hair"} <= set(words)
    assert "quantum" not in words  # as common among the accepted items
    assert "lecture" not in words  # rejected, but never flagged: no false positive to exclude


def test_undoing_a_changed_decision_restores_the_earlier_one_and_holds_nothing(run):
    item = run.next_item("demo", "ai", "anna")
    run.decide(item["id"], "accept", "anna")
    run.decide(item["id"], "reject", "anna", reason="mentions-only")  # changed her mind
    assert run.undo("anna", run="demo")["kind"] == "reject"
    assert run._standing(item["id"])["kind"] == "accept"  # the accept stands again
    assert not run.db.query("SELECT item_id FROM claims WHERE item_id = ?", (item["id"],))
    assert run.next_item("demo", "ai", "anna")["id"] != item["id"]  # decided: not served again


def test_scores_of_flagged_rows_only_are_loaded_with_a_warning(store, tmp_path, caplog):
    from oi_text.review.store import load_scores_into_store

    scores, texts = make_scores(60)
    pd.DataFrame({"id": list(texts), "text": list(texts.values())}).to_parquet(tmp_path / "records.parquet")
    scores[scores.predicted].to_parquet(tmp_path / "flagged.parquet")  # classify --only-predicted
    with caplog.at_level("WARNING"):
        load_scores_into_store(store, "f", tmp_path / "flagged.parquet", tmp_path / "records.parquet")
    assert "holds flagged rows only" in caplog.text and "no near-miss band" in caplog.text
    assert store.strata("f", "ai")[1].size == 0
    caplog.clear()
    scores.to_parquet(tmp_path / "all.parquet")
    with caplog.at_level("WARNING"):
        load_scores_into_store(store, "a", tmp_path / "all.parquet", tmp_path / "records.parquet")
    assert "flagged rows only" not in caplog.text and store.strata("a", "ai")[1].size > 0
