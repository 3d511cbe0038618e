"""docs/SCHEMA.md documents exactly the fields that assessment.json holds."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

from fixtures_assessment import make_assessment
from hipcheck.model import SCHEMA_VERSION, Assessment, MetricValue

DOC = Path(__file__).resolve().parents[1] / "docs" / "SCHEMA.md"
#: fields whose value is documented as a whole (a free-form object or a separate model)
OPAQUE = {"options", "sources", "processing", "markers", "program"}


def _doc_tree() -> dict:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(
        r"## `assessment.json` \(schema_version (\d+)\).*?```text\n(.*?)```", text, re.S
    )
    assert block, "SCHEMA.md has no assessment.json block"
    assert int(block.group(1)) == SCHEMA_VERSION
    root: dict = {}
    stack = [(-1, root)]
    for line in block.group(2).splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        key = line.split()[0].replace("[]", "").replace("{}", "")
        while stack[-1][0] >= indent:
            stack.pop()
        node: dict = {}
        stack[-1][1][key] = node
        stack.append((indent, node))
    return root


def _model_tree(cls: type) -> dict:
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        out[f.name] = {} if f.name in OPAQUE else _children(hints[f.name])
    return out


def _children(tp: object) -> dict:
    """Documented children of a field: the fields of the dataclass it holds, if any."""
    args = typing.get_args(tp)
    if dataclasses.is_dataclass(tp):
        return _model_tree(tp)  # type: ignore[arg-type]
    for arg in args:  # Optional[X], tuple[X, ...], dict[K, V], dict[K, dict[K2, V]]
        if arg in (type(None), Ellipsis):
            continue
        inner = _children(arg)
        if inner:
            return inner
    return {}


def test_schema_doc_lists_every_field_of_the_model():
    assert _doc_tree() == _model_tree(Assessment)


def test_schema_doc_matches_what_is_written():
    """Every key of a written assessment.json appears in the documented tree, and back."""
    doc = make_assessment(pelvic_status="indicative").to_dict()
    tree = _doc_tree()
    for key, value in doc.items():
        assert key in tree, key
        if key in OPAQUE or not isinstance(value, (dict, list)):
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            assert set(item) == set(tree[key]), key
    rep = doc["reps"][0]
    assert set(rep) == set(tree["reps"])
    limbs = next(iter(rep["metrics"].values()))
    assert set(next(iter(limbs.values()))) == {f.name for f in dataclasses.fields(MetricValue)}
    assert set(next(iter(limbs.values()))) == set(tree["reps"]["metrics"])


def test_no_field_is_documented_twice_or_left_empty():
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```text\n(.*?)```", text[text.index("schema_version 2") :], re.S)
    assert block is not None
    for line in block.group(1).splitlines():
        if line.strip():
            assert len(line.split(None, 1)) == 2, f"no description: {line!r}"
