"""The themes page in a real browser (Debian's chromium, headless): it loads nothing from
outside, hovering a point shows its title and theme, clicking a theme shows it alone."""

from __future__ import annotations

import shutil

import pytest

from oi_text.themes import ThemeSettings, find_themes
from oi_text.themes.report import write_outputs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_map_hover_and_filter_in_a_browser(corpus, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    texts, X, gold, kinds, years = corpus
    titles = [f"{g.capitalize()} project {i}" for i, g in enumerate(gold)]
    r = find_themes(texts, vectors=X, titles=titles, kinds=kinds, years=years,
                    settings=ThemeSettings(stability_seeds=0))
    write_outputs(r, tmp_path, source="four topics")
    requests = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.on("request", lambda req: requests.append(req.url))
        page.goto((tmp_path / "themes.html").as_uri())
        assert page.locator(".verdict").inner_text().startswith("verdict:")
        canvas = page.locator("#map")
        box = canvas.bounding_box()
        data = page.evaluate("JSON.parse(document.getElementById('map-data').textContent)")
        pts = data["points"]
        xs, ys = [q[0] for q in pts], [q[1] for q in pts]
        # the page's own scaling: 20 px padding on a 900 x 620 canvas
        q = pts[0]
        px = 20 + (q[0] - min(xs)) / (max(xs) - min(xs)) * (900 - 40)
        py = 620 - 20 - (q[1] - min(ys)) / (max(ys) - min(ys)) * (620 - 40)
        page.mouse.move(box["x"] + px * box["width"] / 900, box["y"] + py * box["height"] / 620)
        tip = page.locator("#tip")
        tip.wait_for(state="visible")
        text = tip.inner_text()
        assert "project" in text and ("theme " in text or "outlier" in text)
        # click a theme in the legend: only its points are drawn
        page.locator("[data-theme='1']").click()
        drawn = page.evaluate("""() => { const c = document.getElementById('map').getContext('2d');
            const d = c.getImageData(0, 0, 900, 620).data; let n = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
        page.locator("[data-theme='1']").click()
        all_drawn = page.evaluate("""() => { const c = document.getElementById('map').getContext('2d');
            const d = c.getImageData(0, 0, 900, 620).data; let n = 0;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
        assert 0 < drawn < all_drawn
        browser.close()
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
