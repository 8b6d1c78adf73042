"""A real browser (Playwright driving Debian's chromium, headless) reviews ten items with the
keyboard shortcuts; the database and the live estimate must agree."""

from __future__ import annotations

import os
import shutil
import signal

import pytest

from oi_text.review.store import ReviewStore

from ..review.conftest import make_scores
from .test_crash import free_port, start

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_review_ten_items_with_the_keyboard(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    db = tmp_path / "review.sqlite"
    store = ReviewStore(db)
    scores, texts = make_scores(150, ecosystems=("ai",))
    store.create_run("demo", scores, texts, thresholds={"ai": 0.5},
                     model_card={"keywords": {"ai": {"include": ["=AI"], "exclude": []}}})
    token = store.add_reviewer("anna")
    store.close()
    port = free_port()
    proc = start(db, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_page()
            page.goto(f"{base}/login?token={token}")
            assert "signed in as" not in page.content()  # the link alone signs nobody in
            with page.expect_navigation():
                page.click("#sign-in")
            assert "signed in as anna" in page.content()
            page.goto(f"{base}/run/demo/review/ai")
            # "2r": key 2 picks the second rejection reason, then r; "na": a note typed in the
            # note field (Esc leaves it, so the keys work again), then a
            keys = ["a", "a", "r", "a", "u", "a", "2r", "na", "a", "a", "z", "a"]
            for key in keys:
                before = page.locator("#record-id").inner_text()
                if key == "2r":
                    page.keyboard.press("2")
                    assert page.locator("#reason").input_value() == "other-ecosystem"
                if key == "na":
                    page.click("#note")
                    page.keyboard.type("zie de website: a r u z")  # keys typed in the note decide nothing
                    page.keyboard.press("Escape")
                with page.expect_navigation():
                    page.keyboard.press(key[-1])
                page.wait_for_selector("#estimate-text")
                if key != "z":
                    assert page.locator("#record-id").inner_text() != before or key == "u"
            text = page.locator("#estimate-text").inner_text()
            # the escaped HTML of the synthetic texts is shown as text, not rendered
            assert "<b>bold</b>" in page.locator("#text").inner_text()
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    store = ReviewStore(db)
    log = store.decisions("demo")
    kinds = [d["kind"] for d in log]
    assert kinds.count("undo") == 1 and len(kinds) == len(keys)
    est = store.estimate("demo", "ai")
    # 11 decisions, one undone, one unsure: 9 counted, 2 of them rejections
    assert est.reviewed == 9
    standing = [d for d in store._current(store.run("demo").id).values()]
    assert sum(d["kind"] == "reject" for d in standing) == 2
    assert sorted(d["reason"] for d in standing if d["kind"] == "reject") == ["mentions-only", "other-ecosystem"]
    assert [d["note"] for d in log if d.get("note")] == ["zie de website: a r u z"]
    assert f"{est.reviewed} reviewed" in text and "precision" in text
