"""The lab's commands, added to the `intake` command line through the `intake.commands` entry point:
`intake fixtures generate|layouts|forms`, `intake classify train` and `intake train fields`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

fixtures_app = typer.Typer(help="Synthetic claim documents with ground truth.", no_args_is_help=True)


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

    from intake_lab.synth import corpus

    with tqdm(total=count, unit="file", disable=None) as bar:
        try:
            truth = corpus.generate(
                out, count, seed, layouts=_split(layouts), families=_split(families), progress=bar.update
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
    pages = sum(len(f["pages"]) for f in truth["files"])
    typer.echo(f"wrote {len(truth['files'])} files ({pages} pages) and {corpus.TRUTH_FILE} to {out}")


@fixtures_app.command("forms")
def fixtures_forms(
    out: Annotated[Path, typer.Option(help="Folder to write the files and truth.json into.")],
    count: Annotated[int, typer.Option(min=1, help="How many files to write.")] = 400,
    seed: Annotated[int, typer.Option(help="Same seed, split and index, same file, byte for byte.")] = 1,
    split: Annotated[str, typer.Option(help="Form families to draw from: train, heldout or all.")] = "train",
    doc_types: Annotated[str | None, typer.Option(help="Comma-separated document types (default: all five).")] = None,
) -> None:
    """Render documents from form families (wordings, arrangements, letter phrasings) of one split."""
    from tqdm import tqdm

    from intake_lab.synth.forms import corpus

    with tqdm(total=count, unit="file", disable=None) as bar:
        try:
            truth = corpus.generate(out, count, seed, split=split, doc_types=_split(doc_types), progress=bar.update)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
    pages = sum(len(f["pages"]) for f in truth["files"])
    typer.echo(
        f"wrote {len(truth['files'])} files ({pages} pages) from {len(truth['form_families'])} {split} form families "
        f"and truth.json to {out}"
    )


@fixtures_app.command("form-families")
def fixtures_form_families() -> None:
    """List the form families per document type with their split (train or heldout)."""
    from intake_lab.synth.forms.spec import families

    for fam in families():
        typer.echo(f"{fam.doc_type:18} {fam.split:8} {fam.name:20} {fam.kind:12} {fam.get('about', '')}")


@fixtures_app.command("layouts")
def fixtures_layouts() -> None:
    """List the document layouts the generator renders."""
    from intake_lab.synth.layouts import load_all

    for name, lay in sorted(load_all().items()):
        typer.echo(f"{name:32} {lay.doc_type:18} {lay.description}")


def classify_train(
    out: Annotated[Path, typer.Option(help="Folder to write the model and its card into.")] = Path("models"),
    workdir: Annotated[Path, typer.Option(help="Where generated corpora and their OCR cache live.")] = Path(
        "var/classify"
    ),
    count: Annotated[int, typer.Option(min=20, help="Training files to generate.")] = 400,
    test_count: Annotated[int, typer.Option(min=10, help="Files in each held-out test corpus.")] = 120,
    seed: Annotated[int, typer.Option()] = 7,
    forms_count: Annotated[
        int, typer.Option(min=0, help="Files of the training form families (and half as many held-out ones).")
    ] = 160,
    corrections: Annotated[
        Path | None, typer.Option(help="Reviewer corrections exported by the service (JSON lines).")
    ] = None,
) -> None:
    """Rebuild models/doc_type.npz (and its card) from generated pages (and corrections); print its figures."""
    from tqdm import tqdm

    from intake_lab.train.doc_types import summary, train

    bars: dict[str, tqdm] = {}

    def progress(name: str, done: int, total: int) -> None:
        bar = bars.get(name) or bars.setdefault(name, tqdm(total=total, desc=f"OCR {name}", unit="file"))
        bar.update(done - bar.n)

    try:
        card = train(
            out,
            workdir,
            count=count,
            test_count=test_count,
            seed=seed,
            forms_count=forms_count,
            corrections=corrections,
            progress=progress,
        )
    except ValueError as exc:
        typer.echo(f"intake: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    for bar in bars.values():
        bar.close()
    typer.echo(summary(card))
    typer.echo(f"wrote {out}")


train_app = typer.Typer(help="Rebuild the trained models in models/.", no_args_is_help=True)


@train_app.command("fields")
def train_fields(
    out: Annotated[Path, typer.Option(help="Folder to write fields.npz and fields.json into.")] = Path("models"),
    workdir: Annotated[Path, typer.Option(help="Where the drawn training documents are cached.")] = Path("var/fields"),
    count: Annotated[int, typer.Option(min=50, help="Documents drawn from the training form families.")] = 900,
    old_count: Annotated[int, typer.Option(min=0, help="Documents drawn from intake's own layouts.")] = 150,
    seed: Annotated[int, typer.Option()] = 7,
    corrections: Annotated[
        Path | None,
        typer.Option(help="Reviewer field corrections exported by the service (/v1/review/field-corrections.jsonl)."),
    ] = None,
) -> None:
    """Rebuild models/fields.* (the learned field scorer) from training form families only."""
    from intake_lab.train.fields import summary, train

    if corrections is not None and not corrections.is_file():
        typer.echo(f"intake: {corrections}: no such file", err=True)
        raise typer.Exit(code=2)
    try:
        card = train(out, workdir, count=count, old_count=old_count, seed=seed, corrections=corrections, log=typer.echo)
    except ValueError as exc:
        typer.echo(f"intake: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(summary(card))


def register(app: typer.Typer) -> None:
    app.add_typer(fixtures_app, name="fixtures")
    app.add_typer(train_app, name="train")
    for group in app.registered_groups:
        if group.name == "classify" and group.typer_instance is not None:
            group.typer_instance.command("train")(classify_train)
