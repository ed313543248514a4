// The document page: the page image with the OCR boxes over it, the fields beside it, the
// claim's completeness below. State comes from the page's JSON block; every change goes through
// the JSON API (PATCH /v1/documents/{id}, POST /v1/claims/{id}/review), and what it answers is
// drawn again. Everything shown is set as text (textContent), never as HTML.
"use strict";

(() => {
  const W = window.Workbench;
  const S = JSON.parse(document.getElementById("state").textContent);
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";

  let doc = S.document; // DocumentOut, fields with their candidates
  let claim = S.claim;
  let order = []; // field names in the order J/K walks them
  let selected = null;
  let editing = null; // {name, read: () => {ok, value, error}}
  let busy = false;
  let settled = 0; // changes finished (answered and drawn, the claim re-checked): body[data-settled]
  function finished() {
    busy = false;
    document.body.dataset.settled = String(++settled);
  }

  // -- words and values ----------------------------------------------------------------------------
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  const fieldName = (name) => (S.field_names[doc.doc_type] || {})[name] || name;
  const typeName = (t) => (S.doc_types.find((d) => d.value === t) || { name: t }).name;
  const pct = (c) => Math.round(c * 100) + "%";

  function valueText(name, v) {
    if (v === null || v === undefined) return "";
    if (Array.isArray(v)) return v.map((d) => (d.icd10 ? `${d.text}（${d.icd10}）` : d.text)).join("；");
    if (typeof v === "object") return (v.present ? "有公章" : "无公章") + (v.text ? "：" + v.text : "");
    const choice = (S.choices[name] || []).find((c) => c.value === v);
    return choice ? choice.name : String(v);
  }

  function unsure(f) {
    return !f.corrected && (f.confidence < S.threshold || (f.reasons || []).length > 0);
  }
  function level(f) {
    if (!f) return "absent";
    if (f.corrected) return "ok";
    if (f.confidence < S.threshold) return "low";
    if ((f.reasons || []).length) return "doubt";
    return "high";
  }
  const LEVEL_TEXT = { ok: "已确认", low: "需核对", doubt: "有疑问", high: "可信", absent: "未识别" };

  // -- checking a value as it is typed (intake.review.values has the last word) ---------------------
  const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  function validDate(y, m, d) {
    const t = new Date(Date.UTC(y, m - 1, d));
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
  }
  const CHECK = {
    money(s) {
      const t = s.trim();
      if (!/^\d{1,12}(\.\d{1,2})?$/.test(t)) return { error: "金额格式：12345.67（元，两位小数）" };
      const [whole, frac = ""] = t.split(".");
      return { value: String(Number(whole)) + "." + (frac + "00").slice(0, 2) };
    },
    date(s) {
      const t = s.trim();
      let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
      if (m) {
        if (!validDate(+m[1], +m[2], +m[3])) return { error: "没有这一天" };
        return { value: t };
      }
      m = /^(\d{4})-(\d{2})$/.exec(t);
      if (m && +m[2] >= 1 && +m[2] <= 12) return { value: t };
      return { error: "日期格式：YYYY-MM-DD（如 2025-12-04；只印年月时 YYYY-MM）" };
    },
    id(s) {
      const t = s.replace(/\s/g, "").toUpperCase();
      if (!/^\d{17}[\dX]$/.test(t)) return { error: "身份证号为18位：17位数字加1位校验码（数字或X）" };
      const sum = ID_WEIGHTS.reduce((a, w, i) => a + w * Number(t[i]), 0);
      if ("10X98765432"[sum % 11] !== t[17]) return { error: "身份证号校验码不对，请逐位核对" };
      if (!validDate(+t.slice(6, 10), +t.slice(10, 12), +t.slice(12, 14))) return { error: "身份证号中的出生日期不存在" };
      return { value: t };
    },
    int(s) {
      const t = s.trim();
      if (!/^\d{1,5}$/.test(t) || Number(t) > 10000) return { error: "请填写 0 到 10000 的整数" };
      return { value: Number(t) };
    },
    text(s) {
      const t = s.trim();
      if (!t) return { error: "不能为空" };
      if (t.length > 500) return { error: "最多500个字" };
      return { value: t };
    },
    diagnoses(s) {
      const parts = s
        .split(/[；;\n]/)
        .map((p) => p.trim())
        .filter(Boolean);
      if (!parts.length) return { error: "至少一项诊断；多项用“；”分开，如 甲状腺乳头状癌（C73）" };
      const out = [];
      for (const p of parts) {
        const m = /^(.*?)[\s(（]*([A-Z]\d{2}(?:\.\d{1,4})?)[)）]?$/.exec(p);
        const text = m && m[1].trim() ? m[1].trim() : p;
        if (text.length > 500) return { error: "每项诊断最多500个字" };
        out.push(m && m[1].trim() ? { text, icd10: m[2] } : { text });
      }
      return { value: out };
    },
  };

  function editText(name, v) {
    if (v === null || v === undefined) return "";
    if (Array.isArray(v)) return valueText(name, v);
    if (typeof v === "object") return v.text || "";
    return String(v);
  }

  // -- the page image ------------------------------------------------------------------------------
  const pages = (doc.ocr && doc.ocr.pages) || [];
  const view = { i: 0, s: 1, tx: 0, ty: 0, rot: {} };
  const canvas = $("canvas");
  const img = $("page-img");
  const svg = $("overlay");

  const page = () => pages[view.i];
  const rotation = () => view.rot[view.i] || 0;
  function dims() {
    const p = page();
    return rotation() % 180 ? [p.height, p.width] : [p.width, p.height];
  }
  function rotated(x, y) {
    const p = page();
    switch (rotation()) {
      case 90:
        return [p.height - y, x];
      case 180:
        return [p.width - x, p.height - y];
      case 270:
        return [y, p.width - x];
      default:
        return [x, y];
    }
  }
  function applyView() {
    const p = page();
    if (!p) return;
    const r = rotation();
    const shift = { 0: "", 90: `translate(${p.height}px,0) `, 180: `translate(${p.width}px,${p.height}px) `, 270: `translate(0,${p.width}px) ` };
    $("rot").style.transform = shift[r] + `rotate(${r}deg)`;
    $("stage").style.transform = `translate(${view.tx}px,${view.ty}px) scale(${view.s})`;
    $("zoom-level").textContent = Math.round(view.s * 100) + "%";
  }
  function fit() {
    if (!page()) return;
    const [w, h] = dims();
    const cw = canvas.clientWidth;
    const ch = canvas.clientHeight;
    view.s = Math.min(cw / w, ch / h) * 0.98;
    view.tx = (cw - w * view.s) / 2;
    view.ty = Math.max((ch - h * view.s) / 2, 0);
    applyView();
  }
  function zoomAt(factor, cx, cy) {
    const s = Math.min(Math.max(view.s * factor, 0.05), 8);
    view.tx = cx - (cx - view.tx) * (s / view.s);
    view.ty = cy - (cy - view.ty) * (s / view.s);
    view.s = s;
    applyView();
  }
  function boxOnScreen(box) {
    const a = rotated(box[0], box[1]);
    const b = rotated(box[2], box[3]);
    const x0 = Math.min(a[0], b[0]);
    const y0 = Math.min(a[1], b[1]);
    const x1 = Math.max(a[0], b[0]);
    const y1 = Math.max(a[1], b[1]);
    return { x0, y0, x1, y1, sx0: view.tx + x0 * view.s, sy0: view.ty + y0 * view.s, sx1: view.tx + x1 * view.s, sy1: view.ty + y1 * view.s };
  }
  // Bring a box into sight (and, with zoom, make it a readable size).
  function showBox(box, zoom) {
    const cw = canvas.clientWidth;
    const ch = canvas.clientHeight;
    let b = boxOnScreen(box);
    if (zoom) {
      const s = Math.min(Math.max((cw * 0.45) / Math.max(b.x1 - b.x0, 1), view.s), 4);
      view.s = Math.min(s, (ch * 0.8) / Math.max(b.y1 - b.y0, 1));
      b = boxOnScreen(box);
    }
    const margin = 24;
    const inside = b.sx0 >= margin && b.sy0 >= margin && b.sx1 <= cw - margin && b.sy1 <= ch - margin;
    if (zoom || !inside) {
      view.tx = cw / 2 - ((b.x0 + b.x1) / 2) * view.s;
      view.ty = ch / 2 - ((b.y0 + b.y1) / 2) * view.s;
    }
    applyView();
  }

  function rect(box, cls, title) {
    const r = document.createElementNS(SVG, "rect");
    r.setAttribute("x", box[0]);
    r.setAttribute("y", box[1]);
    r.setAttribute("width", Math.max(box[2] - box[0], 1));
    r.setAttribute("height", Math.max(box[3] - box[1], 1));
    r.setAttribute("class", cls);
    if (title) {
      const t = document.createElementNS(SVG, "title");
      t.textContent = title;
      r.appendChild(t);
    }
    return r;
  }
  function drawBoxes() {
    const p = page();
    svg.replaceChildren();
    if (!p) return;
    svg.setAttribute("viewBox", `0 0 ${p.width} ${p.height}`);
    svg.setAttribute("width", p.width);
    svg.setAttribute("height", p.height);
    const lines = document.createElementNS(SVG, "g");
    lines.setAttribute("class", "lines");
    p.lines.forEach((line, i) => {
      const r = rect(line.box, "line", `${line.text}（${pct(line.confidence)}）`);
      r.dataset.line = i;
      lines.appendChild(r);
    });
    svg.appendChild(lines);
    const fields = document.createElementNS(SVG, "g");
    fields.setAttribute("class", "field-boxes");
    for (const name of order) {
      const f = doc.fields[name];
      if (!f || !f.box || f.page !== p.page) continue;
      const r = rect(f.box, `fbox ${level(f)}${name === selected ? " selected" : ""}`, `${fieldName(name)}：${valueText(name, f.value)}`);
      r.dataset.field = name;
      fields.appendChild(r);
    }
    svg.appendChild(fields);
  }
  function drawPages() {
    const holder = $("pages");
    holder.replaceChildren();
    if (pages.length > 1) holder.appendChild(el("span", "muted", "页："));
    pages.forEach((p, i) => {
      const b = el("button", i === view.i ? "current" : "", String(p.page));
      b.type = "button";
      b.title = `第 ${p.page} 页`;
      b.addEventListener("click", () => showPage(i));
      holder.appendChild(b);
    });
  }
  let firstImage = true;
  function showPage(i, then) {
    if (!pages.length) {
      $("noimage").hidden = false;
      $("stage").hidden = true;
      return;
    }
    const changed = i !== view.i || !img.getAttribute("src");
    view.i = Math.max(0, Math.min(pages.length - 1, i));
    const p = page();
    img.width = p.width;
    img.height = p.height;
    drawPages();
    drawBoxes();
    if (changed) {
      img.onload = () => {
        if (firstImage) {
          firstImage = false;
          performance.mark("workbench-ready");
          document.body.dataset.ready = "1";
        }
      };
      img.src = p.image_url;
      fit();
    }
    if (then) then();
  }

  // Dragging pans, the wheel zooms about the pointer, a click on a field's box selects it.
  let drag = null;
  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, tx: view.tx, ty: view.ty, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    view.tx = drag.tx + dx;
    view.ty = drag.ty + dy;
    applyView();
  });
  canvas.addEventListener("pointerup", (e) => {
    const was = drag;
    drag = null;
    if (!was || was.moved) return;
    const hit = document.elementsFromPoint(e.clientX, e.clientY);
    const fbox = hit.find((n) => n instanceof SVGElement && n.dataset && n.dataset.field);
    const line = hit.find((n) => n instanceof SVGElement && n.dataset && n.dataset.line !== undefined);
    if (editing && line) {
      const input = document.querySelector(".field.editing input[type=text]");
      if (input) {
        input.value = page().lines[Number(line.dataset.line)].text;
        input.dispatchEvent(new Event("input"));
        input.focus();
      }
      return;
    }
    if (fbox) select(fbox.dataset.field, false);
  });
  canvas.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      const r = canvas.getBoundingClientRect();
      zoomAt(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
    },
    { passive: false },
  );
  document.querySelectorAll("[data-zoom]").forEach((b) =>
    b.addEventListener("click", () => zoomCommand(b.dataset.zoom)),
  );
  document.querySelector("[data-rotate]").addEventListener("click", rotate);
  $("show-lines").addEventListener("change", (e) => svg.classList.toggle("no-lines", !e.target.checked));
  window.addEventListener("resize", fit);

  function zoomCommand(what) {
    const cx = canvas.clientWidth / 2;
    const cy = canvas.clientHeight / 2;
    if (what === "in") zoomAt(1.25, cx, cy);
    else if (what === "out") zoomAt(1 / 1.25, cx, cy);
    else if (what === "fit") fit();
    else if (what === "field" && selected && doc.fields[selected] && doc.fields[selected].box) showBox(doc.fields[selected].box, true);
  }
  function rotate() {
    if (!page()) return;
    view.rot[view.i] = (rotation() + 90) % 360;
    fit();
  }

  // -- the fields ----------------------------------------------------------------------------------
  // The unsure fields first (read below the threshold, or flagged), then the required ones not
  // read, then the confident ones, then the rest the type can carry. Fixed when the page opens (and
  // when the type changes), so that the list does not jump under the reviewer as fields are confirmed.
  let groups = {};
  function computeOrder() {
    const allowed = S.fields_of[doc.doc_type] || [];
    const required = S.required[doc.doc_type] || [];
    const present = allowed.filter((n) => doc.fields[n]).concat(Object.keys(doc.fields).filter((n) => !allowed.includes(n)));
    const parts = [
      ["unsure", present.filter((n) => unsure(doc.fields[n])).concat(required.filter((n) => !doc.fields[n]))],
      ["sure", present.filter((n) => !unsure(doc.fields[n]))],
      ["absent", allowed.filter((n) => !doc.fields[n] && !required.includes(n))],
    ];
    order = [];
    groups = {};
    for (const [group, names] of parts) {
      for (const n of names) {
        order.push(n);
        groups[n] = group;
      }
    }
  }
  const GROUP_TITLE = { unsure: "待核对", sure: "可信", absent: "未识别的其他字段" };

  function drawFields() {
    const list = $("fields");
    list.replaceChildren();
    let last = null;
    for (const name of order) {
      if (groups[name] !== last) {
        last = groups[name];
        const n = order.filter((x) => groups[x] === last).length;
        list.appendChild(el("li", "group", `${GROUP_TITLE[last]} ${n}`));
      }
      list.appendChild(fieldRow(name, doc.fields[name]));
    }
    if (!order.length) list.appendChild(el("li", "muted", "这类材料没有需要读取的字段。"));
    $("threshold-note").textContent = `置信度低于 ${pct(S.threshold)} 需核对`;
  }

  function fieldRow(name, f) {
    const lv = level(f);
    const required = (S.required[doc.doc_type] || []).includes(name);
    const li = el("li", `field ${lv}${name === selected ? " selected" : ""}`);
    li.dataset.name = name;
    li.tabIndex = -1;
    const head = el("div", "fhead");
    head.appendChild(el("span", "fname", fieldName(name)));
    if (required) head.appendChild(el("span", "req", "必填"));
    const tag = el("span", `level ${lv}`, f ? `${LEVEL_TEXT[lv]} ${f.corrected ? "" : pct(f.confidence)}`.trim() : LEVEL_TEXT.absent);
    head.appendChild(tag);
    li.appendChild(head);

    if (editing && editing.name === name) {
      li.classList.add("editing");
      li.appendChild(editor(name, f));
    } else {
      li.appendChild(el("div", "fvalue" + (f ? "" : " none"), f ? valueText(name, f.value) : "—"));
    }
    if (f) {
      const meta = el("div", "fmeta");
      for (const r of f.reasons || []) meta.appendChild(el("span", "reason", S.reasons[r] || r));
      // What the value was read from: for the selected field only, so that the list stays short.
      if (name === selected && f.source_text && valueText(name, f.value) !== f.source_text)
        meta.appendChild(el("span", "src", "原文：" + f.source_text));
      if (meta.childNodes.length) li.appendChild(meta);
      const cands = (f.candidates || []).filter((c) => JSON.stringify(c.value) !== JSON.stringify(f.value));
      if (cands.length && !f.corrected) {
        const box = el("div", "cands");
        box.appendChild(el("span", "muted", "备选："));
        cands.slice(0, 5).forEach((c, i) => {
          const b = el("button", "cand", `${i + 1}. ${valueText(name, c.value)} ${pct(c.confidence)}`);
          b.type = "button";
          b.addEventListener("click", (e) => {
            e.stopPropagation();
            select(name, false);
            save({ [name]: c.value }, "已选用备选值");
          });
          box.appendChild(b);
        });
        li.appendChild(box);
      }
    }
    if (name === selected && !(editing && editing.name === name)) {
      const acts = el("div", "factions");
      if (f && !f.corrected) acts.appendChild(button("确认无误", "A", () => accept(name)));
      acts.appendChild(button(f ? "修改" : "填写", "E", () => edit(name)));
      li.appendChild(acts);
    }
    li.addEventListener("click", () => {
      if (!(editing && editing.name === name)) select(name, false);
    });
    return li;
  }

  function button(text, key, act) {
    const b = el("button", "small");
    b.type = "button";
    b.appendChild(document.createTextNode(text + " "));
    b.appendChild(el("kbd", "", key));
    b.addEventListener("click", (e) => {
      e.stopPropagation();
      act();
    });
    return b;
  }

  // The inline editor: checks as it is typed; Enter saves, Esc leaves it.
  function editor(name, f) {
    const kind = S.kinds[name] || "text";
    const wrap = el("div", "editor");
    const msg = el("div", "ferr");
    msg.setAttribute("aria-live", "polite");
    const value = f ? f.value : null;
    let read;
    if (kind === "choice") {
      const sel = el("select");
      for (const c of S.choices[name]) {
        const o = el("option", "", c.name);
        o.value = c.value;
        if (c.value === value) o.selected = true;
        sel.appendChild(o);
      }
      wrap.appendChild(sel);
      read = () => ({ value: sel.value });
    } else if (kind === "seal") {
      const sel = el("select");
      [
        ["true", "有公章"],
        ["false", "无公章"],
      ].forEach(([v, t]) => {
        const o = el("option", "", t);
        o.value = v;
        if (String(!!(value && value.present)) === v || (!value && v === "true")) o.selected = true;
        sel.appendChild(o);
      });
      const input = el("input");
      input.type = "text";
      input.placeholder = "公章文字（可不填）";
      input.value = editText(name, value);
      // A seal whose ring text is typed is there: the choice follows the text.
      input.addEventListener("input", () => {
        if (input.value.trim()) sel.value = "true";
      });
      wrap.append(input, sel);
      read = () => {
        const text = input.value.trim();
        if (text.length > 500) return { error: "最多500个字" };
        return { value: text ? { present: sel.value === "true", text } : { present: sel.value === "true" } };
      };
    } else {
      const input = el("input");
      input.type = "text";
      input.value = editText(name, value);
      input.spellcheck = false;
      input.setAttribute("aria-label", fieldName(name));
      input.placeholder = { money: "12345.67", date: "YYYY-MM-DD", id: "18位身份证号", int: "整数", diagnoses: "诊断名称（ICD-10）；…" }[kind] || "";
      wrap.appendChild(input);
      read = () => (CHECK[kind] || CHECK.text)(input.value);
      input.addEventListener("input", () => {
        const r = read();
        msg.textContent = r.error || "";
        input.setAttribute("aria-invalid", r.error ? "true" : "false");
        wrap.classList.toggle("invalid", !!r.error);
      });
    }
    wrap.appendChild(msg);
    const hint = el("div", "hint");
    hint.append("按 ", el("kbd", "", "Enter"), " 保存，", el("kbd", "", "Esc"), " 取消");
    wrap.appendChild(hint);
    editing.read = read;
    editing.msg = msg;
    return wrap;
  }

  function select(name, scroll = true) {
    if (!name) return;
    if (editing && editing.name !== name) editing = null;
    selected = name;
    drawFields();
    const row = document.querySelector(`.field[data-name="${CSS.escape(name)}"]`);
    if (row) row.scrollIntoView({ block: "nearest" });
    const f = doc.fields[name];
    if (f && f.box) {
      const at = pages.findIndex((p) => p.page === f.page);
      if (at >= 0 && at !== view.i) showPage(at);
      drawBoxes();
      if (scroll !== null) showBox(f.box, false);
    } else {
      drawBoxes();
    }
    history.replaceState(null, "", "#field=" + encodeURIComponent(name));
  }

  function move(step) {
    if (!order.length) return;
    const at = order.indexOf(selected);
    const next = at < 0 ? 0 : Math.max(0, Math.min(order.length - 1, at + step));
    select(order[next]);
  }

  function edit(name) {
    select(name);
    editing = { name };
    drawFields();
    const row = document.querySelector(".field.editing");
    const input = row && (row.querySelector("input") || row.querySelector("select"));
    if (input) {
      input.focus();
      if (input.select) input.select();
    }
  }

  function commitEdit() {
    if (!editing) return;
    const r = editing.read();
    if (r.error) {
      editing.msg.textContent = r.error;
      return;
    }
    const name = editing.name;
    save({ [name]: r.value }, "已保存", true);
  }

  function accept(name) {
    const f = doc.fields[name];
    if (!f) {
      W.toast("这个字段没有识别出值，请按 E 填写", "warn");
      return;
    }
    if (f.corrected) {
      move(1);
      return;
    }
    save({ [name]: f.value }, "已确认", true);
  }

  function acceptConfident() {
    const fields = {};
    for (const [name, f] of Object.entries(doc.fields)) if (!f.corrected && !unsure(f)) fields[name] = f.value;
    const n = Object.keys(fields).length;
    if (!n) {
      W.toast("没有尚未确认的可信字段", "warn");
      return;
    }
    save(fields, `已确认 ${n} 个可信字段`);
  }

  // -- changes, through the JSON API ----------------------------------------------------------------
  function absorb(out, keepOrder) {
    const before = doc.fields;
    for (const [name, f] of Object.entries(out.fields)) {
      // The API does not repeat the reading's candidates; a field that was not corrected keeps them.
      const old = before[name];
      f.candidates = old && !f.corrected && JSON.stringify(old.value) === JSON.stringify(f.value) ? old.candidates : [];
    }
    const typeChanged = out.doc_type !== doc.doc_type;
    doc = Object.assign({}, doc, out, { ocr: doc.ocr });
    if (typeChanged || !keepOrder) computeOrder();
    else if (Object.keys(doc.fields).some((n) => !(n in groups))) computeOrder();
  }

  async function save(fields, done, advance) {
    if (busy) return;
    busy = true;
    const name = selected;
    try {
      const out = await W.api("PATCH", S.urls.document, { fields });
      editing = null;
      absorb(out, true);
      W.toast(done, "good");
      if (advance) {
        const at = order.indexOf(name);
        select(order[Math.min(at + 1, order.length - 1)] || name);
      } else {
        select(name);
      }
      await refreshClaim();
    } catch (err) {
      if (editing) editing.msg.textContent = err.message;
      W.toast(err.message, "bad");
    } finally {
      finished();
    }
  }

  async function changeType(to) {
    if (busy || to === doc.doc_type) return;
    busy = true;
    try {
      const out = await W.api("PATCH", S.urls.document, { doc_type: to });
      editing = null;
      selected = null;
      absorb(out, false);
      drawHead();
      select(order[0]);
      W.toast(`材料类型已改为“${typeName(to)}”，字段已按新类型重新读取`, "good");
      await refreshClaim();
    } catch (err) {
      $("doc-type").value = doc.doc_type;
      W.toast(err.message, "bad");
    } finally {
      finished();
      $("type-apply").hidden = true;
    }
  }

  async function markReviewed() {
    if (busy) return;
    busy = true;
    try {
      const out = await W.api("POST", S.urls.review);
      claim = Object.assign({}, claim, { status: out.status, completeness: out.completeness, reviewed_by: out.reviewed_by });
      drawClaim();
      W.toast("申请已标记为已审核。按 Q 返回待审核列表", "good");
    } catch (err) {
      W.toast(err.message, "bad");
    } finally {
      finished();
    }
  }

  async function refreshClaim() {
    const [c, hist] = await Promise.all([W.api("GET", S.urls.claim), W.api("GET", S.urls.history)]);
    claim = Object.assign({}, claim, { status: c.status, completeness: c.completeness, reviewed_by: c.reviewed_by });
    drawClaim();
    drawHistory(hist);
  }

  // -- the claim: completeness and status -----------------------------------------------------------
  function actorOf(p) {
    if (p.actor === "member" || p.actor === "reviewer") return p.actor;
    return p.severity === "error" ? "member" : "reviewer";
  }

  function drawClaim() {
    const panel = $("completeness");
    panel.replaceChildren();
    const comp = claim.completeness;
    const h = el("h2", "", "材料完整性 ");
    if (comp) h.appendChild(el("span", comp.complete ? "badge good" : "badge bad", comp.complete ? "齐全" : "不齐全"));
    h.appendChild(el("span", `status s-${claim.status}`, S.statuses[claim.status] || claim.status));
    panel.appendChild(h);
    const groups = { member: [], reviewer: [] };
    for (const m of (comp && comp.missing) || []) groups.member.push({ message: m.message });
    for (const p of (comp && comp.problems) || []) groups[actorOf(p)].push(p);
    for (const [actor, title] of [
      ["member", "需申请人补正"],
      ["reviewer", "需审核人员核对"],
    ]) {
      const box = el("div", `findings f-${actor}`);
      const t = el("h3", "", title + " ");
      t.appendChild(el("span", "n", groups[actor].length));
      box.appendChild(t);
      if (!groups[actor].length) box.appendChild(el("p", "muted", "无"));
      const ul = el("ul");
      // This document's findings first.
      groups[actor].sort((a, b) => (b.document_id === doc.id) - (a.document_id === doc.id));
      for (const p of groups[actor]) {
        const li = el("li", p.document_id === doc.id ? "here" : "");
        if (p.document_id === doc.id && p.field && (doc.fields[p.field] || order.includes(p.field))) {
          const a = el("a", "", p.message);
          a.href = "#field=" + encodeURIComponent(p.field);
          a.addEventListener("click", (e) => {
            e.preventDefault();
            select(p.field);
          });
          li.appendChild(a);
        } else if (p.document_id) {
          const a = el("a", "", p.message);
          a.href = `/review/documents/${encodeURIComponent(p.document_id)}` + (p.field ? "#field=" + encodeURIComponent(p.field) : "");
          li.appendChild(a);
        } else {
          li.textContent = p.message;
        }
        ul.appendChild(li);
      }
      if (groups[actor].length) box.appendChild(ul);
      panel.appendChild(box);
    }
    const banner = $("banner");
    if (claim.status === "reviewed") {
      banner.hidden = false;
      banner.className = "banner good";
      banner.textContent = `此申请已审核${claim.reviewed_by ? "（" + claim.reviewed_by + "）" : ""}。仍可修改字段，修改会记入记录。`;
      $("mark-reviewed").disabled = true;
    } else if (doc.status !== "done") {
      banner.hidden = false;
      banner.className = "banner warn";
      banner.textContent = doc.status === "failed" ? `此材料无法识别：${doc.reason || ""}` : "此材料还在识别中，请稍后刷新。";
    } else if (claim.status === "processing") {
      banner.hidden = false;
      banner.className = "banner warn";
      banner.textContent = "此申请还有材料在识别中，识别完成后才能标记为已审核。";
    } else {
      banner.hidden = true;
    }
  }

  function drawHistory(rows) {
    const list = $("history-list");
    list.replaceChildren();
    $("history-count").textContent = rows.length;
    const fmt = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
    for (const r of rows.slice().reverse()) {
      const what = r.field === "doc_type" ? "材料类型" : fieldName(r.field);
      const show = (v) => (r.field === "doc_type" ? typeName(v) : valueText(r.field, v));
      const text =
        JSON.stringify(r.old) === JSON.stringify(r.new)
          ? `${what}：确认无误 ${show(r.new)}`
          : `${what}：${r.old === null ? "（空）" : show(r.old)} → ${r.new === null ? "（删除）" : show(r.new)}`;
      const li = el("li");
      li.appendChild(el("span", "muted", `${fmt.format(new Date(r.at))} ${r.by} `));
      li.appendChild(document.createTextNode(text));
      list.appendChild(li);
    }
  }

  function drawHead() {
    $("doc-type").value = doc.doc_type;
    $("doc-title").textContent = typeName(doc.doc_type);
    document.title = `${typeName(doc.doc_type)} · 审核工作台`;
    const conf = doc.doc_type_confidence;
    const tc = $("type-conf");
    tc.textContent = conf === null || conf === undefined ? "" : pct(conf);
    tc.className = "conf " + (conf < S.threshold ? "low" : "high");
    const tab = document.querySelector(`#doc-tabs a[data-doc="${CSS.escape(doc.id)}"]`);
    if (tab) tab.textContent = `${S.documents.findIndex((d) => d.id === doc.id) + 1}. ${typeName(doc.doc_type)}`;
  }

  // -- documents -----------------------------------------------------------------------------------
  function goDocument(step) {
    const ready = S.documents.filter((d) => d.status === "done" || d.id === doc.id);
    const at = ready.findIndex((d) => d.id === doc.id);
    const next = ready[at + step];
    if (next) location.href = `/review/documents/${encodeURIComponent(next.id)}`;
    else if (step > 0) location.href = S.urls.claim_page;
  }

  function askReviewed() {
    if (claim.status === "reviewed") {
      W.toast("此申请已经审核过了", "warn");
      return;
    }
    const comp = claim.completeness || { missing: [], problems: [] };
    const member = (comp.missing || []).length + (comp.problems || []).filter((p) => actorOf(p) === "member").length;
    const open = order.filter((n) => doc.fields[n] && unsure(doc.fields[n])).length;
    let text = "确认将此申请标记为已审核？";
    if (member) text += `（仍有 ${member} 项需申请人补正）`;
    else if (open) text += `（本材料还有 ${open} 个字段未核对）`;
    W.confirmBar(text, markReviewed);
  }

  // -- keys ----------------------------------------------------------------------------------------
  W.onKey((e, inField) => {
    if (inField) {
      if (e.target.id === "doc-type") {
        if (e.key === "Enter") {
          e.preventDefault();
          changeType(e.target.value);
          e.target.blur();
          return true;
        }
        if (e.key === "Escape") {
          e.target.value = doc.doc_type;
          $("type-apply").hidden = true;
          e.target.blur();
          return true;
        }
        return false;
      }
      if (!editing) return false;
      if (e.key === "Enter") {
        e.preventDefault();
        commitEdit();
        return true;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        editing = null;
        select(selected);
        return true;
      }
      return false;
    }
    if (e.shiftKey && (e.key === "A" || e.key === "a")) {
      acceptConfident();
      return true;
    }
    const n = Number(e.key);
    if (n >= 1 && n <= 5 && selected && doc.fields[selected]) {
      const f = doc.fields[selected];
      const cands = (f.candidates || []).filter((c) => JSON.stringify(c.value) !== JSON.stringify(f.value));
      if (cands[n - 1] && !f.corrected) save({ [selected]: cands[n - 1].value }, "已选用备选值", true);
      return true;
    }
    switch (e.key) {
      case "j":
      case "ArrowDown":
        move(1);
        return true;
      case "k":
      case "ArrowUp":
        move(-1);
        return true;
      case "a":
        if (selected) accept(selected);
        return true;
      case "e":
      case "Enter":
        if (selected) edit(selected);
        return true;
      case "Escape":
        return false;
      case "t":
        $("doc-type").focus();
        return true;
      case "n":
        goDocument(1);
        return true;
      case "p":
        goDocument(-1);
        return true;
      case "r":
        askReviewed();
        return true;
      case "c":
        location.href = S.urls.claim_page;
        return true;
      case "PageDown":
        showPage(view.i + 1);
        return true;
      case "PageUp":
        showPage(view.i - 1);
        return true;
      case "+":
      case "=":
        zoomCommand("in");
        return true;
      case "-":
        zoomCommand("out");
        return true;
      case "0":
        zoomCommand("fit");
        return true;
      case "z":
        zoomCommand("field");
        return true;
      case "o":
        rotate();
        return true;
      case "l": {
        const box = $("show-lines");
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change"));
        return true;
      }
      default:
        return false;
    }
  });

  $("doc-type").addEventListener("change", (e) => {
    $("type-apply").hidden = e.target.value === doc.doc_type;
  });
  $("type-form").addEventListener("submit", (e) => {
    e.preventDefault();
    changeType($("doc-type").value);
  });
  $("accept-all").addEventListener("click", acceptConfident);
  $("mark-reviewed").addEventListener("click", askReviewed);

  // -- start ---------------------------------------------------------------------------------------
  computeOrder();
  drawHead();
  drawClaim();
  showPage(0);
  const wanted = /^#field=(.+)$/.exec(location.hash);
  const first = wanted && order.includes(decodeURIComponent(wanted[1])) ? decodeURIComponent(wanted[1]) : order[0];
  if (first) select(first);
  else drawFields();
  W.api("GET", S.urls.history).then(drawHistory, () => {});
})();
