"""The reviewer's workbench, measured in a real browser (headless Chromium) on a real server.

For the fixture bundle (fixtures/sample/0071-bundle-pdf_bundle.pdf, read by the real pipeline, or
by the tests' fake reader with --reader fake):
- keystrokes and seconds, scripted, from opening the queue to marking the claim reviewed with one
  correction made on the way (every key is pressed as a reviewer would press it: no mouse);
- the document page's weight (bytes over the wire, by kind) and time to first render
  (first-contentful-paint) and to ready (page image loaded and its boxes drawn), median of --loads.

    python intake_lab/bench/workbench.py                       # the real pipeline
    python intake_lab/bench/workbench.py --screenshots docs    # and docs/review-{queue,claim,document}.png

The seconds are a script's, not a person's: they measure what the page makes a reviewer wait for
(page loads, the correction and its re-check, the review), not reading time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from intake_lab.browser import VIEWPORT, chromium, serve, sign_in  # noqa: E402

BUNDLE = REPO / "fixtures" / "sample" / "0071-bundle-pdf_bundle.pdf"
SHOWN = REPO / "fixtures" / "sample" / "0007-bundle-pdf_bundle.pdf"  # another bundle: not a reused invoice


def make_reader(kind: str) -> Any:
    if kind == "fake":
        from tests.conftest import FakeReader

        return FakeReader()
    from intake.claim_reader import ClaimReader

    reader = ClaimReader()
    reader.load()
    return reader


# Other claims in the queue for its screenshot: (claim type, sample file, the portal's reference).
OTHERS = [
    ("critical_illness", "0000-diagnosis_certificate-clean.png", "GH-2025-0102"),
    ("female_special", "0001-discharge_certificate-clean.png", "NB-2025-0417"),
    ("special_disease", "0004-invoice_electronic-clean.png", "GH-2025-0108"),
    ("accident", "0048-other_id_card-upside.webp", "NB-2025-0420"),
]


def submit(
    base: str, portal: str, path: Path, claim_type: str = "inpatient", ref: str = "GH-2025-0071", timeout: float = 600
) -> dict[str, Any]:
    """A claim made by a portal from one file, once it is read."""
    headers = {"Authorization": f"Bearer {portal}"}
    claim = httpx.post(
        f"{base}/v1/claims", json={"claim_type": claim_type, "external_ref": ref}, headers=headers
    ).json()
    files = {"file": (path.name, path.read_bytes())}
    r = httpx.post(f"{base}/v1/claims/{claim['id']}/documents", files=files, headers=headers, timeout=60)
    r.raise_for_status()
    deadline = time.monotonic() + timeout
    while True:
        body = httpx.get(f"{base}/v1/claims/{claim['id']}", headers=headers).json()
        if body["status"] != "processing":
            return dict(body)
        if time.monotonic() > deadline:
            raise TimeoutError("the claim is still processing")
        time.sleep(0.3)


class Keys:
    """Presses keys on a page and counts them (a typed value counts one per character)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0
        self.log: list[str] = []

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1
        self.log.append(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)
        self.log.append(repr(text))


def load_truth(path: Path) -> list[dict[str, Any]]:
    """The generator's truth for a sample file: its documents and their fields, or [] if unknown."""
    truth = path.parent / "truth.json"
    if not truth.exists():
        return []
    files = json.loads(truth.read_text())["files"]
    return next((f["documents"] for f in files if f["file"] == path.name), [])


def typed(value: Any) -> str:
    """What a reviewer types into the editor for this value (a seal: its text)."""
    if isinstance(value, dict):
        return str(value.get("text") or "")
    return str(value)


def the_correction(page: Any, read: dict[str, Any], truth: dict[str, Any]) -> tuple[str, str]:
    """(field, value to type): the first field in the page's order that was read wrong, as a
    reviewer meets it; failing that, the total amount a cent more."""
    names = page.eval_on_selector_all(".field[data-name]", "rows => rows.map(r => r.dataset.name)")
    for name in names:
        want = truth.get(name, {}).get("value")
        got = read.get(name, {}).get("value")
        if want is not None and got is not None and want != got and not isinstance(want, list):
            return name, typed(want)
    whole, cents = str(read["total_amount"]["value"]).split(".")
    n = int(whole) * 100 + int(cents) + 1
    return "total_amount", f"{n // 100}.{n % 100:02d}"


def review_flow(browser: Any, base: str, key: str, claim: dict[str, Any], source: Path) -> dict[str, Any]:
    """From the queue to 'reviewed', keyboard only, with one correction. Returns keys and seconds."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, key)
    keys = Keys(page)
    started = time.perf_counter()
    page.goto(f"{base}/review/")
    page.wait_for_selector("#queue tr[data-row]")
    keys.press("j")  # the oldest claim: the first row
    keys.press("Enter")
    page.wait_for_selector("#documents")
    keys.press("Enter")  # the first document
    page.wait_for_selector("body[data-ready]", state="attached")
    invoice = next(d for d in claim["documents"] if d["status"] == "done")
    truth = next((t["fields"] for t in load_truth(source) if t["doc_type"] == invoice["doc_type"]), {})
    name, value = the_correction(page, invoice["fields"], truth)
    while page.get_attribute(".field.selected", "data-name") != name:
        keys.press("j")
    keys.press("e")
    keys.type(value)  # the editor opens with the old value selected: typing replaces it
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        keys.press("Enter")
    page.wait_for_selector("#history-list li", state="attached")  # the correction is in the history
    keys.press("r")
    with page.expect_response(lambda r: r.url.endswith("/review") and r.request.method == "POST"):
        keys.press("Enter")
    seconds = time.perf_counter() - started
    context.close()
    return {
        "keystrokes": keys.count,
        "keys": keys.log,
        "seconds": round(seconds, 2),
        "corrected": {"field": name, "from": invoice["fields"][name]["value"], "to": value},
    }


def screenshots(browser: Any, base: str, key: str, claim: dict[str, Any], source: Path, shots: Path) -> None:
    """The queue (a claim selected), a document in the middle of its review (one field corrected,
    another selected), and the claim page with the correction in its history."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, key)
    page.wait_for_selector("#queue tr[data-row]")
    rows = page.locator("#queue tbody tr")
    at = next(i for i in range(rows.count()) if claim["external_ref"] in rows.nth(i).inner_text())
    for _ in range(at + 1):
        page.keyboard.press("j")
    page.screenshot(path=str(shots / "review-queue.png"))
    invoice = next(d for d in claim["documents"] if d["status"] == "done")
    page.goto(f"{base}/review/documents/{invoice['id']}")
    page.wait_for_selector("body[data-ready]", state="attached")
    truth = next((t["fields"] for t in load_truth(source) if t["doc_type"] == invoice["doc_type"]), {})
    name, value = the_correction(page, invoice["fields"], truth)
    page.click(f".field[data-name={name}]")
    page.keyboard.press("e")
    page.keyboard.type(value)
    with page.expect_response(lambda r: r.request.method == "PATCH"):
        page.keyboard.press("Enter")
    page.wait_for_selector("#history-list li", state="attached")
    page.click(".field[data-name=patient_name]")  # a field selected: its box highlighted on the page
    page.wait_for_timeout(4000)  # the toast has gone
    page.screenshot(path=str(shots / "review-document.png"))
    page.goto(f"{base}/review/claims/{claim['id']}")
    page.keyboard.press("j")
    page.screenshot(path=str(shots / "review-claim.png"))
    context.close()


def page_weight(browser: Any, base: str, key: str, document_id: str, loads: int) -> dict[str, Any]:
    """The document page from a cold cache: bytes by kind, first-contentful-paint and ready, median of loads."""
    fcp, ready, totals = [], [], []
    kinds: dict[str, int] = {}
    for _ in range(loads):
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        page = context.new_page()
        sign_in(page, base, key)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        sizes: dict[str, int] = {}
        types: dict[str, str] = {}
        cdp.on("Network.responseReceived", lambda e, types=types: types.__setitem__(e["requestId"], e["type"]))
        cdp.on(
            "Network.loadingFinished",
            lambda e, sizes=sizes: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
        )
        page.goto(f"{base}/review/documents/{document_id}")
        page.wait_for_selector("body[data-ready]", state="attached")
        page.wait_for_load_state("networkidle")
        timing = page.evaluate(
            """() => ({
                fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
                ready: (performance.getEntriesByName('workbench-ready')[0] || {}).startTime,
            })"""
        )
        fcp.append(float(timing["fcp"]))
        ready.append(float(timing["ready"]))
        totals.append(sum(sizes.values()))
        kinds = {}
        for rid, size in sizes.items():
            kinds[types.get(rid, "Other")] = kinds.get(types.get(rid, "Other"), 0) + size
        context.close()
    return {
        "bytes": int(statistics.median(totals)),
        "bytes_by_kind": dict(sorted(kinds.items(), key=lambda kv: -kv[1])),
        "first_contentful_paint_ms": round(statistics.median(fcp), 1),
        "ready_ms": round(statistics.median(ready), 1),
        "loads": loads,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reader", choices=("real", "fake"), default="real")
    parser.add_argument("--file", type=Path, default=BUNDLE)
    parser.add_argument("--loads", type=int, default=5, help="cold loads of the document page to take the median of")
    parser.add_argument("--screenshots", type=Path, help="write review-{queue,claim,document}.png here")
    parser.add_argument("--shown", type=Path, default=SHOWN, help="the claim the screenshots show")
    parser.add_argument("--data-dir", type=Path, help="keep the service's data here (default: a temporary dir)")
    args = parser.parse_args(argv)

    from intake.service.app import create_app
    from intake.service.auth import create_key
    from intake.settings import Settings
    from intake.store.database import transaction

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="intake-workbench-"))
    reader = make_reader(args.reader)
    app = create_app(Settings(data_dir=data_dir, poll_seconds=0.2), reader=reader)
    with transaction(app.state.ctx.sessions) as s:
        portal = create_key(s, "portal", "portal-ningbo")[1]
        reviewer = create_key(s, "reviewer", "reviewer-wang")[1]
        other_portal = create_key(s, "portal", "portal-suzhou")[1]
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    try:
        with serve(app) as base, chromium() as browser:
            t0 = time.perf_counter()
            claim = submit(base, portal, args.file)
            read_seconds = time.perf_counter() - t0
            doc_id = next(d["id"] for d in claim["documents"] if d["status"] == "done")
            weight = page_weight(browser, base, reviewer, doc_id, args.loads)
            flow = review_flow(browser, base, reviewer, claim, args.file)
            if args.screenshots:  # on a claim of another bundle, among claims of other kinds
                shown = submit(base, portal, args.shown, ref="GH-2025-0007")
                for claim_type, name, ref in OTHERS:
                    submit(base, other_portal, args.file.parent / name, claim_type, ref)
                screenshots(browser, base, reviewer, shown, args.shown, args.screenshots)
            status = httpx.get(f"{base}/v1/claims/{claim['id']}", headers={"Authorization": f"Bearer {reviewer}"})
            assert status.json()["status"] == "reviewed", status.text
    finally:
        app.state.ctx.engine.dispose()
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    out = {
        "file": args.file.name,
        "reader": args.reader,
        "read_seconds": round(read_seconds, 1),
        "documents": [d["doc_type"] for d in claim["documents"]],
        "review": flow,
        "document_page": weight,
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
