"""The shipped taxonomy, and clear errors for bad taxonomy YAML."""

from __future__ import annotations

import pytest
import yaml

from oi_text.errors import ConfigError
from oi_text.keywords import load_taxonomy
from oi_text.keywords.taxonomy import CASE_STUDIES


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


def test_shipped_taxonomy_has_the_study_ecosystems(tax):
    assert len(tax.ids) >= 57  # the 56 of Bijlage 1 (+ case studies not in the table)
    for eco in (*CASE_STUDIES, "hydrogen", "offshore-energy"):
        assert eco in tax
        e = tax[eco]
        assert e.data["label"] and e.data.get("focus")
    assert any(i.startswith("health") for i in tax.ids)
    numbers = sorted(e.data["number"] for e in tax.ecosystems if e.data.get("number"))
    assert numbers == list(range(1, 57))


def test_case_studies_have_keywords_in_depth_in_both_languages(tax):
    for eco in CASE_STUDIES:
        kw = tax[eco].data["keywords"]
        assert len(kw["nl"]) >= 25 and len(kw["en"]) >= 25, eco
    assert tax["ai"].exclude_terms  # the study's main source of false positives


def test_nesting_and_overlaps(tax):
    assert tax["precision-agriculture"].parent == "food-technology"
    assert "catalysis" in tax.children("chemistry")
    spec = tax.keyword_spec(["chemistry"])
    assert set(tax["catalysis"].include_terms) <= set(spec["chemistry"]["include"])
    assert "nanotechnology" in tax["quantum"].data["overlaps"]


def test_the_taxonomys_exclusions_reach_the_matcher(tax):
    """Exclusion terms travel from the YAML through keyword_spec to the matcher: an app that
    merely advertises AI is vetoed, a text that names AI in two distinct ways is not."""
    from oi_text.keywords import KeywordMatcher

    spec = tax.keyword_spec(["ai"])
    assert spec["ai"]["exclude"] == tax["ai"].exclude_terms and len(spec["ai"]["exclude"]) >= 10
    m = KeywordMatcher(spec)
    app = "Boek je kapper met onze AI-powered app: slimme afspraken voor salons."
    hit = m.match(app)["ai"]
    assert hit.hits and hit.excluded_by and not hit.matched
    dev = "We train deep learning models for computer vision and sell them as an AI-powered app."
    assert m.match(dev)["ai"].matched


def test_hash_changes_with_terms(tax, tmp_path):
    data = tax.to_dict()
    data["ecosystems"][0]["keywords"]["en"].append("brand new term")
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert load_taxonomy(path).hash() != tax.hash()


def _write(tmp_path, ecosystems):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "ecosystems": ecosystems}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "ecosystems, message",
    [
        ([{"id": "Water Tech", "label": "x"}], r"ecosystem #1: 'id' must be lowercase"),
        ([{"id": "a", "label": "A"}, {"id": "a", "label": "B"}], r"ecosystem 'a': duplicate id"),
        ([{"id": "a", "label": "A", "keywrds": {}}], r"unknown key\(s\) \['keywrds'\] \(did you mean 'keywords'\?\)"),
        ([{"id": "a"}], r"ecosystem 'a': 'label' is required"),
        ([{"id": "a", "label": "A", "keywords": {"de": ["x"]}}], r"has language 'de'"),
        ([{"id": "a", "label": "A", "keywords": {"nl": "waterstof"}}], r"'keywords.nl' must be a list"),
        ([{"id": "a", "label": "A", "keywords": {"nl": ["x", "x"]}}], r"lists \['x'\] twice"),
        ([{"id": "a", "label": "A", "keywords": {"en": ["wa*"]}}], r"ecosystem 'a', keywords.en: term 'wa\*'"),
        ([{"id": "a", "label": "A", "parent": "b"}], r"refers to unknown ecosystem 'b'"),
        ([{"id": "a", "label": "A", "parent": "b"}, {"id": "b", "label": "B", "parent": "a"}], "parent chain loops"),
    ],
)
def test_bad_taxonomy_yaml_is_explained(tmp_path, ecosystems, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_taxonomy(_write(tmp_path, ecosystems))
    assert "bad.yaml" in str(info.value)


def test_not_yaml_and_missing_file(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text("ecosystems: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_taxonomy(p)
    with pytest.raises(ConfigError, match="taxonomy file not found"):
        load_taxonomy(tmp_path / "none.yaml")
    p.write_text("- a\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'ecosystems:' list"):
        load_taxonomy(p)
