"""A resolved plan in Python and in a notebook: a short repr, iteration in order, an SVG view."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from specwire import Pipeline


def _plan():  # type: ignore[no-untyped-def]
    return Pipeline("fraud-detection").auto_train_xgboost("s3://fraud-data/raw/").resolve()


def test_repr_is_one_line_with_status_and_counts() -> None:
    plan = _plan()
    text = repr(plan)
    assert "\n" not in text and len(text) < 120
    assert text == (f"<ResolvedPipeline 'fraud-detection': ok, {len(plan.nodes)} nodes, "
                    f"{len(plan.inserted)} inserted, {len(plan.edges)} edges>")


def test_iterating_gives_every_node_once_providers_first() -> None:
    plan = _plan()
    names = [node.name for node in plan]
    assert sorted(names) == sorted(n.name for n in plan.nodes) and len(plan) == len(names)
    position = {name: i for i, name in enumerate(names)}
    assert all(position[e.source] < position[e.target] for e in plan.edges)


def test_notebook_views_draw_every_node_as_svg() -> None:
    plan = _plan()
    svg = ET.fromstring(plan._repr_svg_())
    assert svg.tag.endswith("svg")
    drawn = " ".join(t.text or "" for t in svg.iter() if t.tag.endswith("text"))
    assert all(node.name in drawn for node in plan.nodes)
    arrows = {(t.text or "").split(":")[0] for line in svg.iter() if line.tag.endswith("line")
              for t in line if t.tag.endswith("title")}
    assert arrows == {f"{source} -> {target}" for source, target in plan.node_edges()}  # every edge, once
    assert plan._repr_svg_() in plan._repr_html_() and "resolves" in plan._repr_html_()
    bundle = Pipeline("fraud-detection").auto_train_xgboost("s3://fraud-data/raw/")._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith("<svg") and "text/markdown" in bundle
