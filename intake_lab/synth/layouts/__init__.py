"""Document layouts: one module per family of real forms, each registering its renderers.

A renderer takes a Case, a Style and a random.Random and returns a SynthDocument whose pages are
drawn and whose fields carry the truth. LAYOUTS maps a layout name to its doc_type and renderer.
"""

from collections.abc import Callable
from dataclasses import dataclass

from intake.vocabulary import DocType

from .base import Renderer, Style

__all__ = ["LAYOUTS", "Layout", "Renderer", "Style", "register"]


@dataclass(frozen=True)
class Layout:
    name: str
    doc_type: DocType
    render: Renderer
    description: str


LAYOUTS: dict[str, Layout] = {}


def register(name: str, doc_type: DocType, description: str) -> Callable[[Renderer], Renderer]:
    def deco(fn: Renderer) -> Renderer:
        if name in LAYOUTS:
            raise ValueError(f"layout {name} registered twice")
        LAYOUTS[name] = Layout(name, doc_type, fn, description)
        return fn

    return deco


def load_all() -> dict[str, Layout]:
    """Import every layout module so that its @register calls run."""
    import importlib
    import pkgutil

    for mod in pkgutil.iter_modules(__path__):
        if mod.name != "base":
            importlib.import_module(f"{__name__}.{mod.name}")
    return LAYOUTS
