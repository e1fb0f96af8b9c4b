"""Drawing pipelines and runs: graphs (Mermaid, DOT, SVG) and the notebook HTML displays."""

from pypedream.views.graph import to_dot, to_mermaid, to_svg

__all__ = ["to_dot", "to_mermaid", "to_svg"]
