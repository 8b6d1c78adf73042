from __future__ import annotations

import pytest

from oi_text.errors import ConfigError
from oi_text.ingest import ColumnMapping, load_mapping, mapping_from_dict


def test_yaml_mapping_round_trip(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "text: [title, summary]\nid: nr\nkind_column: soort\n"
        "kind_values: {Aanvraag: wbso}\nyear: start\norganisations: partners\n"
        "passthrough: [fund]\nsheet: Export\nheader_row: 3\nencoding: cp1252\ndelimiter: ';'\n",
        encoding="utf-8",
    )
    mapping, options = load_mapping(path)
    assert mapping.text == ("title", "summary")
    assert mapping.kind_of("Aanvraag") == "wbso"
    assert mapping.kind_of("Start-up") == "startup"
    assert mapping.kind_of("Publicatie") == "publication"
    assert mapping.kind_of("iets anders") is None
    assert mapping.passthrough == ("fund",)
    assert (options.sheet, options.header_row, options.encoding, options.delimiter) == ("Export", 3, "cp1252", ";")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"txt": "a"}, "unknown key 'txt'; did you mean 'text'?"),
        ({"text": "a", "kind": "bedrijfje"}, "unknown kind 'bedrijfje'; expected one of project, publication"),
        ({"text": "a", "kind": "startup", "kind_column": "k"}, "either 'kind' .* or 'kind_column', not both"),
        ({"text": "a", "kind_values": {"X": "firm"}}, "kind_values: 'X' maps to 'firm'"),
        ({"text": {"a": 1}}, "expected a column name or a list of names"),
        ({"text": "a", "id": ["x", "y"]}, "'id' must be one column name"),
        ({"text": "a", "header_row": 0}, "'header_row' must be a row number >= 1"),
    ],
)
def test_bad_mappings_are_explained(data, message):
    with pytest.raises(ConfigError, match=message):
        mapping_from_dict(data)


def test_mapping_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="mapping file not found"):
        load_mapping(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("text: [a, b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_mapping(bad)
    lst = tmp_path / "list.yaml"
    lst.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping of keys"):
        load_mapping(lst)


def test_columns_used():
    m = ColumnMapping(text=("a", "b"), id="a", title="t", year="y")
    assert m.columns_used() == ["a", "b", "t", "y"]
