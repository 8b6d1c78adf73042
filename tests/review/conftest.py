"""Review-store fixtures: SQLite always; PostgreSQL when OI_TEXT_TEST_PG_URL points at a server
(.ci/run installs and starts one on 127.0.0.1)."""

from __future__ import annotations

import os
import uuid

import numpy as np
import pandas as pd
import pytest

from oi_text.review.store import ReviewStore

PG_URL = os.environ.get("OI_TEXT_TEST_PG_URL")


def make_scores(n: int = 300, ecosystems=("ai", "quantum"), seed: int = 0):
    """Scores as 'oi-text classify' writes them, and the texts they belong to."""
    rng = np.random.default_rng(seed)
    rows = []
    texts = {}
    for i in range(n):
        rid = f"r{i:04d}"
        texts[rid] = f"Record {i}: <b>bold</b> claims about AI and quantum sensing, item {i}."
        for eco in ecosystems:
            score = float(rng.beta(0.7, 1.6))
            cls = float(np.clip(score + rng.normal(0, 0.1), 0, 1))
            rows.append({"id": rid, "ecosystem": eco, "score": score, "predicted": score >= 0.5,
                         "matched_terms": ["=AI"] if score > 0.4 else [], "classifier_score": cls,
                         "keyword_match": score > 0.45})
    return pd.DataFrame(rows), texts


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = ReviewStore(tmp_path / "review.sqlite")
    else:
        if not PG_URL:
            pytest.skip("OI_TEXT_TEST_PG_URL is not set (no PostgreSQL server for this run)")
        import psycopg

        schema_db = f"oitest_{uuid.uuid4().hex[:10]}"
        admin = psycopg.connect(PG_URL, autocommit=True)
        admin.execute(f'CREATE DATABASE "{schema_db}"')
        admin.close()
        url = PG_URL.rsplit("/", 1)[0] + "/" + schema_db
        s = ReviewStore(url)
        request.addfinalizer(lambda: _drop(PG_URL, schema_db))
    yield s
    s.close()


def _drop(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def run(store):
    scores, texts = make_scores()
    store.create_run("demo", scores, texts, thresholds={"ai": 0.5, "quantum": 0.5},
                     model_card={"keywords": {"ai": {"include": ["=AI"], "exclude": []}}})
    return store
