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


@fixtures_app.command("layouts")
def fixtures_layouts() -> None:
    """List the document layouts the generator renders."""
    from intake_lab.synth.layouts import load_all

    for name, lay in sorted(load_all().items()):
        typer.echo(f"{name:32} {lay.doc_type:18} {lay.description}")


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


@classify_app.command("train")
def classify_train(
    out: Annotated[Path, typer.Option(help="Folder to write the model and its card into.")] = Path("models"),
    workdir: Annotated[Path, typer.Option(help="Where generated corpora and their OCR cache live.")] = Path(
        "var/classify"
    ),
    count: Annotated[int, typer.Option(min=20, help="Training files to generate.")] = 400,
    test_count: Annotated[int, typer.Option(min=10, help="Files in each held-out test corpus.")] = 120,
    seed: Annotated[int, typer.Option()] = 7,
    corrections: Annotated[
        Path | None, typer.Option(help="Reviewer corrections exported by the service (JSON lines).")
    ] = None,
) -> None:
    """Rebuild models/doc_type.skops from generated pages (and corrections); print its figures."""
    from tqdm import tqdm

    from intake_lab.train.doc_types import summary, train

    bars: dict[str, tqdm] = {}

    def progress(name: str, done: int, total: int) -> None:
        bar = bars.get(name) or bars.setdefault(name, tqdm(total=total, desc=f"OCR {name}", unit="file"))
        bar.update(done - bar.n)

    try:
        card = train(
            out, workdir, count=count, test_count=test_count, seed=seed, corrections=corrections, progress=progress
        )
    except ValueError as exc:
        _fail(str(exc))
        return
    for bar in bars.values():
        bar.close()
    typer.echo(summary(card))
    typer.echo(f"wrote {out}")


@classify_app.command("file")
def classify_file(
    file: Annotated[Path, typer.Argument(help="An image or PDF.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Say which documents a file holds, page by page."""
    import json

    from intake.classify import Classifier
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
    rows = [{"doc_type": d.doc_type.value, "confidence": round(d.confidence, 4), "pages": d.pages} for d in docs]
    if as_json:
        typer.echo(json.dumps({"filename": file.name, "documents": rows}, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(f"{r['doc_type']:17} {r['confidence']:.2f}  pages {', '.join(map(str, r['pages']))}")


from intake.service.commands import keys_app, serve  # noqa: E402  (the HTTP service, issue #7)

app.add_typer(keys_app, name="keys")
app.command("serve")(serve)


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
        typer.Option(help="Invoices already claimed (default: $INTAKE_DATA_DIR/invoices.json, ~/.local/share/intake)."),
    ] = None,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Remember this claim's invoices when it is complete.")
    ] = True,
    claim_id: Annotated[
        str | None, typer.Option(help="Names the claim in the registry (default: derived from the files' bytes).")
    ] = None,
) -> None:
    """Run the whole pipeline on local files as one claim: documents, fields and completeness."""
    import hashlib
    import json

    from tqdm import tqdm

    from intake.check.checks import check_claim
    from intake.check.claim_rules import RulesError, load_rules
    from intake.check.invoice_registry import LocalInvoiceRegistry, RegistryError, invoice_keys
    from intake.check.report import render_text
    from intake.process import Processor
    from intake.upload.files import InputError

    try:
        rules = load_rules(rules_file)
    except RulesError as exc:
        _fail(str(exc))
        return
    chosen = claim_type or rules.default_claim_type
    if chosen not in rules.claim_types:
        _fail(f"--claim-type {chosen}: unknown claim type (known: {', '.join(rules.claim_types)})")
    inputs = [(path, _read_input(path)) for path in files]
    # The same files make the same claim, in any order: re-running a claim never finds its own
    # invoices "already claimed", while the same invoice in another set of files is a duplicate.
    digest = hashlib.sha256("".join(sorted(hashlib.sha256(d).hexdigest() for _, d in inputs)).encode())
    cid = claim_id or f"cli-{digest.hexdigest()[:16]}"
    try:
        processor = Processor()
    except (FileNotFoundError, ValueError) as exc:
        _fail(f"cannot load the models: {exc}")
        return
    documents = []
    with tqdm(total=len(inputs), unit="file", desc="reading", disable=None) as bar:
        for path, data in inputs:
            bar.set_postfix_str(path.name)
            try:
                documents.extend(processor.process_file(data, str(path)).documents)
            except InputError as exc:
                _fail(str(exc))
            bar.update(1)
    for n, doc in enumerate(documents, 1):
        doc.id = str(n)
    reg = LocalInvoiceRegistry(registry)
    try:
        completeness = check_claim(chosen, documents, rules, reg, cid)
        if record and completeness.complete:
            reg.record([k for d in documents for k in invoice_keys(d)], cid)
    except RegistryError as exc:
        _fail(str(exc))
        return
    out = {
        "claim_type": chosen,
        "documents": [d.to_json() for d in documents],
        "completeness": completeness.to_json(),
    }
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    typer.echo(render_text(out, rules, cid))


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


def main() -> None:  # pragma: no cover - console script entry
    app()
