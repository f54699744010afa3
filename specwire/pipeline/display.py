"""How a `Pipeline` shows itself: the explained plan, its graph, and its notebook view."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from specwire.errors import BadInputError, SpecwireError

if TYPE_CHECKING:
    from specwire.pipeline.api import Pipeline


def explain(pipeline: Pipeline, *, width: int = 100) -> str:
    """The plan as `specwire resolve --explain` prints it, with what the API decided on top."""
    from specwire.plan import render

    result = pipeline.resolve()
    text = plain_text(render.to_text(result, explain=True), width)
    notes = list(pipeline._notes)
    inserted = [n.name for n in result.inserted]
    if inserted:
        notes.append("gap filling: the engine inserted " + ", ".join(inserted)
                     + " (marked 'inserted' below; the reasons follow each edge)")
    if not notes:
        return text
    return "\n".join(["Plan", *(f"  - {n}" for n in notes), "", text])


def graph(pipeline: Pipeline, fmt: Literal["mermaid", "dot", "svg", "text"] = "mermaid") -> str:
    """The resolved graph as Mermaid, Graphviz DOT, SVG or text."""
    from specwire.plan import render

    result = pipeline.resolve()
    if fmt == "mermaid":
        return render.to_mermaid(result)
    if fmt == "dot":
        return render.to_dot(result)
    if fmt == "svg":
        return render.to_svg(result)
    if fmt == "text":
        return plain_text(render.to_text(result), 100)
    raise BadInputError(f"unknown graph format {fmt!r}", suggested_fix="use mermaid, dot, svg or text")


def mimebundle(pipeline: Pipeline, include: Any = None, exclude: Any = None) -> dict[str, str]:
    """In a notebook: the resolved graph drawn as SVG (Markdown with Mermaid for viewers without HTML),
    and the plan as text."""
    try:
        result = pipeline.resolve()
        from specwire.plan import render

        status = "resolves" if result.ok else "does not resolve"
        mermaid = render.to_mermaid(result)
        problems = "".join(f"\n- **{d.severity}** {d.message}" for d in result.diagnostics
                           if d.severity == "error")
        markdown = f"**{pipeline.name}** — {status}, {len(result.nodes)} steps\n\n```mermaid\n{mermaid}```\n"
        if problems:
            markdown += problems + "\n"
        return {"text/html": result._repr_html_(), "image/svg+xml": result._repr_svg_(),
                "text/markdown": markdown, "text/plain": plain_text(render.to_text(result), 100)}
    except SpecwireError as exc:
        return {"text/plain": f"{pipeline!r}\nerror: {exc}"}


def plain_text(markup: str, width: int) -> str:
    """Rich markup as plain text, the way the CLI's console renders it without colour."""
    import io

    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False, soft_wrap=True,
                      force_terminal=False)
    console.print(markup)
    return buffer.getvalue().rstrip("\n") + "\n"
