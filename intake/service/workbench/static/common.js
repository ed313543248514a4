// What every workbench page shares: the shortcut help, list navigation (queue, a claim's
// documents), the confirm bar, and the JSON API with the session's CSRF token.
"use strict";

(() => {
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  const STATUS_TEXT = {
    401: "登录已过期，请重新登录",
    403: "没有权限，或页面已过期：请刷新页面",
    404: "找不到这份材料",
    409: "材料仍在识别中，暂时不能修改",
    413: "内容太大",
    422: "填写的内容不符合格式要求",
  };

  function sessionEnded() {
    const banner = document.getElementById("banner");
    if (!banner) return;
    banner.hidden = false;
    banner.className = "banner bad";
    banner.textContent = "登录已过期。";
    const a = document.createElement("a");
    a.href = "/review/login?next=" + encodeURIComponent(location.pathname);
    a.textContent = "重新登录";
    banner.appendChild(a);
  }

  // Every call goes to the JSON API with the session cookie; changes carry the CSRF token.
  async function api(method, url, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (response.status === 401) sessionEnded();
    if (!response.ok) {
      const err = new ApiError(response.status, STATUS_TEXT[response.status] || "操作失败，请稍后再试");
      err.detail = data && data.detail;
      throw err;
    }
    return data;
  }

  function typing(target) {
    return (
      target instanceof HTMLInputElement ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement ||
      (target instanceof HTMLElement && target.isContentEditable)
    );
  }

  // -- the confirm bar: Enter says yes, Esc says no ------------------------------------------------
  let confirming = null;
  function confirmBar(text, onYes) {
    const bar = document.getElementById("confirm");
    if (!bar) {
      onYes();
      return;
    }
    document.getElementById("confirm-text").textContent = text;
    bar.hidden = false;
    confirming = onYes;
    document.getElementById("confirm-yes").focus();
  }
  function closeConfirm(yes) {
    const bar = document.getElementById("confirm");
    if (!bar || bar.hidden) return false;
    bar.hidden = true;
    const act = confirming;
    confirming = null;
    if (yes && act) act();
    return true;
  }

  function toast(text, kind) {
    const el = document.getElementById("toast");
    if (!el) return;
    el.textContent = text;
    el.className = "toast " + (kind || "");
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => {
      el.hidden = true;
    }, 3500);
  }

  // -- lists: J/K select a row, Enter opens it -----------------------------------------------------
  function listNav() {
    const rows = Array.from(document.querySelectorAll("tr[data-row]"));
    let at = -1;
    function select(i) {
      if (!rows.length) return;
      at = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach((r, j) => r.classList.toggle("selected", j === at));
      rows[at].scrollIntoView({ block: "nearest" });
    }
    rows.forEach((r, i) =>
      r.addEventListener("click", (e) => {
        if (e.target instanceof HTMLAnchorElement) return;
        select(i);
        location.href = r.dataset.href;
      }),
    );
    return {
      rows,
      next: () => select(at + 1),
      prev: () => select(at - 1),
      open: () => {
        if (!rows.length) return false;
        location.href = rows[at < 0 ? 0 : at].dataset.href;
        return true;
      },
    };
  }

  const pageKeys = []; // handlers a page adds: (event) => true when the key was used
  function onKey(handler) {
    pageKeys.push(handler);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const help = document.getElementById("help");
    document.querySelectorAll("[data-help-open]").forEach((b) => b.addEventListener("click", () => help.showModal()));
    document.querySelectorAll("select[data-autosubmit]").forEach((s) => s.addEventListener("change", () => s.form.submit()));
    const yes = document.getElementById("confirm-yes");
    const no = document.getElementById("confirm-no");
    if (yes) yes.addEventListener("click", () => closeConfirm(true));
    if (no) no.addEventListener("click", () => closeConfirm(false));

    const list = listNav();
    const reviewForm = document.getElementById("review-form");
    if (reviewForm) {
      reviewForm.addEventListener("submit", (e) => {
        if (reviewForm.dataset.confirmed) return;
        e.preventDefault();
        confirmBar("确认将此申请标记为已审核？", () => {
          reviewForm.dataset.confirmed = "1";
          reviewForm.submit();
        });
      });
    }

    document.addEventListener("keydown", (e) => {
      const bar = document.getElementById("confirm");
      if (bar && !bar.hidden) {
        if (e.key === "Enter" || e.key === "Escape") {
          e.preventDefault();
          closeConfirm(e.key === "Enter");
        }
        return;
      }
      if (help && help.open) return; // the dialog closes itself on Esc
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (typing(e.target)) {
        // In a field the keys are the field's; the page may take Enter and Esc (the editor does),
        // and Esc otherwise leaves the field so that the shortcuts work again.
        for (const h of pageKeys) if (h(e, true)) return;
        if (e.key === "Escape") e.target.blur();
        return;
      }
      for (const h of pageKeys) {
        if (h(e, false)) {
          e.preventDefault();
          return;
        }
      }
      const prevPage = document.querySelector("[data-prev-page]");
      const nextPage = document.querySelector("[data-next-page]");
      switch (e.key) {
        case "?":
          help.showModal();
          break;
        case "j":
        case "ArrowDown":
          if (!list.rows.length) return;
          list.next();
          break;
        case "k":
        case "ArrowUp":
          if (!list.rows.length) return;
          list.prev();
          break;
        case "Enter": {
          if (list.open()) break;
          const start = document.querySelector(".claim-head a.button");
          if (!start) return;
          location.href = start.href;
          break;
        }
        case "ArrowLeft":
          if (!prevPage) return;
          location.href = prevPage.href;
          break;
        case "ArrowRight":
          if (!nextPage) return;
          location.href = nextPage.href;
          break;
        case "r":
          if (!reviewForm) return;
          reviewForm.requestSubmit();
          break;
        case "q":
          if (document.body.classList.contains("page-queue")) return;
          location.href = "/review/";
          break;
        default:
          return;
      }
      e.preventDefault();
    });
  });

  window.Workbench = { api, ApiError, confirmBar, toast, onKey, typing };
})();
