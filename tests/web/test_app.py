"""The review web app in-process: sign-in, pages, escaping, the JSON API and its 4xx answers."""

from __future__ import annotations

import io
import uuid

import pytest
from fastapi.testclient import TestClient

from oi_text.review.store import ReviewStore
from oi_text.web.app import COOKIE, create_app

from ..review.conftest import make_scores


@pytest.fixture
def setup(tmp_path):
    store = ReviewStore(tmp_path / "r.sqlite")
    scores, texts = make_scores(120, ecosystems=("ai",))
    texts = {k: v.replace("<b>bold</b>", "<script>alert('x')</script>") for k, v in texts.items()}
    store.create_run("demo", scores, texts, thresholds={"ai": 0.5},
                     model_card={"keywords": {"ai": {"include": ["=AI", "quantum*"], "exclude": ["claims"]}}})
    anna, bob = store.add_reviewer("anna"), store.add_reviewer("bob")
    client = TestClient(create_app(store))
    return store, client, anna, bob


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_sign_in_sets_a_cookie_and_pages_need_it(setup):
    store, client, anna, _ = setup
    r = client.get("/", headers={"accept": "text/html"})
    assert r.status_code == 401 and "Sign in" in r.text
    # the link add-reviewer prints shows a button; following it sets nothing
    r = client.get(f"/login?token={anna}", follow_redirects=False)
    assert r.status_code == 200 and "Sign in as anna" in r.text and "set-cookie" not in r.headers
    r = client.post("/login", data={"token": anna}, follow_redirects=False,
                    headers={"origin": "http://testserver", "referer": f"http://testserver/login?token={anna}"})
    assert r.status_code == 303 and COOKIE in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    assert "samesite=strict" in r.headers["set-cookie"].lower()
    client.cookies.set(COOKIE, anna)
    r = client.get("/")
    assert r.status_code == 200 and "demo" in r.text and "signed in as anna" in r.text
    r = client.get("/login?token=wrong")
    assert r.status_code == 401 and "unknown token" in r.text
    r = client.post("/login", data={"token": "wrong"})
    assert r.status_code == 401 and "unknown token" in r.text


def test_posts_from_another_site_are_refused(setup):
    """A page elsewhere cannot sign a browser in as another reviewer, nor decide in its name."""
    store, client, anna, bob = setup
    for origin in ({"origin": "https://evil.example"}, {"referer": "https://evil.example/page"}, {"origin": "null"}):
        r = client.post("/login", data={"token": bob}, headers=origin, follow_redirects=False)
        assert r.status_code == 403 and "cross-site request refused" in r.json()["detail"]
        assert "set-cookie" not in r.headers
    item = store.next_item("demo", "ai", "anna")
    body = {"item_id": item["id"], "kind": "accept", "event_id": "evt-cross-site-1"}
    r = client.post("/api/decisions", json=body, headers={**auth(anna), "origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.post("/api/undo", json={"event_id": "evt-cross-site-2"}, headers={**auth(anna), "origin": "https://evil.example"})
    assert r.status_code == 403
    assert store.decisions("demo") == []
    # the review page itself (same host) and scripts without an Origin header are served
    r = client.post("/api/decisions", json=body, headers={**auth(anna), "origin": "http://testserver"})
    assert r.status_code == 201


def test_behind_a_reverse_proxy_the_public_address_is_accepted(setup):
    """nginx passes Host: 127.0.0.1:8765 by default while the browser says Origin:
    https://review.example.org; the public address (--public-url) or X-Forwarded-Host vouch
    for it. Host names compare case-blind and without the scheme's default port."""
    store, _, anna, _ = setup
    proxied = {"host": "127.0.0.1:8765", "origin": "https://review.example.org"}
    plain = TestClient(create_app(store))
    assert plain.post("/login", data={"token": anna}, headers=proxied, follow_redirects=False).status_code == 403
    behind = TestClient(create_app(store, public_urls=("https://Review.Example.org/",)))
    assert behind.post("/login", data={"token": anna}, headers=proxied, follow_redirects=False).status_code == 303
    forwarded = {**proxied, "x-forwarded-host": "review.example.org"}
    assert plain.post("/login", data={"token": anna}, headers=forwarded, follow_redirects=False).status_code == 303
    same = {"host": "Review.Example.org:80", "origin": "http://review.example.org"}
    assert plain.post("/login", data={"token": anna}, headers=same, follow_redirects=False).status_code == 303
    other_port = {"host": "review.example.org:8080", "origin": "http://review.example.org:9090"}
    assert plain.post("/login", data={"token": anna}, headers=other_port, follow_redirects=False).status_code == 403


def test_review_page_escapes_text_and_highlights_terms(setup):
    store, client, anna, _ = setup
    client.cookies.set(COOKIE, anna)
    r = client.get("/run/demo/review/ai")
    assert r.status_code == 200
    assert "<script>alert('x')</script>" not in r.text
    assert "&lt;script&gt;alert(" in r.text  # shown as text
    assert '<mark title="=AI">AI</mark>' in r.text
    assert '<mark title="exclusion: claims">claims</mark>' in r.text
    assert 'id="accept"' in r.text and "<kbd>a</kbd>" in r.text
    r = client.get("/run/demo")
    assert "flagged" in r.text and "more reviews" in r.text


def test_decision_api_and_its_errors(setup):
    store, client, anna, bob = setup
    item = store.next_item("demo", "ai", "anna")
    event = uuid.uuid4().hex
    body = {"item_id": item["id"], "kind": "accept", "event_id": event}
    r = client.post("/api/decisions", json=body, headers=auth(anna))
    assert r.status_code == 201 and r.json()["decision_id"] > 0
    r = client.post("/api/decisions", json=body, headers=auth(anna))
    assert r.status_code == 409 and "recorded already" in r.json()["detail"]
    r = client.post("/api/decisions", json={**body, "item_id": 10**9, "event_id": uuid.uuid4().hex}, headers=auth(anna))
    assert r.status_code == 404 and "no item" in r.json()["detail"]
    r = client.post("/api/decisions", json={**body, "event_id": uuid.uuid4().hex}, headers=auth("not-a-token"))
    assert r.status_code == 401 and "token" in r.json()["detail"]
    r = client.post("/api/decisions", json={**body, "kind": "maybe", "event_id": uuid.uuid4().hex}, headers=auth(anna))
    assert r.status_code == 422
    r = client.post("/api/decisions", json={"item_id": "x"}, headers=auth(anna))
    assert r.status_code == 422
    other = store.next_item("demo", "ai", "bob")
    r = client.post("/api/decisions", json={"item_id": other["id"], "kind": "reject", "event_id": uuid.uuid4().hex},
                    headers=auth(anna))
    assert r.status_code == 409 and "being reviewed by bob" in r.json()["detail"]
    r = client.post("/api/undo", json={"event_id": uuid.uuid4().hex, "run": "demo"}, headers=auth(bob))
    assert r.status_code == 404 and "nothing to undo" in r.json()["detail"]
    r = client.post("/api/undo", json={"event_id": uuid.uuid4().hex, "run": "demo"}, headers=auth(anna))
    assert r.status_code == 200 and r.json()["item_id"] == item["id"]
    r = client.get("/api/runs/demo/estimate/ai", headers=auth(anna))
    assert r.status_code == 200 and r.json()["reviewed"] == 0
    r = client.get("/api/runs/nope/estimate/ai", headers=auth(anna))
    assert r.status_code == 404 and "no run named 'nope'" in r.json()["detail"]


def test_results_and_exports(setup):
    store, client, anna, _ = setup
    for _ in range(5):
        it = store.next_item("demo", "ai", "anna")
        store.decide(it["id"], "accept", "anna")
    client.cookies.set(COOKIE, anna)
    r = client.get("/run/demo/results")
    assert r.status_code == 200 and "precision" in r.text
    csv = client.get("/run/demo/export.csv")
    assert csv.status_code == 200 and csv.text.count("\n") == 6
    xlsx = client.get("/run/demo/export.xlsx")
    import pandas as pd

    assert len(pd.read_excel(io.BytesIO(xlsx.content))) == 5
    assert client.get("/run/demo/export.pdf").status_code == 404
