"""The `intake` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="intake: reads the pages of a mutual-aid medical claim.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
fixtures_app = typer.Typer(help="Synthetic claim documents with ground truth.", no_args_is_help=True)
app.add_typer(fixtures_app, name="fixtures")


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@fixtures_app.command("generate")
def fixtures_generate(
    out: Annotated[Path, typer.Option(help="Folder to write the files and truth.json into.")],
    count: Annotated[int, typer.Option(min=1, help="How many files to write.")] = 72,
    seed: Annotated[int, typer.Option(help="Same seed, same files, byte for byte.")] = 2026,
    layouts: Annotated[str | None, typer.Option(help="Comma-separated layout names (default: all).")] = None,
    families: Annotated[str | None, typer.Option(help="Comma-separated font families (default: all).")] = None,
) -> None:
    """Render claim documents as members upload them, with their truth in truth.json."""
    from tqdm import tqdm

    from intake.synth import corpus

    with tqdm(total=count, unit="file", disable=None) as bar:
        try:
            truth = corpus.generate(
                out, count, seed, layouts=_split(layouts), families=_split(families), progress=bar.update
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
    pages = sum(len(f["pages"]) for f in truth["files"])
    typer.echo(f"wrote {len(truth['files'])} files ({pages} pages) and {corpus.TRUTH_FILE} to {out}")


@fixtures_app.command("layouts")
def fixtures_layouts() -> None:
    """List the document layouts the generator renders."""
    from intake.synth.layouts import load_all

    for name, lay in sorted(load_all().items()):
        typer.echo(f"{name:32} {lay.doc_type:18} {lay.description}")


def main() -> None:  # pragma: no cover - console script entry
    app()
