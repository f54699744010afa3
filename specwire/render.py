"""Resolved pipelines as text, Mermaid and Graphviz DOT.

Every name is treated as data: Mermaid and DOT get node ids of their own (`n0`, `n1`, ...) and
labels escaped for their syntax, so a step called `a"]; evil` stays a label.
"""

from __future__ import annotations

import html

from specwire.engine.result import ResolvedPipeline


def _ids(result: ResolvedPipeline) -> dict[str, str]:
    return {name: f"n{i}" for i, name in enumerate(result.order)}


def _mermaid_label(text: str) -> str:
    # Mermaid reads entity codes inside quoted labels; quotes and angle brackets must be codes.
    return html.escape(text, quote=True).replace("&#x27;", "#39;").replace("&quot;", "#quot;").replace(
        "&lt;", "#lt;").replace("&gt;", "#gt;").replace("&amp;", "#amp;")


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
    inserted = [ids[n.name] for n in result.nodes if n.inserted]
    if inserted:
        lines.append("  classDef inserted stroke-dasharray: 5 5")
        lines.append(f"  class {','.join(inserted)} inserted")
    return "\n".join(lines) + "\n"


def _dot(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


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
        lines.append("[yellow]not proven optimal (time limit reached)[/yellow]")
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
    if result.diagnostics:
        lines.append("")
        lines.append("[bold]Diagnostics[/bold]")
        for d in result.diagnostics:
            colour = "red" if d.severity == "error" else "yellow"
            lines.append(f"  [{colour}]{d.severity}[/{colour}] [{colour}]{d.kind}[/{colour}]: {escape(d.message)}")
            if d.suggested_fix:
                lines.append(f"      fix: {escape(d.suggested_fix)}")
    return "\n".join(lines)
