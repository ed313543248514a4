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


def _fail(message: str) -> None:
    typer.echo(f"intake: {message}", err=True)
    raise typer.Exit(code=2)


def _read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        _fail(f"{path}: cannot read the file ({exc.strerror or exc})")
        raise  # unreachable: _fail exits


@app.command("ocr")
def ocr_command(
    file: Annotated[Path, typer.Argument(help="An image (JPEG, PNG, WebP, TIFF, BMP) or a PDF.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the contract's JSON.")] = False,
    engine: Annotated[str | None, typer.Option(help="rapidocr (default) or paddleocr.")] = None,
    paddle_model_dir: Annotated[
        Path | None, typer.Option(help="For --engine paddleocr: folder made by `intake ocr-models paddle`.")
    ] = None,
) -> None:
    """Read the text lines of every page of a file."""
    import json

    from intake.ocr.config import default_config
    from intake.ocr.engines import EngineError
    from intake.ocr.pipeline import OcrPipeline
    from intake.upload.files import InputError

    data = _read_input(file)
    config = default_config()
    if engine:
        config = config.with_overrides(engine=engine)
    if paddle_model_dir:
        config = config.with_overrides(paddle_model_dir=str(paddle_model_dir))
    try:
        result = OcrPipeline(config).read_file(data, str(file))
    except InputError as exc:
        _fail(str(exc))
        return
    except EngineError as exc:
        _fail(f"OCR engine: {exc}")
        return
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    for page in result.pages:
        turned = f", turned {page.rotation}°" if page.rotation else ""
        typer.echo(f"— page {page.page} ({page.width}×{page.height}{turned}) —")
        for line in page.lines:
            typer.echo(f"{line.confidence:.2f}  {line.text}")
        for seal in page.seals:
            typer.echo(f"[seal {seal.shape}] {seal.text}")


classify_app = typer.Typer(help="Document types: classify files, rebuild the model.", no_args_is_help=True)
app.add_typer(classify_app, name="classify")


@classify_app.command("file")
def classify_file(
    file: Annotated[Path, typer.Argument(help="An image or PDF.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Say which documents a file holds, page by page."""
    import json

    from intake.classify.classifier import Classifier
    from intake.ocr.pipeline import OcrPipeline
    from intake.upload.files import InputError

    data = _read_input(file)
    try:
        classifier = Classifier.load()
        result = OcrPipeline().read_file(data, str(file))
    except (InputError, FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
        return
    docs = classifier.classify(result.pages)
    if as_json:
        rows = [{"doc_type": d.doc_type.value, "confidence": round(d.confidence, 4), "pages": d.pages} for d in docs]
        typer.echo(json.dumps({"filename": file.name, "documents": rows}, ensure_ascii=False))
        return
    for d in docs:
        typer.echo(f"{d.doc_type.value:17} {d.confidence:.2f}  pages {', '.join(map(str, d.pages))}")


from intake.service.commands import keys_app, serve, worker  # noqa: E402  (the HTTP service)

app.add_typer(keys_app, name="keys")
app.command("serve")(serve)
app.command("worker")(worker)


@app.command("process")
def process_command(
    files: Annotated[list[Path], typer.Argument(help="The claim's files: images or PDFs, in upload order.")],
    claim_type: Annotated[
        str | None, typer.Option(help="inpatient, critical_illness, special_disease, female_special or accident.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the contract's JSON.")] = False,
    rules_file: Annotated[
        Path | None, typer.Option("--rules", help="Claim rules (default: $INTAKE_CLAIM_RULES or the packaged file).")
    ] = None,
    registry: Annotated[
        Path | None,
        typer.Option(help="Invoices already claimed (default: INTAKE_REGISTRY; see the README's settings table)."),
    ] = None,
    record: Annotated[
        bool,
        typer.Option("--record/--no-record", help="Remember this claim's invoices, so that their reuse is caught."),
    ] = True,
    claim_id: Annotated[
        str | None, typer.Option(help="Names the claim in the registry (default: derived from the files' bytes).")
    ] = None,
) -> None:
    """Run the whole pipeline on local files as one claim: documents, fields and completeness."""
    import hashlib
    import json

    from tqdm import tqdm

    from intake.check.claim_rules import RulesError, load_rules
    from intake.check.invoice_registry import LocalInvoiceRegistry, RegistryError
    from intake.check.report import render_text
    from intake.claim_reader import ClaimReader
    from intake.settings import Settings, SettingsError
    from intake.upload.files import InputError

    try:
        settings = Settings.load()
        reader = ClaimReader(settings, load_rules(rules_file) if rules_file else None)
    except (RulesError, SettingsError) as exc:
        _fail(str(exc))
        return
    chosen = claim_type or reader.rules.default_claim_type
    if chosen not in reader.rules.claim_types:
        _fail(f"--claim-type {chosen}: unknown claim type (known: {', '.join(reader.rules.claim_types)})")
    inputs = [(str(path), _read_input(path)) for path in files]
    decoded = []
    for name, data in inputs:
        try:
            # Every page decoded before any model loads: an empty, foreign, oversized or damaged
            # file is refused in well under a second, and the pages are not decoded twice.
            decoded.append(reader.decode(data, name))
        except InputError as exc:
            _fail(str(exc))
    # The same files make the same claim, in any order: re-running a claim never finds its own
    # invoices "already claimed", while the same invoice in another set of files is a duplicate.
    digest = hashlib.sha256("".join(sorted(hashlib.sha256(d).hexdigest() for _, d in inputs)).encode())
    cid = claim_id or f"cli-{digest.hexdigest()[:16]}"
    reg = LocalInvoiceRegistry(registry or settings.registry_path)
    with tqdm(total=len(inputs), unit="file", desc="reading", disable=None) as bar:
        started: list[str] = []

        def progress(name: str) -> None:
            if started:
                bar.update(1)
            started.append(name)
            bar.set_postfix_str(Path(name).name)

        try:
            result = reader.read_claim(inputs, chosen, reg, cid, record=record, progress=progress, decoded=decoded)
        except InputError as exc:
            _fail(str(exc))
            return
        except RegistryError as exc:
            _fail(str(exc))
            return
        except (FileNotFoundError, ValueError) as exc:
            _fail(f"cannot load the models: {exc}")
            return
        bar.update(len(inputs) - bar.n)
    out = result.to_json()
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(render_text(out, reader.rules, cid))


ocr_models_app = typer.Typer(help="Local model folders for the OCR engines.", no_args_is_help=True)
app.add_typer(ocr_models_app, name="ocr-models")


@ocr_models_app.command("paddle")
def ocr_models_paddle(
    out: Annotated[Path, typer.Option(help="Folder to write det/, rec/ and textline_ori/ into.")],
) -> None:
    """Build the paddleocr engine's model folders from the ONNX files the rapidocr wheel ships."""
    from intake.ocr.engines import EngineError
    from intake.ocr.paddle_models import build_model_dir

    try:
        folder = build_model_dir(out)
    except (EngineError, OSError, ValueError) as exc:
        _fail(f"cannot build the paddleocr model folders: {exc}")
        return
    typer.echo(f"wrote {folder}; use it with engine: paddleocr and paddle_model_dir: {folder.resolve()}")


def _lab_commands() -> None:
    """Commands other installed packages add (intake_lab's `fixtures` and `classify train`), found
    through the `intake.commands` entry point so that the runtime never imports them."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="intake.commands"):
        try:
            register = ep.load()
        except ImportError:  # a plugin whose own dependencies are not installed
            continue
        register(app)


_lab_commands()


def main() -> None:  # pragma: no cover - console script entry
    app()
