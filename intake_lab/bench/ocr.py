"""OCR benchmark over a labelled corpus: accuracy, verbatim values, speed and memory.

    .venv/bin/python intake_lab/bench/ocr.py [--corpus fixtures/sample] [--limit N] [--peers rapidocr,paddle,tesseract]
    .venv/bin/python intake_lab/bench/ocr.py --startup [--runs 5]     # cold starts, whole processes
    .venv/bin/python intake_lab/bench/ocr.py --service [--runs 3]     # 4-page bundle vs one page, over HTTP
    .venv/bin/python intake_lab/bench/ocr.py --parallel [--runs 3]    # the bundle's pages: one vs two at once

Prints one table: for each configuration (the full pipeline, each preprocessing step switched
off, and the peers on the same pages), clean and degraded pages separately:
  chars  character accuracy, 1 - CER against the truth text (whitespace ignored)
  values share of the truth field values found verbatim in the page's OCR text
  s/page median wall seconds per page
  cpu    median CPU seconds per page (time.process_time: all the process's threads; for tesseract
         its child processes' user + system time). On a machine shared with other work the wall
         time mostly measures the wait for a core; compare CPU seconds, and ratios within one run.
Then peak RSS of the process that ran the configuration.
Each configuration runs in its own process so that its memory peak is its own. "intake whole
reading" is what a member waits for per page: OCR, classification and extraction (ClaimReader).
"rapidocr defaults" runs the same PP-OCRv6 files through RapidOCR() as it comes. Ratios compare
median seconds per page. The machine's load average is printed with the figures: on a machine
shared with other work, every time is longer than on an idle one.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
from rapidfuzz.distance import Levenshtein

REPO = Path(__file__).resolve().parents[2]
WS = re.compile(r"\s+")

VARIANTS: dict[str, dict[str, Any]] = {
    "intake (all steps)": {},
    "  without red suppression": {"red_suppression": False},
    "  without orientation": {"orientation": False},
    "  without deskew": {"deskew": False},
    "  deskew detecting again": {"deskew_redetect": True},
    "  without perspective": {"perspective": False},
    "  det at 1280 px": {"det_max_side": 1280},
    "  line crops padded to 320": {"rec_min_width": 320},
    "  one recognition session": {"rec_workers": 1},
    "  det at 800 px": {"det_max_side": 800},
    "  det at 640 px": {"det_max_side": 640},
}


@dataclass
class PageJob:
    file: str
    page: int
    degraded: bool
    kinds: tuple[str, ...]
    text: str
    values: list[str]


def jobs(corpus: Path, limit: int | None) -> list[PageJob]:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    out = []
    for f in truth["files"][:limit]:
        for p in f["pages"]:
            values = []
            for d in f["documents"]:
                for name, fld in d["fields"].items():
                    if fld["page"] != p["page"] or name == "seal":
                        continue
                    if name == "diagnoses":
                        values += [dx["text"] for dx in fld["value"]]
                    else:
                        values.append(fld["source_text"])
            kinds = tuple(k.split(":")[0] for k in p["degradations"])
            out.append(PageJob(f["file"], p["page"], bool(kinds), kinds, p["text"], values))
    return out


def score(job: PageJob, text: str) -> tuple[float, float]:
    truth = WS.sub("", job.text)
    got = WS.sub("", text)
    cer = Levenshtein.distance(truth, got) / max(len(truth), 1)
    found = sum(1 for v in job.values if WS.sub("", v) in got)
    return max(0.0, 1 - cer), found / len(job.values) if job.values else 1.0


# degraded, chars, values, wall s, degradations, CPU s, file:page
Row = tuple[bool, float, float, float, tuple[str, ...], float, str]


def _row(job: PageJob, text: str, wall: float, cpu: float) -> Row:
    """One page's result, as every configuration reports it (the times taken before scoring)."""
    return (job.degraded, *score(job, text), wall, job.kinds, cpu, f"{job.file}:{job.page}")


def _pages(corpus: Path, todo: list[PageJob]) -> Iterator[tuple[PageJob, Any]]:
    """Each job with its page image, loading one file at a time so the benchmark's own memory
    does not swamp the peak it reports."""
    from intake.upload.files import load_pages

    current: tuple[str, list[Any]] | None = None
    for j in todo:
        if current is None or current[0] != j.file:
            current = (j.file, load_pages((corpus / j.file).read_bytes(), j.file)[1])
        yield j, current[1][j.page - 1]


def run_intake(corpus: Path, todo: list[PageJob], overrides: dict[str, Any], q: Any) -> None:
    from intake.ocr.config import default_config
    from intake.ocr.pipeline import OcrPipeline

    pipe = OcrPipeline(default_config().with_overrides(**overrides))
    rows = []
    steps: dict[str, list[float]] = {}
    for j, image in _pages(corpus, todo):
        t, c = time.perf_counter(), time.process_time()
        page = pipe.read_page(image, j.page)
        rows.append(_row(j, page.text, time.perf_counter() - t, time.process_time() - c))
        for k, v in page.timings.items():
            steps.setdefault(k, []).append(v)
    q.put((rows, {k: statistics.median(v) for k, v in steps.items()}, _rss_mb()))


def run_whole(corpus: Path, todo: list[PageJob], overrides: dict[str, Any], q: Any) -> None:
    """OCR, classification and extraction per file, as `intake process` and the service read it;
    a file's time is shared out over its pages."""
    from intake.claim_reader import ClaimReader

    reader = ClaimReader()
    reader.load()
    rows = []
    by_file: dict[str, list[PageJob]] = {}
    for j in todo:
        by_file.setdefault(j.file, []).append(j)
    for name, file_jobs in by_file.items():
        data = (corpus / name).read_bytes()
        t, c = time.perf_counter(), time.process_time()
        result = reader.read_file(data, name)
        n = max(len(result.ocr.pages), 1)
        per_page, cpu = (time.perf_counter() - t) / n, (time.process_time() - c) / n
        pages = {p.page: p for p in result.ocr.pages}
        for j in file_jobs:
            text = pages[j.page].text if j.page in pages else ""
            rows.append(_row(j, text, per_page, cpu))
    q.put((rows, {}, _rss_mb()))


def run_rapidocr(corpus: Path, todo: list[PageJob], overrides: dict[str, Any], q: Any) -> None:
    """RapidOCR() with its own defaults (PP-OCRv6 small from its wheel, its resize and its line
    classifier on every line): what a developer gets from the library out of the box."""
    from rapidocr import RapidOCR

    from intake.ocr.engines.rapid import model_paths

    paths = model_paths()
    engine = RapidOCR(
        params={
            "Global.log_level": "error",
            "Det.model_path": str(paths["det"]),
            "Rec.model_path": str(paths["rec"]),
            "Cls.model_path": str(paths["cls"]),
        }
    )
    rows = []
    for j, image in _pages(corpus, todo):
        t, c = time.perf_counter(), time.process_time()
        out = engine(image)
        text = "\n".join(getattr(out, "txts", None) or ())
        rows.append(_row(j, text, time.perf_counter() - t, time.process_time() - c))
    q.put((rows, {}, _rss_mb()))


def run_paddle(corpus: Path, todo: list[PageJob], overrides: dict[str, Any], q: Any) -> None:
    from intake.ocr.config import default_config
    from intake.ocr.engines.paddle import PaddleEngine
    from intake.ocr.order import reading_order
    from intake.ocr.paddle_models import build_model_dir

    model_dir = build_model_dir(Path(tempfile.mkdtemp(prefix="paddle-models-")))
    engine = PaddleEngine(default_config().with_overrides(engine="paddleocr", paddle_model_dir=str(model_dir)))
    rows = []
    for j, image in _pages(corpus, todo):
        t, c = time.perf_counter(), time.process_time()
        text = "\n".join(ln.text for ln in reading_order(engine.read(image)))
        rows.append(_row(j, text, time.perf_counter() - t, time.process_time() - c))
    q.put((rows, {}, _rss_mb()))


def run_tesseract(corpus: Path, todo: list[PageJob], overrides: dict[str, Any], q: Any) -> None:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # its default threading is 5x slower on 2 cores
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for j, image in _pages(corpus, todo):
            path = Path(tmp) / "page.png"
            cv2.imwrite(str(path), image)
            t, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            res = subprocess.run(
                ["tesseract", str(path), "stdout", "-l", "chi_sim", "--psm", "3"],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            rows.append(_row(j, res.stdout, time.perf_counter() - t, cpu))
    q.put((rows, {}, _rss_mb()))


def _rss_mb() -> float:
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(self_kb, child_kb) / 1024


def in_process(fn: Any, corpus: Path, todo: list[PageJob], overrides: dict[str, Any]) -> Any:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=fn, args=(corpus, todo, overrides, q))
    p.start()
    result = q.get()
    p.join()
    return result


class _Collect:
    item: Any = None

    def put(self, item: Any) -> None:
        self.item = item


def in_other_python(python: str, args: argparse.Namespace) -> Any:
    cmd = [python, __file__, "--as-peer", "paddle", "--corpus", str(args.corpus)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    rows, steps, rss = json.loads(res.stdout.strip().splitlines()[-1])
    return [(r[0], r[1], r[2], r[3], tuple(r[4]), r[5], r[6]) for r in rows], steps, rss


ONE_LINER = "import sys; from rapidocr import RapidOCR; print(len(RapidOCR()(sys.argv[1]).txts or ()))"
STARTUP_PAGE = REPO / "fixtures" / "sample" / "0004-invoice_electronic-clean.png"
BUNDLE = REPO / "fixtures" / "sample" / "0071-bundle-pdf_bundle.pdf"  # 4 pages: invoice, settlement, discharge


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} CPUs"


def _timed_process(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds (user + system), peak RSS in MB and exit code of one whole process.

    On a loaded machine the wall time mostly measures the wait for a core; the CPU time does not."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - t, cpu, usage.ru_maxrss / 1024, proc.returncode


def startup(runs: int) -> None:
    """Cold starts, each a whole new process: what a user of `intake process` waits for."""
    tmp = Path(tempfile.mkdtemp(prefix="intake-startup-"))
    (tmp / "empty.png").write_bytes(b"")
    (tmp / "cut.jpg").write_bytes(
        STARTUP_PAGE.with_name("0026-invoice_paper_shanghai-clean_jpeg.jpg").read_bytes()[:3000]
    )
    (tmp / "notes.png").write_bytes(b"not an image at all\n")
    env = {**os.environ, "INTAKE_DATA_DIR": str(tmp / "data")}
    intake = str(Path(sys.executable).with_name("intake"))
    page = str(STARTUP_PAGE)
    cases = {
        "intake --help": [intake, "--help"],
        "intake process: empty file": [intake, "process", str(tmp / "empty.png")],
        "intake process: not an image": [intake, "process", str(tmp / "notes.png")],
        "intake process: truncated JPEG": [intake, "process", str(tmp / "cut.jpg")],
        "intake process: one page": [intake, "process", page, "--json", "--no-record"],
        "one-line rapidocr script, same page": [sys.executable, "-c", ONE_LINER, page],
    }
    print(f"cold starts, {runs} runs each: median (min-max) wall seconds, median CPU seconds, peak RSS; {_load()}")
    wall, cpu = {}, {}
    for name, cmd in cases.items():
        got = [_timed_process(cmd, env) for _ in range(runs)]
        secs = [g[0] for g in got]
        wall[name], cpu[name] = statistics.median(secs), statistics.median(g[1] for g in got)
        print(
            f"  {name:38} {wall[name]:6.2f} s ({min(secs):.2f}-{max(secs):.2f})  CPU {cpu[name]:5.2f} s"
            f"  {max(g[2] for g in got):5.0f} MB  exit {got[-1][3]}",
            flush=True,
        )
    one, script = "intake process: one page", "one-line rapidocr script, same page"
    print(
        f"  intake process / one-line rapidocr script: wall {wall[one] / wall[script]:.2f}x,"
        f" CPU {cpu[one] / cpu[script]:.2f}x   ({_load()})"
    )


def parallel(runs: int) -> None:
    """The 4-page bundle's OCR with one page at a time and two at once, on one engine, the runs
    interleaved (1, 2, 2, 1, ...) so that a change in the machine's load falls on both alike."""
    from intake.ocr.config import default_config
    from intake.ocr.engines import create_engine
    from intake.ocr.pipeline import OcrPipeline
    from intake.upload.files import open_file

    cfg = default_config()
    engine = create_engine(cfg)
    pipes = {w: OcrPipeline(cfg, engine, page_workers=w, memory_budget_mb=1024) for w in (1, 2)}
    pages = list(open_file(BUNDLE.read_bytes(), BUNDLE.name).pages())
    pipes[1].read_pages(pages[:1])  # ONNX Runtime's first run, outside the timing
    print(f"{BUNDLE.name}, {len(pages)} pages, OCR only, {runs} runs each; {_load()}")
    got: dict[int, list[float]] = {1: [], 2: []}
    order = [w for i in range(runs) for w in ((1, 2) if i % 2 == 0 else (2, 1))]
    for w in order:
        t = time.perf_counter()
        pipes[w].read_pages(pages)
        got[w].append(time.perf_counter() - t)
        print(f"  page_workers {w}: {got[w][-1]:6.1f} s   ({_load()})", flush=True)
    one, two = statistics.median(got[1]), statistics.median(got[2])
    print(f"  median: one at a time {one:.1f} s, two at once {two:.1f} s ({two / one:.2f}x)")
    print(f"  peak RSS {_rss_mb():.0f} MB")


def service(runs: int, page_workers: list[int]) -> None:
    """Upload to result through the HTTP service: the 4-page bundle against one page."""
    import httpx

    from intake.settings import Settings
    from intake_lab.bench.service import start, wait_done

    print(f"service, upload to result, median of {runs} runs (OCR cache off); {_load()}")
    for workers in page_workers:
        tmp = Path(tempfile.mkdtemp(prefix="intake-bench-"))
        settings = Settings(data_dir=tmp, poll_seconds=0.05, page_workers=workers, ocr_cache_pages=0)
        base, headers, server = start(settings)
        times: dict[str, list[float]] = {}
        with httpx.Client(timeout=600) as c:
            plan = [("warm-up", STARTUP_PAGE)] + [("one page", STARTUP_PAGE), ("4-page bundle", BUNDLE)] * runs
            for label, path in plan:
                claim = c.post(f"{base}/v1/claims", json={"claim_type": "inpatient"}, headers=headers).json()
                t = time.perf_counter()
                r = c.post(
                    f"{base}/v1/claims/{claim['id']}/documents",
                    files={"file": (path.name, path.read_bytes())},
                    headers=headers,
                )
                status = wait_done(c, base, headers, r.json()["id"])
                if status != "done":
                    raise RuntimeError(f"{path.name}: {status}")
                times.setdefault(label, []).append(time.perf_counter() - t)
        server.should_exit = True
        one, bundle = statistics.median(times["one page"]), statistics.median(times["4-page bundle"])
        print(
            f"  page_workers {workers}: one page {one:5.2f} s, 4-page bundle {bundle:5.2f} s"
            f" = {bundle / one:.2f}x one page   ({_load()})",
            flush=True,
        )


def summarize(rows: list[Row], degraded: bool | None = None, kind: str | None = None) -> str:
    sel = [r for r in rows if (degraded is None or r[0] == degraded) and (kind is None or kind in r[4])]
    if not sel:
        return f"{'-':>6} {'-':>6} {'-':>6} {'-':>5}"
    chars = statistics.mean(r[1] for r in sel)
    values = statistics.mean(r[2] for r in sel)
    secs = statistics.median(r[3] for r in sel)
    cpu = statistics.median(r[5] for r in sel)
    return f"{chars:6.3f} {values:6.3f} {secs:6.2f} {cpu:5.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=REPO / "fixtures" / "sample")
    ap.add_argument("--limit", type=int, default=None, help="only the first N files")
    ap.add_argument("--kinds", default=None, help="only pages with one of these degradations (e.g. skew,photo)")
    ap.add_argument(
        "--peers", default="rapidocr,paddle,tesseract", help="comma-separated: rapidocr, paddle, tesseract, or none"
    )
    ap.add_argument("--startup", action="store_true", help="measure cold starts of whole processes instead")
    ap.add_argument("--service", action="store_true", help="measure the service's 4-page bundle instead")
    ap.add_argument("--parallel", action="store_true", help="the bundle's pages one at a time against two at once")
    ap.add_argument("--runs", type=int, default=5, help="for --startup and --service")
    ap.add_argument("--page-workers", default="1,2", help="for --service: the INTAKE_PAGE_WORKERS to compare")
    ap.add_argument(
        "--paddle-python",
        default=None,
        help="python of a venv with paddleocr installed (it cannot share intake's venv); default: this one",
    )
    ap.add_argument("--as-peer", default=None, help=argparse.SUPPRESS)
    ap.add_argument(
        "--variants",
        default=",".join(str(i) for i in range(len(VARIANTS))),
        help="indexes into the variant list (0 = full pipeline)",
    )
    args = ap.parse_args()
    if args.startup:
        startup(args.runs)
        return
    if args.service:
        service(args.runs, [int(w) for w in args.page_workers.split(",")])
        return
    if args.parallel:
        parallel(args.runs)
        return
    todo = jobs(args.corpus, args.limit)
    if args.kinds:
        wanted = set(args.kinds.split(","))
        todo = [j for j in todo if wanted & set(j.kinds)]
    if args.as_peer == "paddle":
        # Run inside the paddle venv on behalf of the main benchmark: print rows as JSON.
        q: Any = _Collect()
        run_paddle(args.corpus, todo, {}, q)
        print(json.dumps(q.item))
        return
    n_clean = sum(1 for j in todo if not j.degraded)
    print(f"{len(todo)} pages ({n_clean} clean, {len(todo) - n_clean} degraded) from {args.corpus}; {_load()}")
    clean, degraded = "clean: chars values s/page cpu", "degraded: chars values s/page cpu"
    print(f"{'configuration':30} | {clean:33} | {degraded:33} | peak RSS")
    names = list(VARIANTS)
    results: dict[str, Any] = {}
    for idx in (int(i) for i in args.variants.split(",") if i):
        name = names[idx]
        rows, steps, rss = in_process(run_intake, args.corpus, todo, VARIANTS[name])
        results[name] = rows
        print(f"{name:30} | {summarize(rows, False):33} | {summarize(rows, True):33} | {rss:6.0f} MB", flush=True)
        if idx == 0:
            kinds = sorted({k for r in rows for k in r[4]})
            for k in kinds:
                n = sum(1 for r in rows if k in r[4])
                print(f"    pages with {k + ':':14} {summarize(rows, kind=k)}   ({n} pages)", flush=True)
            wall = {k: v for k, v in steps.items() if not k.startswith("cpu ")}
            print("    median wall seconds per step: " + ", ".join(f"{k} {v:.3f}" for k, v in wall.items()), flush=True)
            print(
                "    median CPU seconds per step:  "
                + ", ".join(f"{k} {steps['cpu ' + k]:.3f}" for k in wall if "cpu " + k in steps),
                flush=True,
            )
    rows, _, rss = in_process(run_whole, args.corpus, todo, {})
    results["intake whole reading"] = rows
    print(f"{'intake whole reading':30} | {summarize(rows, False):33} | {summarize(rows, True):33} | {rss:6.0f} MB")
    peers = [p for p in args.peers.split(",") if p and p != "none"]
    for peer in peers:
        if peer == "tesseract" and not shutil.which("tesseract"):
            print("tesseract: not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
            continue
        fn = {"rapidocr": run_rapidocr, "paddle": run_paddle, "tesseract": run_tesseract}[peer]
        try:
            if peer == "paddle" and args.paddle_python:
                rows, _, rss = in_other_python(args.paddle_python, args)
            else:
                rows, _, rss = in_process(fn, args.corpus, todo, {})
        except Exception as exc:  # a peer that cannot run is reported, not fatal
            print(f"{peer}: could not run ({exc})")
            continue
        label = {
            "rapidocr": "rapidocr defaults (same ONNX)",
            "paddle": "PaddleOCR pipeline (same ONNX)",
            "tesseract": "tesseract chi_sim",
        }[peer]
        results[label] = rows
        print(f"{label:30} | {summarize(rows, False):33} | {summarize(rows, True):33} | {rss:6.0f} MB", flush=True)
    base = results.get("intake (all steps)")
    if base:
        base_t = statistics.median(r[3] for r in base)
        base_c = statistics.median(r[5] for r in base)
        base_acc = max(statistics.mean(r[1] for r in base), 1e-9)
        for label, rows in results.items():
            if label == "intake whole reading" or label.startswith(("rapidocr", "PaddleOCR", "tesseract")):
                t = statistics.median(r[3] for r in rows)
                c = statistics.median(r[5] for r in rows)
                acc = statistics.mean(r[1] for r in rows) / base_acc
                print(
                    f"ratio {label}: wall {t / base_t:.2f}x, CPU {c / max(base_c, 1e-9):.2f}x intake OCR,"
                    f" character accuracy {acc:.2f}x intake"
                )
        whole = results.get("intake whole reading")
        if whole and "tesseract chi_sim" in results:
            tess = results["tesseract chi_sim"]
            print(
                "ratio intake whole reading / tesseract chi_sim:"
                f" wall {statistics.median(r[3] for r in whole) / statistics.median(r[3] for r in tess):.2f}x,"
                f" CPU {statistics.median(r[5] for r in whole) / statistics.median(r[5] for r in tess):.2f}x"
            )
        for label, rows in (("intake OCR", base), ("intake whole reading", whole or [])):
            if not rows:
                continue
            med_t = statistics.median(r[3] for r in rows)
            med_c = statistics.median(r[5] for r in rows)
            slow_t, slow_c = max(rows, key=lambda r: r[3]), max(rows, key=lambda r: r[5])
            print(
                f"slowest page ({label}): wall {slow_t[3]:.2f} s = {slow_t[3] / med_t:.1f}x the median"
                f" ({slow_t[6]}, {', '.join(slow_t[4]) or 'clean'});"
                f" CPU {slow_c[5]:.2f} s = {slow_c[5] / max(med_c, 1e-9):.1f}x the median"
                f" ({slow_c[6]}, {', '.join(slow_c[4]) or 'clean'})"
            )
        if whole:
            # Like with like: a file's whole reading is timed per file and shared out over its
            # pages, so its median mixes the pages of multi-page PDFs; means over the same pages
            # do not.
            mean_ocr = statistics.mean(r[5] for r in base)
            mean_whole = statistics.mean(r[5] for r in whole)
            print(
                f"mean CPU per page over the same pages: OCR {mean_ocr:.2f} s, whole reading {mean_whole:.2f} s"
                f" ({mean_whole / mean_ocr:.2f}x; decoding, quality gate, classification and extraction"
                f" {mean_whole - mean_ocr:.2f} s)"
            )
    print(_load())


if __name__ == "__main__":
    main()
