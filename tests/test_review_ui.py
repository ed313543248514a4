"""The reviewer's workbench, driven as a person would drive it: headless Chromium (Debian's
/usr/bin/chromium through Playwright) against the service on a loopback port.

Most tests read with the fake reader of conftest.py (fast); the slow one runs the real pipeline on
the fixture bundle. The browser presses keys and clicks; what it changed is then checked over the
JSON API with Bearer keys, as a portal or another tool would see it.
"""

from __future__ import annotations

import io
import os
import re
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import update

from intake_lab.browser import CHROMIUM, VIEWPORT, chromium, serve, sign_in

from .conftest import SAMPLE, FakeReader

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BUNDLE = SAMPLE / "0071-bundle-pdf_bundle.pdf"
XSS_NAME = "<img src=x onerror=alert(1)>.jpg"

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs chromium")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium chromium-driver)", allow_module_level=True)


def jpeg(w: int = 600, h: int = 400) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (250, 250, 245)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


@dataclass
class Bench:
    base: str
    ctx: Any
    browser: Any
    keys: dict[str, str] = field(default_factory=dict)  # label -> API key
    dialogs: list[str] = field(default_factory=list)

    def bearer(self, label: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[label]}"}

    def claim(self, files: list[tuple[str, bytes]], claim_type: str = "inpatient", ref: str = "") -> dict[str, Any]:
        """A claim from a portal with these files, once they are read."""
        h = self.bearer("portal")
        body: dict[str, Any] = {"claim_type": claim_type}
        if ref:
            body["external_ref"] = ref
        c = httpx.post(f"{self.base}/v1/claims", json=body, headers=h).json()
        for name, data in files:
            r = httpx.post(f"{self.base}/v1/claims/{c['id']}/documents", files={"file": (name, data)}, headers=h)
            assert r.status_code == 202, r.text
        deadline = time.monotonic() + 60
        while True:
            out = httpx.get(f"{self.base}/v1/claims/{c['id']}", headers=h).json()
            if out["status"] != "processing":
                return dict(out)
            assert time.monotonic() < deadline, "claim still processing"
            time.sleep(0.1)

    def page(self, key: str = "reviewer", next_path: str = "/review/") -> Any:
        """A new browser (context) signed in with this key, at next_path."""
        context = self.browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        page = context.new_page()
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        sign_in(page, self.base, self.keys[key], next_path)
        return page


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module (Playwright's sync API allows one at a time in a thread)."""
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Bench]:
    from intake.service.app import create_app
    from intake.service.auth import create_key
    from intake.settings import Settings
    from intake.store.database import transaction

    data = tmp_path_factory.mktemp("workbench")
    app = create_app(Settings(data_dir=data, poll_seconds=0.1), reader=FakeReader())
    keys = {}
    with transaction(app.state.ctx.sessions) as s:
        for label, role, name in [
            ("portal", "portal", "portal-ningbo"),
            ("reviewer", "reviewer", "reviewer-wang"),
            ("reviewer2", "reviewer", "reviewer-li"),
            ("admin", "admin", "admin-1"),
        ]:
            keys[label] = create_key(s, role, name)[1]
    try:
        with serve(app) as base:
            yield Bench(base, app.state.ctx, browser, keys)
    finally:
        app.state.ctx.engine.dispose()


def document_page(bench: Bench, document_id: str, key: str = "reviewer") -> Any:
    page = bench.page(key, f"/review/documents/{document_id}")
    page.wait_for_selector("body[data-ready]", state="attached")
    return page


def selected(page: Any) -> str | None:
    value = page.get_attribute(".field.selected", "data-name")
    return str(value) if value is not None else None


def walk_to(page: Any, name: str) -> int:
    """Press J (or K) until this field is selected; the number of presses."""
    names = page.eval_on_selector_all(".field[data-name]", "rows => rows.map(r => r.dataset.name)")
    assert name in names, f"{name} is not in the field list"
    presses = 0
    while (at := selected(page)) != name:
        page.keyboard.press("j" if at is None or names.index(at) < names.index(name) else "k")
        presses += 1
        assert presses < 40
    return presses


def settled(page: Any, key: str) -> None:
    """Press a key that makes a change, and wait until the page has drawn the answer (and the claim's re-check)."""
    before = int(page.get_attribute("body", "data-settled") or 0)
    page.keyboard.press(key)
    page.wait_for_selector(f"body[data-settled='{before + 1}']", state="attached")


def patched(page: Any, key: str) -> Any:
    """Press a key that sends a PATCH; its response, once the page has drawn it."""
    with page.expect_response(lambda r: r.request.method == "PATCH") as patch:
        settled(page, key)
    return patch.value


def completeness_text(page: Any) -> str:
    return str(page.inner_text("#completeness"))


# -- signing in --------------------------------------------------------------------------------------


def test_a_reviewer_signs_in_and_out(bench: Bench) -> None:
    context = bench.browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{bench.base}/review/")
    assert "/review/login" in page.url  # no session: the sign-in form
    assert page.inner_text("h1") == "审核人员登录"
    page.fill("#api_key", bench.keys["reviewer"])
    page.press("#api_key", "Enter")
    page.wait_for_selector(".filters")
    assert page.url == f"{bench.base}/review/"
    assert "reviewer-wang" in page.inner_text(".topbar")
    cookie = next(c for c in context.cookies() if c["name"] == "intake_review")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert bench.keys["reviewer"] not in cookie["value"]  # the cookie names the key's id, not the key
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script can read it
    page.click("text=退出登录")
    page.wait_for_selector("#api_key")
    page.goto(f"{bench.base}/review/")
    assert "/review/login" in page.url
    # The old cookie, replayed after signing out, opens nothing.
    r = httpx.get(f"{bench.base}/review/", cookies={"intake_review": cookie["value"]}, follow_redirects=False)
    assert r.status_code == 303 and "/review/login" in r.headers["location"]
    context.close()


@pytest.mark.parametrize(
    ("label", "message"), [("portal", "只有审核人员的密钥"), ("admin", "只有审核人员的密钥"), (None, "密钥无效")]
)
def test_only_a_reviewer_key_signs_in(bench: Bench, label: str | None, message: str) -> None:
    context = bench.browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{bench.base}/review/login")
    page.fill("#api_key", bench.keys[label] if label else "ik_not-a-key")
    page.press("#api_key", "Enter")
    page.wait_for_selector("#login-error")
    assert message in page.inner_text("#login-error")
    assert not [c for c in context.cookies() if c["name"] == "intake_review"]
    page.goto(f"{bench.base}/review/")
    assert "/review/login" in page.url
    context.close()


def test_the_sign_in_form_needs_its_own_token(bench: Bench) -> None:
    """Another site cannot sign a browser in (login CSRF): the form's token and cookie go together."""
    r = httpx.post(f"{bench.base}/review/login", data={"api_key": bench.keys["reviewer"], "next": "/review/"})
    assert r.status_code == 403 and "intake_review=" not in r.headers.get("set-cookie", "")


def test_a_revoked_key_ends_its_sessions(bench: Bench) -> None:
    from intake.service.auth import create_key
    from intake.store.database import transaction
    from intake.store.tables import ApiKey, utcnow

    with transaction(bench.ctx.sessions) as s:
        row, key = create_key(s, "reviewer", "reviewer-leaving")
        key_id = row.id
    bench.keys["leaving"] = key
    page = bench.page("leaving")
    assert "reviewer-leaving" in page.inner_text(".topbar")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert httpx.get(f"{bench.base}/v1/review/claims", cookies=cookies).status_code == 200
    with transaction(bench.ctx.sessions) as s:
        s.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=utcnow()))
    page.reload()
    assert "/review/login" in page.url
    assert httpx.get(f"{bench.base}/v1/review/claims", cookies=cookies).status_code == 401
    page.context.close()


def test_sessions_expire_when_idle_and_after_a_working_day(
    bench: Bench, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from intake.service.app import create_app
    from intake.service.auth import create_key
    from intake.service.workbench import session as session_mod
    from intake.settings import Settings
    from intake.store.database import transaction

    app = create_app(Settings(data_dir=tmp_path, session_secret="s" * 32), reader=FakeReader())
    with transaction(app.state.ctx.sessions) as s:
        key = create_key(s, "reviewer", "reviewer-clock")[1]
    now = [time.time()]
    monkeypatch.setattr(session_mod.time, "time", lambda: now[0])
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: now[0])

    def signed_in(c: TestClient) -> bool:
        return c.get("/review/", follow_redirects=False).status_code == 200

    with TestClient(app) as c:
        token = re.search(r'name="login_token" value="([^"]+)"', c.get("/review/login").text)
        assert token is not None
        r = c.post("/review/login", data={"login_token": token[1], "api_key": key}, follow_redirects=False)
        assert r.status_code == 303
        assert signed_in(c)
        now[0] += session_mod.IDLE_SECONDS - 60  # used again within the hour: the deadline moves on
        assert signed_in(c)
        now[0] += session_mod.IDLE_SECONDS - 60
        assert signed_in(c)
        now[0] += session_mod.IDLE_SECONDS + 1  # an hour idle: over
        assert not signed_in(c)
    with TestClient(app) as c:
        now[0] = time.time()
        token = re.search(r'name="login_token" value="([^"]+)"', c.get("/review/login").text)
        assert token is not None
        c.post("/review/login", data={"login_token": token[1], "api_key": key})
        for _ in range(int(session_mod.ABSOLUTE_SECONDS // (session_mod.IDLE_SECONDS / 2))):
            now[0] += session_mod.IDLE_SECONDS / 2  # busy all day long
            if not signed_in(c):
                break
        assert now[0] - time.time() <= session_mod.ABSOLUTE_SECONDS + session_mod.IDLE_SECONDS
        assert not signed_in(c)
    app.state.ctx.engine.dispose()


def test_the_session_secret(tmp_path: Path) -> None:
    from intake.service.workbench.session import load_secret
    from intake.settings import Settings

    settings = Settings(data_dir=tmp_path / "d")
    first = load_secret(settings)
    path = tmp_path / "d" / "session_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(settings) == first and len(first) >= 32  # made once, then kept
    path.chmod(0o644)
    assert load_secret(settings) == first and stat.S_IMODE(path.stat().st_mode) == 0o600
    given = Settings(data_dir=tmp_path / "e", session_secret="x" * 40)
    assert load_secret(given) == b"x" * 40 and not (tmp_path / "e" / "session_secret").exists()


# -- the queue ---------------------------------------------------------------------------------------


def test_the_queue_lists_claims_oldest_first_with_filters_and_pages(bench: Bench) -> None:
    h = bench.bearer("portal")
    ids = [
        httpx.post(
            f"{bench.base}/v1/claims", json={"claim_type": "accident", "external_ref": f"Q-{i}"}, headers=h
        ).json()["id"]
        for i in range(23)
    ]
    page = bench.page(next_path="/review/?claim_type=accident")
    rows = page.locator("#queue tbody tr")
    assert rows.count() == 20  # a page
    assert "共 23 件" in page.inner_text(".filters")
    first = rows.nth(0).inner_text()
    assert "意外伤害" in first and "portal-ningbo" in first and "Q-0" in first and "材料不全" in first
    assert page.inner_text(".pager").count("第 1 / 2 页") == 1
    page.keyboard.press("ArrowRight")  # the next page
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("#queue tbody tr").count() == 3
    assert "Q-22" in page.locator("#queue tbody tr").nth(2).inner_text()
    # Filters: another status, another claim type.
    page.select_option("select[name=status]", "reviewed")
    page.wait_for_url(re.compile(r"status=reviewed"))
    assert page.locator("#queue tbody tr").count() == 0 and "没有符合条件的申请" in page.inner_text(".queue")
    page.goto(f"{bench.base}/review/?claim_type=critical_illness&status=incomplete")
    assert page.locator("#queue tbody tr").count() == 0
    # J/K and Enter open a claim without the mouse.
    page.goto(f"{bench.base}/review/?claim_type=accident")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{bench.base}/review/claims/{ids[1]}")
    assert "意外伤害" in page.inner_text("h1")
    page.context.close()


def test_the_queue_counts_documents_and_reviewer_tasks(bench: Bench) -> None:
    from intake.store.database import transaction
    from intake.store.tables import ClaimRow

    claim = bench.claim([("bundle.pdf", BUNDLE.read_bytes())], "special_disease", ref="COUNTS-1")
    with transaction(bench.ctx.sessions) as s:  # two findings for the reviewer, one for the member
        row = s.get(ClaimRow, claim["id"])
        assert row is not None
        row.completeness = {
            "complete": False,
            "missing": [],
            "problems": [
                {"code": "field_low_confidence", "severity": "warning", "message": "甲", "field": "patient_name"},
                {"code": "seal_text_unreadable", "severity": "warning", "message": "乙"},
                {"code": "name_mismatch", "severity": "error", "message": "丙"},
            ],
        }
    page = bench.page(next_path="/review/?claim_type=special_disease")
    row_text = page.locator("#queue tbody tr", has_text="COUNTS-1").inner_text()
    cells = [c.strip() for c in row_text.split("\t")]
    assert cells[:7] == ["特殊病种", "portal-ningbo", "COUNTS-1", "2", "2", "1", "材料不全"], cells
    page.context.close()


# -- a claim reviewed with the keyboard, end to end --------------------------------------------------


def test_review_a_bundle_claim_with_the_keyboard(bench: Bench) -> None:
    claim = bench.claim([(BUNDLE.name, BUNDLE.read_bytes())], ref="E2E-0071")
    invoice, discharge = claim["documents"]
    assert (invoice["doc_type"], discharge["doc_type"]) == ("invoice", "discharge")
    page = bench.page()

    # The queue: find the claim, open it with J and Enter.
    page.goto(f"{bench.base}/review/?claim_type=inpatient")
    rows = page.locator("#queue tbody tr")
    at = next(i for i in range(rows.count()) if "E2E-0071" in rows.nth(i).inner_text())
    for _ in range(at + 1):
        page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{bench.base}/review/claims/{claim['id']}")

    # The claim: its documents, types and confidences; the findings in Chinese, member-side apart.
    docs = page.inner_text("#documents")
    assert "医疗收费票据" in docs and "出院证明" in docs and "90%" in docs and "80%" in docs
    # Fields not read on good pages are the reviewer's to read off the page, not the member's.
    assert "未能自动识别" not in page.inner_text("#completeness .f-member")
    reviewer = page.inner_text("#completeness .f-reviewer")
    assert "医疗收费票据上的患者姓名未能自动识别" in reviewer and "出院日期未能自动识别" in reviewer

    # The invoice: the page image with the OCR lines' boxes and the fields' boxes over it.
    page.keyboard.press("Enter")
    page.wait_for_url(f"{bench.base}/review/documents/{invoice['id']}")
    page.wait_for_selector("body[data-ready]", state="attached")
    assert page.evaluate("document.getElementById('page-img').naturalWidth") > 0
    assert page.locator("#overlay rect.line").count() == 1  # the fake reader reads one line
    assert page.locator("#overlay rect.fbox").count() == 3  # 票据代码, 票据号码, 合计金额
    # The unsure fields come first: here the required ones that could not be read.
    names = page.eval_on_selector_all(".field[data-name]", "rows => rows.map(r => r.dataset.name)")
    assert names[:2] == ["patient_name", "issue_date"]
    assert "原文" not in page.inner_text(".field[data-name=invoice_number]")

    # Selecting a field (a click) highlights its box on the image, in sight.
    page.click(".field[data-name=invoice_number]")
    box = page.locator("#overlay rect.fbox.selected")
    assert box.count() == 1 and box.get_attribute("data-field") == "invoice_number"
    shown, canvas = box.bounding_box(), page.locator("#canvas").bounding_box()
    assert shown is not None and canvas is not None
    assert canvas["x"] <= shown["x"] and shown["x"] + shown["width"] <= canvas["x"] + canvas["width"]
    assert canvas["y"] <= shown["y"] and shown["y"] + shown["height"] <= canvas["y"] + canvas["height"]
    assert "原文：票据号码 0012345678" in page.inner_text(".field.selected")

    # Correct a field with the keyboard: the value is checked as it is typed.
    walk_to(page, "total_amount")
    page.keyboard.press("e")
    page.keyboard.type("12,3")
    assert "金额格式" in page.inner_text(".field.editing .ferr")
    page.keyboard.press("Enter")  # refused in the page: nothing is sent
    assert page.locator(".field.editing").count() == 1
    page.keyboard.press("Control+A")
    page.keyboard.type("12345.6")
    assert page.inner_text(".field.editing .ferr") == ""
    assert patched(page, "Enter").ok
    amount = page.locator(".field[data-name=total_amount]")
    assert "12345.60" in amount.inner_text() and "已确认" in amount.inner_text()

    # Fill in the patient's name the invoice lacked: the reviewer's task goes, without a reload.
    assert "医疗收费票据上的患者姓名未能自动识别" in completeness_text(page)
    page.keyboard.press("Escape")
    walk_to(page, "patient_name")
    page.keyboard.press("e")
    page.keyboard.type("张三")
    patched(page, "Enter")
    assert "医疗收费票据上的患者姓名未能自动识别" not in completeness_text(page)
    assert page.locator("#history-list li").count() == 2

    # The next document (N), and its type changed with the keyboard (T, arrows, Enter).
    page.keyboard.press("n")
    page.wait_for_url(f"{bench.base}/review/documents/{discharge['id']}")
    page.wait_for_selector("body[data-ready]", state="attached")
    assert "出院证明（出院记录或出院小结）上的出院日期未能自动识别" in completeness_text(page)
    # The viewer: a page switcher, zoom and rotation, all from the keyboard too.
    pages = discharge["pages"]
    assert page.locator("#pages button").all_inner_texts() == [str(p) for p in pages]
    first_src = page.get_attribute("#page-img", "src")
    assert first_src == f"/v1/documents/{discharge['id']}/pages/{pages[0]}/image"
    page.keyboard.press("PageDown")
    assert page.get_attribute("#page-img", "src") == f"/v1/documents/{discharge['id']}/pages/{pages[1]}/image"
    assert page.inner_text("#pages button.current") == str(pages[1])
    zoom = page.inner_text("#zoom-level")
    page.keyboard.press("+")
    assert page.inner_text("#zoom-level") != zoom
    page.keyboard.press("o")
    assert "rotate(90deg)" in (page.get_attribute("#rot", "style") or "")
    page.keyboard.press("PageUp")
    page.keyboard.press("t")
    assert page.evaluate("document.activeElement.id") == "doc-type"
    page.select_option("#doc-type", "diagnosis")  # what the arrow keys do to a closed <select>
    patched(page, "Enter")
    assert page.input_value("#doc-type") == "diagnosis"
    assert "诊断证明书" in page.inner_text("#doc-title")
    text = completeness_text(page)
    assert "出院日期未能自动识别" not in text and "诊断证明书上的患者姓名未能自动识别" in text

    # Mark the claim reviewed: R, then Enter to confirm.
    page.keyboard.press("r")
    assert "确认将此申请标记为已审核" in page.inner_text("#confirm")
    with page.expect_response(lambda r: r.url.endswith("/review") and r.request.method == "POST") as done:
        page.keyboard.press("Enter")
    assert done.value.ok
    page.wait_for_selector(".banner.good")
    assert "已审核" in page.inner_text("#banner")

    # Over the API, with a Bearer key: the history, the claim's status, who reviewed it.
    out = httpx.get(f"{bench.base}/v1/claims/{claim['id']}", headers=bench.bearer("portal")).json()
    assert out["status"] == "reviewed" and out["reviewed_by"] == "reviewer-wang"
    hist = httpx.get(f"{bench.base}/v1/documents/{invoice['id']}/history", headers=bench.bearer("reviewer")).json()
    assert [(h["field"], h["old"], h["new"], h["by"]) for h in hist] == [
        ("total_amount", "12345.67", "12345.60", "reviewer-wang"),
        ("patient_name", None, "张三", "reviewer-wang"),
    ]
    hist = httpx.get(f"{bench.base}/v1/documents/{discharge['id']}/history", headers=bench.bearer("reviewer")).json()
    assert [(h["field"], h["old"], h["new"]) for h in hist] == [("doc_type", "discharge", "diagnosis")]

    # The claim page shows the same history, in Chinese.
    page.keyboard.press("c")
    page.wait_for_url(f"{bench.base}/review/claims/{claim['id']}")
    history = page.inner_text("#history")
    assert "合计金额（小写）" in history and "12345.60" in history and "材料类型" in history and "诊断证明书" in history
    assert "已审核" in page.inner_text("h1")
    page.context.close()


def test_accept_a_field_and_all_confident_fields(bench: Bench) -> None:
    claim = bench.claim([("invoice.jpg", jpeg())], ref="ACCEPT-1")
    doc = claim["documents"][0]
    page = document_page(bench, doc["id"])
    walk_to(page, "invoice_code")
    assert patched(page, "a").ok
    assert selected(page) == "invoice_number"  # on to the next field
    assert "已确认" in page.inner_text(".field[data-name=invoice_code]")
    patched(page, "Shift+A")
    fields = httpx.get(f"{bench.base}/v1/documents/{doc['id']}", headers=bench.bearer("portal")).json()["fields"]
    assert all(f["corrected"] for f in fields.values())
    hist = httpx.get(f"{bench.base}/v1/documents/{doc['id']}/history", headers=bench.bearer("reviewer")).json()
    # An accepted value is recorded as a correction to the same value.
    assert [(h["field"], h["old"] == h["new"]) for h in hist] == [
        ("invoice_code", True),
        ("invoice_number", True),
        ("total_amount", True),
    ]
    page.context.close()


def test_the_id_number_is_checked_as_it_is_typed(bench: Bench) -> None:
    claim = bench.claim([("other.jpg", jpeg())], claim_type="critical_illness", ref="ID-1")
    doc = claim["documents"][0]
    page = document_page(bench, doc["id"])
    page.keyboard.press("t")
    page.select_option("#doc-type", "unit_certificate")
    patched(page, "Enter")
    walk_to(page, "id_number")
    page.keyboard.press("e")
    page.keyboard.type("32050819750713032")
    assert "18位" in page.inner_text(".field.editing .ferr")
    page.keyboard.type("9")  # 18 characters, the wrong check digit
    assert "校验码不对" in page.inner_text(".field.editing .ferr")
    page.keyboard.press("Backspace")
    page.keyboard.type("8")
    assert page.inner_text(".field.editing .ferr") == ""
    patched(page, "Enter")
    walk_to(page, "issue_date")
    page.keyboard.press("e")
    page.keyboard.type("2025-02-30")
    assert "没有这一天" in page.inner_text(".field.editing .ferr")
    page.keyboard.press("Escape")  # leaves the editor, unsaved; the shortcuts work again
    assert page.locator(".field.editing").count() == 0
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    fields = httpx.get(f"{bench.base}/v1/documents/{doc['id']}", headers=bench.bearer("reviewer")).json()["fields"]
    assert fields["id_number"]["value"] == "320508197507130328" and "issue_date" not in fields
    page.context.close()


def test_candidates_are_offered_where_the_reading_kept_them(bench: Bench) -> None:
    from intake.store.database import transaction
    from intake.store.tables import DocumentRow

    claim = bench.claim([("invoice.jpg", jpeg())], ref="CAND-1")
    doc = claim["documents"][0]
    with transaction(bench.ctx.sessions) as s:
        row = s.get(DocumentRow, doc["id"])
        assert row is not None
        fields = dict(row.fields)
        fields["total_amount"] = {
            **fields["total_amount"],
            "confidence": 0.55,
            "candidates": [{"value": "12845.67", "confidence": 0.41}, {"value": "12345.87", "confidence": 0.2}],
        }
        row.fields = fields
    page = document_page(bench, doc["id"])
    assert selected(page) == "total_amount"  # the unsure field comes first
    cands = page.locator(".field[data-name=total_amount] .cands button")
    assert cands.count() == 2 and "12845.67" in cands.nth(0).inner_text() and "41%" in cands.nth(0).inner_text()
    patched(page, "2")  # the second alternative, in one key
    out = httpx.get(f"{bench.base}/v1/documents/{doc['id']}", headers=bench.bearer("reviewer")).json()
    assert out["fields"]["total_amount"]["value"] == "12345.87" and out["fields"]["total_amount"]["corrected"]
    assert page.locator(".field[data-name=total_amount] .cands").count() == 0
    page.context.close()


def test_findings_are_split_by_actor_then_severity(bench: Bench) -> None:
    from intake.service.workbench.pages import split_findings
    from intake.store.database import transaction
    from intake.store.tables import ClaimRow

    comp = {
        "complete": False,
        "missing": [{"doc_type": "invoice", "message": "缺少医疗收费票据，请上传"}],
        "problems": [
            {"code": "field_missing", "severity": "error", "message": "请重新拍摄"},
            {"code": "field_low_confidence", "severity": "warning", "message": "将由审核人员核对"},
            {"code": "name_mismatch", "severity": "error", "message": "审核人员判断", "actor": "reviewer"},
            {"code": "sex_unknown", "severity": "warning", "message": "请补充", "actor": "member"},
        ],
    }
    split = split_findings(comp)
    assert [p["message"] for p in split["member"]] == ["缺少医疗收费票据，请上传", "请重新拍摄", "请补充"]
    assert [p["message"] for p in split["reviewer"]] == ["将由审核人员核对", "审核人员判断"]

    claim = bench.claim([("invoice.jpg", jpeg())], ref="ACTOR-1")
    with transaction(bench.ctx.sessions) as s:
        row = s.get(ClaimRow, claim["id"])
        assert row is not None
        row.completeness = comp
    page = bench.page(next_path=f"/review/claims/{claim['id']}")
    assert "审核人员判断" in page.inner_text(".f-reviewer") and "请补充" in page.inner_text(".f-member")
    page.goto(f"{bench.base}/review/documents/{claim['documents'][0]['id']}")
    page.wait_for_selector("body[data-ready]", state="attached")
    assert "审核人员判断" in page.inner_text("#completeness .f-reviewer")
    assert "请补充" in page.inner_text("#completeness .f-member")
    page.context.close()


# -- safety ------------------------------------------------------------------------------------------


def test_filenames_values_and_ocr_text_render_as_text(bench: Bench) -> None:
    from intake.store.database import transaction
    from intake.store.tables import DocumentRow

    claim = bench.claim([(XSS_NAME, jpeg()), ("invoice.jpg", jpeg())], ref="<b>XSS</b>")
    xss_doc, invoice = claim["documents"]
    assert xss_doc["filename"] == XSS_NAME
    evil = "</script><script>alert(2)</script><img src=y onerror=alert(3)>"
    with transaction(bench.ctx.sessions) as s:
        row = s.get(DocumentRow, invoice["id"])
        assert row is not None
        row.fields = {**row.fields, "hospital_name": {"value": evil, "confidence": 0.5, "page": 1, "box": None}}
        f = row.file
        ocr = dict(f.ocr)
        ocr["pages"] = [
            {**p, "lines": [*p["lines"], {"text": evil, "box": [5, 5, 50, 20], "confidence": 0.5}]}
            for p in ocr["pages"]
        ]
        f.ocr = ocr
    bench.dialogs.clear()
    page = bench.page(next_path=f"/review/claims/{claim['id']}")
    assert XSS_NAME in page.inner_text("#documents")
    assert page.locator("img[src=x], img[src=y]").count() == 0
    assert "<b>XSS</b>" in page.inner_text(".facts")
    page.goto(f"{bench.base}/review/documents/{xss_doc['id']}")
    page.wait_for_selector("body[data-ready]", state="attached")
    assert page.inner_text("#filename") == XSS_NAME
    page.goto(f"{bench.base}/review/documents/{invoice['id']}")
    page.wait_for_selector("body[data-ready]", state="attached")
    assert evil in page.inner_text(".field[data-name=hospital_name]")
    titles = page.eval_on_selector_all("#overlay rect.line title", "ts => ts.map(t => t.textContent)")
    assert any(evil in t for t in titles)  # the OCR line's text, as text
    assert page.locator("img[src=x], img[src=y]").count() == 0
    page.wait_for_timeout(200)
    assert bench.dialogs == []  # no alert() ran
    page.context.close()


def test_changes_without_the_csrf_token_are_refused(bench: Bench) -> None:
    claim = bench.claim([("invoice.jpg", jpeg())], ref="CSRF-1")
    doc = claim["documents"][0]
    page = bench.page(next_path=f"/review/claims/{claim['id']}")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    assert token
    url = f"{bench.base}/v1/documents/{doc['id']}"
    patch = {"fields": {"total_amount": "1.00"}}
    assert httpx.get(url, cookies=cookies).status_code == 200  # reading needs no token
    assert httpx.patch(url, json=patch, cookies=cookies).status_code == 403
    assert httpx.patch(url, json=patch, cookies=cookies, headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    other_site = {"X-CSRF-Token": token, "Origin": "http://evil.example"}
    assert httpx.patch(url, json=patch, cookies=cookies, headers=other_site).status_code == 403
    review = f"{bench.base}/v1/claims/{claim['id']}/review"
    assert httpx.post(review, cookies=cookies).status_code == 403
    form = f"{bench.base}/review/claims/{claim['id']}/review"
    assert httpx.post(form, data={}, cookies=cookies).status_code == 403
    assert httpx.post(form, data={"csrf_token": "nope"}, cookies=cookies).status_code == 403
    assert httpx.post(f"{bench.base}/review/logout", data={}, cookies=cookies).status_code == 403
    # Nothing changed.
    out = httpx.get(f"{bench.base}/v1/claims/{claim['id']}", headers=bench.bearer("reviewer")).json()
    assert out["status"] != "reviewed" and out["documents"][0]["fields"]["total_amount"]["value"] == "12345.67"
    # With the token, from the same origin, the same calls go through.
    ok = httpx.patch(url, json=patch, cookies=cookies, headers={"X-CSRF-Token": token, "Origin": bench.base})
    assert ok.status_code == 200 and ok.json()["fields"]["total_amount"]["value"] == "1.00"
    # The claim page's own form (R, Enter) carries its token.
    page.keyboard.press("r")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1 .s-reviewed")
    page.context.close()


def test_page_images_only_for_a_signed_in_reviewer(bench: Bench) -> None:
    claim = bench.claim([("invoice.jpg", jpeg())], ref="IMG-1")
    doc = claim["documents"][0]
    image = f"{bench.base}/v1/documents/{doc['id']}/pages/1/image"
    assert httpx.get(image).status_code == 401
    assert httpx.get(image, cookies={"intake_review": "forged"}).status_code == 401
    page = document_page(bench, doc["id"])
    assert page.evaluate("document.getElementById('page-img').naturalWidth") == 600
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    r = httpx.get(image, cookies=cookies)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    page.click("text=退出登录")
    page.wait_for_selector("#api_key")
    assert httpx.get(image, cookies=cookies).status_code == 401
    # The portal's Bearer key reads its own claim's image exactly as before.
    assert httpx.get(image, headers=bench.bearer("portal")).status_code == 200
    page.context.close()


def test_pages_carry_a_strict_content_security_policy_and_nothing_from_other_hosts(bench: Bench) -> None:
    claim = bench.claim([(BUNDLE.name, BUNDLE.read_bytes())], ref="CSP-1")
    page = bench.page()
    hosts: set[str] = set()
    violations: list[str] = []
    page.on("request", lambda r: hosts.add(httpx.URL(r.url).host))
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    for path in ("/review/", f"/review/claims/{claim['id']}", f"/review/documents/{claim['documents'][0]['id']}"):
        r = page.goto(bench.base + path)
        assert r is not None and r.ok
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
        assert r.headers["cache-control"] == "no-store"
    page.wait_for_selector("body[data-ready]", state="attached")
    # /docs: Swagger UI from the package, offline.
    r = page.goto(f"{bench.base}/docs")
    assert r is not None and "content-security-policy" in r.headers
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20000)
    assert "/v1/claims" in page.inner_text(".swagger-ui")
    assert hosts == {"127.0.0.1"}
    assert violations == []
    # An unknown id is a page that says so, in Chinese.
    r = page.goto(f"{bench.base}/review/claims/no-such-claim")
    assert r is not None and r.status == 404 and "找不到" in page.inner_text("h1")
    # The JSON API's responses are as they were, and its schema has no pages in it.
    api = httpx.get(f"{bench.base}/v1/claims/{claim['id']}", headers=bench.bearer("portal"))
    assert "content-security-policy" not in api.headers
    spec = httpx.get(f"{bench.base}/openapi.json").json()
    assert not [p for p in spec["paths"] if not p.startswith(("/v1/", "/healthz", "/readyz", "/metrics"))]
    page.context.close()


def test_shortcuts_are_shown_and_the_help_opens_with_a_question_mark(bench: Bench) -> None:
    claim = bench.claim([("invoice.jpg", jpeg())], ref="KEYS-1")
    page = document_page(bench, claim["documents"][0]["id"])
    keys = page.inner_text("footer.keys")
    for shown in ("下/上一个字段", "确认", "修改", "下/上一份材料", "已审核"):
        assert shown in keys
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#help").is_visible()
    page.context.close()


def test_the_document_page_fits_a_laptop_screen(bench: Bench) -> None:
    claim = bench.claim([(BUNDLE.name, BUNDLE.read_bytes())], ref="FIT-1")
    page = document_page(bench, claim["documents"][0]["id"])
    size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size[0] <= VIEWPORT["width"] and size[1] <= VIEWPORT["height"]  # no page scroll: panels scroll inside
    for sel in ("#canvas", "#fields", "#completeness", "footer.keys", "#mark-reviewed"):
        b = page.locator(sel).bounding_box()
        assert b is not None and b["y"] + min(b["height"], 20) <= VIEWPORT["height"], sel
    page.context.close()


# -- the real pipeline -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_fixture_bundle_read_by_the_real_pipeline(real_reader: Any, browser: Any, tmp_path: Path) -> None:
    from intake.service.app import create_app
    from intake.service.auth import create_key
    from intake.settings import Settings
    from intake.store.database import transaction

    app = create_app(Settings(data_dir=tmp_path, poll_seconds=0.1), reader=real_reader)
    with transaction(app.state.ctx.sessions) as s:
        keys = {"portal": create_key(s, "portal", "portal-ningbo")[1], "reviewer": create_key(s, "reviewer", "wang")[1]}
    try:
        with serve(app) as base:
            bench = Bench(base, app.state.ctx, browser, keys)
            claim = bench.claim([(BUNDLE.name, BUNDLE.read_bytes())], ref="REAL-0071")
            types = [d["doc_type"] for d in claim["documents"]]
            assert types[0] == "invoice" and len(types) >= 2
            invoice = claim["documents"][0]
            page = document_page(bench, invoice["id"])
            lines = page.locator("#overlay rect.line").count()
            assert lines >= 20  # the invoice's printed lines, each boxed
            with_boxes = [n for n, f in invoice["fields"].items() if f["box"]]
            assert page.locator("#overlay rect.fbox").count() == len(with_boxes)
            # The unsure fields first; each selected one's box is highlighted.
            names = page.eval_on_selector_all(".field[data-name]", "rows => rows.map(r => r.dataset.name)")
            threshold = real_reader.rules.claim("inpatient").review_threshold
            unsure = [
                n
                for n in names
                if n in invoice["fields"]
                and (invoice["fields"][n]["confidence"] < threshold or invoice["fields"][n]["reasons"])
            ]
            assert names[: len(unsure)] == unsure
            walk_to(page, "total_amount")
            assert page.locator("#overlay rect.fbox.selected").get_attribute("data-field") == "total_amount"
            # Accept every unsure field with the keyboard: the reviewer-side findings about them go.
            before = completeness_text(page)
            for name in unsure:
                walk_to(page, name)
                patched(page, "a")
            assert "医疗收费票据上的患者姓名识别不够确定" in before  # the reading is unsure of the name
            assert "医疗收费票据上的患者姓名识别不够确定" not in completeness_text(page)
            # A correction by typing, seen over the API.
            walk_to(page, "invoice_number")
            page.keyboard.press("e")
            page.keyboard.type("1884851732")
            patched(page, "Enter")
            hist = httpx.get(f"{base}/v1/documents/{invoice['id']}/history", headers=bench.bearer("reviewer")).json()
            assert hist[-1]["field"] == "invoice_number" and hist[-1]["new"] == "1884851732"
            page.keyboard.press("r")
            with page.expect_response(lambda r: r.url.endswith("/review")):
                page.keyboard.press("Enter")
            out = httpx.get(f"{base}/v1/claims/{claim['id']}", headers=bench.bearer("portal")).json()
            assert out["status"] == "reviewed"
            page.context.close()
    finally:
        app.state.ctx.engine.dispose()


def test_no_personal_data_in_urls_or_logs(bench: Bench, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.INFO)
    claim = bench.claim([("invoice-of-zhang.jpg", jpeg())], ref="PII-1")
    doc = claim["documents"][0]
    urls: list[str] = []
    page = bench.page(next_path=f"/review/claims/{claim['id']}")
    page.on("request", lambda r: urls.append(r.url))
    page.goto(f"{bench.base}/review/documents/{doc['id']}")
    page.wait_for_selector("body[data-ready]", state="attached")
    walk_to(page, "patient_name")
    page.keyboard.press("e")
    page.keyboard.type("欧阳娜娜")
    patched(page, "Enter")
    urls.append(page.url)
    personal = ("欧阳娜娜", "invoice-of-zhang", "12345.67", "0012345678", bench.keys["reviewer"])
    for url in urls:
        assert not any(p in httpx.URL(url).path + httpx.URL(url).query.decode() for p in personal), url
    assert not any(p in caplog.text for p in personal)
    assert "review session started" in caplog.text  # the log says what happened, by ids
    page.context.close()
