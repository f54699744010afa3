"""Resolved pipelines as text, Mermaid and Graphviz DOT.

Every name is treated as data: Mermaid and DOT get node ids of their own (`n0`, `n1`, ...) and
labels escaped for their syntax, so a step called `a"]; evil` stays a label.
"""

from __future__ import annotations

import html
import re

from specwire.plan import ResolvedPipeline


def _ids(result: ResolvedPipeline) -> dict[str, str]:
    return {name: f"n{i}" for i, name in enumerate(result.order)}


#: Characters that are not text (XML 1.0 forbids them; a line break inside a label is a new statement).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _mermaid_label(text: str) -> str:
    # Mermaid reads entity codes inside quoted labels; quotes, angle brackets and '#' (which starts a
    # code) must be codes, and a line break must not end the line the label is on.
    coded = html.escape(text.replace("#", "#35;"), quote=True).replace("&#x27;", "#39;").replace(
        "&quot;", "#quot;").replace("&lt;", "#lt;").replace("&gt;", "#gt;").replace("&amp;", "#amp;")
    return _CONTROL.sub(" ", re.sub(r"\r\n|[\r\n]", "<br/>", coded))


def to_mermaid(result: ResolvedPipeline, *, ports: bool = True) -> str:
    ids = _ids(result)
    lines = ["flowchart LR"]
    for node in result.nodes:
        label = node.name if node.name == node.step_type else f"{node.name}<br/>{node.step_type}"
        if node.name != node.step_type:
            label = f"{_mermaid_label(node.name)}<br/>{_mermaid_label(node.step_type)}"
        else:
            label = _mermaid_label(label)
        if node.job_type:
            label += f"<br/><i>{_mermaid_label(node.job_type)}</i>"
        shape = ('[["', '"]]') if node.inserted else ('["', '"]')
        lines.append(f"  {ids[node.name]}{shape[0]}{label}{shape[1]}")
    for edge in result.edges:
        text = edge.output if edge.output == edge.dependency else f"{edge.output} → {edge.dependency}"
        if ports:
            lines.append(f'  {ids[edge.source]} -->|"{_mermaid_label(text)}"| {ids[edge.target]}')
        else:
            lines.append(f"  {ids[edge.source]} --> {ids[edge.target]}")
    for source, target in result.order_only:  # runs after, takes no data: dotted, unlabelled
        lines.append(f"  {ids[source]} -.-> {ids[target]}")
    inserted = [ids[n.name] for n in result.nodes if n.inserted]
    if inserted:
        lines.append("  classDef inserted stroke-dasharray: 5 5")
        lines.append(f"  class {','.join(inserted)} inserted")
    return "\n".join(lines) + "\n"


def _dot(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return '"' + _CONTROL.sub(" ", escaped) + '"'


def to_dot(result: ResolvedPipeline) -> str:
    ids = _ids(result)
    lines = [f"digraph {_dot(result.name)} {{", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    for node in result.nodes:
        label = node.name if node.name == node.step_type else f"{node.name}\n{node.step_type}"
        if node.job_type:
            label += f"\n({node.job_type})"
        style = ", style=dashed" if node.inserted else ""
        lines.append(f"  {ids[node.name]} [label={_dot(label)}{style}];")
    for edge in result.edges:
        text = edge.output if edge.output == edge.dependency else f"{edge.output} -> {edge.dependency}"
        lines.append(f"  {ids[edge.source]} -> {ids[edge.target]} [label={_dot(text)}];")
    for source, target in result.order_only:
        lines.append(f"  {ids[source]} -> {ids[target]} [style=dashed, label=\"order only\"];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_text(result: ResolvedPipeline, *, explain: bool = False, color: bool = True) -> str:
    """A readable report; rich markup is rendered by the caller's console."""
    from rich.markup import escape

    status = "[green]resolves[/green]" if result.ok else "[red]does not resolve[/red]"
    inserted = len(result.inserted)
    lines = [f"[bold]{escape(result.name)}[/bold]: {status} — {len(result.nodes)} nodes"
             + (f" ({inserted} inserted)" if inserted else "") + f", {len(result.edges)} edges"]
    if not result.stats.proven_optimal:
        why = ["each input narrowed to its best providers"] if any(
            d.kind == "narrowed" for d in result.diagnostics) else []
        if result.stats.timed_out or not why:
            why.append("time limit reached")
        lines.append(f"[yellow]not proven optimal ({'; '.join(why)})[/yellow]")
    if result.policies:
        lines.append("policies: " + escape(", ".join(result.policies)))
    lines.append("")
    lines.append("[bold]Order[/bold]")
    for i, name in enumerate(result.order, 1):
        node = result.node(name)
        extra = []
        if node.step_type != node.name:
            extra.append(node.step_type)
        if node.job_type:
            extra.append(f"job {node.job_type}")
        if node.inserted:
            extra.append("[cyan]inserted[/cyan]")
        suffix = f"  ({', '.join(escape(e) if 'inserted' not in e else e for e in extra)})" if extra else ""
        lines.append(f"  {i:>2}. {escape(name)}{suffix}")
    lines.append("")
    lines.append("[bold]Edges[/bold]" if result.edges else "[bold]Edges[/bold]: none")
    position = {n: i for i, n in enumerate(result.order)}
    for edge in sorted(result.edges, key=lambda e: (position[e.target], e.dependency)):
        lines.append(f"  {escape(edge.source)}.{escape(edge.output)} → {escape(edge.target)}.{escape(edge.dependency)}")
        if explain:
            for reason in edge.reasons:
                lines.append(f"      [dim]{escape(reason)}[/dim]")
    for source, target in result.order_only:
        lines.append(f"  {escape(source)} → {escape(target)}  [dim](order only: no data)[/dim]")
    if result.diagnostics:
        lines.append("")
        lines.append("[bold]Diagnostics[/bold]")
        for d in result.diagnostics:
            colour = "red" if d.severity == "error" else "yellow"
            lines.append(f"  [{colour}]{d.severity}[/{colour}] [{colour}]{d.kind}[/{colour}]: {escape(d.message)}")
            if d.suggested_fix:
                lines.append(f"      fix: {escape(d.suggested_fix)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- SVG

_SVG_CHAR = 7.2  # average width of a 12 px sans-serif character
_SVG_LINE = 16
_SVG_PAD = 10
_SVG_GAP_X = 60
_SVG_GAP_Y = 24


def _layers(result: ResolvedPipeline) -> dict[str, int]:
    """Each node's column: the longest path of edges that reaches it (0 for a node with no inputs)."""
    inputs: dict[str, set[str]] = {name: set() for name in result.order}
    for source, target in [*result.node_edges(), *result.order_only]:
        inputs[target].add(source)
    layer: dict[str, int] = {}
    for name in result.order:  # topological: every provider comes first
        layer[name] = 1 + max((layer[s] for s in inputs[name] if s in layer), default=-1)
    return layer


def to_svg(result: ResolvedPipeline) -> str:
    """A self-contained SVG of the graph: a layered left-to-right layout, no Graphviz needed.

    Columns are the longest path to each node, rows follow the resolved order; edges are straight
    arrows with the ports they join as a tooltip. Inserted steps are dashed, as in Mermaid and DOT.
    """
    layer = _layers(result)
    labels: dict[str, list[str]] = {}
    for node in result.nodes:
        lines = [node.name] if node.name == node.step_type else [node.name, node.step_type]
        if node.job_type:
            lines.append(f"({node.job_type})")
        labels[node.name] = lines
    width = max((len(line) for lines in labels.values() for line in lines), default=8) * _SVG_CHAR + 2 * _SVG_PAD
    height = max((len(lines) for lines in labels.values()), default=1) * _SVG_LINE + 2 * _SVG_PAD
    rows: dict[int, int] = {}
    box: dict[str, tuple[float, float]] = {}
    for name in result.order:
        column = layer[name]
        row = rows.get(column, 0)
        rows[column] = row + 1
        box[name] = (_SVG_PAD + column * (width + _SVG_GAP_X), _SVG_PAD + row * (height + _SVG_GAP_Y))
    total_w = _SVG_PAD * 2 + (max(layer.values(), default=0) + 1) * (width + _SVG_GAP_X) - _SVG_GAP_X
    total_h = _SVG_PAD * 2 + max(rows.values(), default=1) * (height + _SVG_GAP_Y) - _SVG_GAP_Y
    def esc(text: str) -> str:
        return _CONTROL.sub(" ", html.escape(text))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" height="{total_h:.0f}" '
        f'viewBox="0 0 {total_w:.0f} {total_h:.0f}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f"<title>{esc(result.name)}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    ]
    ports: dict[tuple[str, str], list[str]] = {}
    for edge in result.edges:
        text = edge.output if edge.output == edge.dependency else f"{edge.output} -> {edge.dependency}"
        ports.setdefault((edge.source, edge.target), []).append(text)
    def arrow(source: str, target: str, title: str, dash: str = "") -> str:
        (x1, y1), (x2, y2) = box[source], box[target]
        return (f'<line x1="{x1 + width:.1f}" y1="{y1 + height / 2:.1f}" x2="{x2:.1f}" y2="{y2 + height / 2:.1f}" '
                f'stroke="#555"{dash} marker-end="url(#arrow)"><title>{esc(source)} -> {esc(target)}: '
                f"{esc(title)}</title></line>")

    out.extend(arrow(source, target, ", ".join(texts)) for (source, target), texts in sorted(ports.items()))
    out.extend(arrow(source, target, "order only (no data)", ' stroke-dasharray="4 4"')
               for source, target in result.order_only)
    for node in result.nodes:
        x, y = box[node.name]
        dash = ' stroke-dasharray="5 5"' if node.inserted else ""
        out.append(f'<g class="{"inserted" if node.inserted else "node"}"><rect x="{x:.1f}" y="{y:.1f}" '
                   f'width="{width:.1f}" height="{height:.1f}" rx="6" fill="#f7f7f7" stroke="#333"{dash}/>')
        lines = labels[node.name]
        top = y + (height - len(lines) * _SVG_LINE) / 2 + _SVG_LINE - 4
        for i, line in enumerate(lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            out.append(f'<text x="{x + width / 2:.1f}" y="{top + i * _SVG_LINE:.1f}" text-anchor="middle"'
                       f"{weight}>{esc(line)}</text>")
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
