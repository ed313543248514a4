"""Invoices already claimed: the same bill must not be paid twice.

An invoice is known by its 票据代码 + 票据号码, and an electronic one also by its 校验码; either
key seen on an earlier claim is a duplicate. The CLI keeps a local registry file; the service
keeps a table. Both answer the same two questions.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from intake.elements.document import Document
from intake.normalize.text import to_halfwidth
from intake.vocabulary import DocType


class InvoiceRegistry(Protocol):
    def earlier_claims(self, keys: Iterable[str], claim_id: str) -> dict[str, str]:
        """For each key already recorded by a claim other than claim_id: key -> that claim's id."""
        ...

    def hold(self, keys: Iterable[str], claim_id: str) -> None:
        """Make claim_id hold exactly these invoice keys (idempotent; an empty list releases them)."""
        ...

    def image_keys(self, claim_id: str) -> dict[str, str]:
        """Every image key (see image_key) held by a claim other than claim_id: key -> that claim's id."""
        ...


# -- keys and the local registry (below the Protocol, which the service's table also implements) --


def _clean_key_part(value: object) -> str:
    # OCR and typists differ in spaces and letter case; the key must not.
    return re.sub(r"[\s\-]", "", to_halfwidth(str(value))).upper()


def invoice_keys(document: Document) -> list[str]:
    """The keys that identify this document's invoice: 票据代码 + 票据号码, and the 校验码.

    Only invoices have them; a key is left out when a part of it was not read, so that two
    unreadable invoices never look like the same one.
    """
    if document.doc_type != DocType.INVOICE:
        return []
    keys = []
    code, number, check = (document.value(n) for n in ("invoice_code", "invoice_number", "check_code"))
    if code and number:
        keys.append(f"no:{_clean_key_part(code)}/{_clean_key_part(number)}")
    if check:
        keys.append(f"check:{_clean_key_part(check)}")
    # When the 票据代码 was not read (a photographed paper invoice), its number, date and amount
    # together still name one bill.
    issued, total = document.value("issue_date"), document.value("total_amount")
    if number and issued and total:
        keys.append(f"bill:{_clean_key_part(number)}/{issued}/{total}")
    # And when its number was misread (a ten-digit 票据号码 is the longest figure on the paper,
    # the likeliest to lose a digit), its 票据代码 with the date and the amount to the cent: one
    # batch of a hospital's invoices shares the code, not a day and a total (train seed lead1206,
    # invoice_used_before: 1315861809 read 1315861800 at 0.52, the code read right, went unseen).
    if code and issued and total:
        keys.append(f"batch:{_clean_key_part(code)}/{issued}/{total}")
    return keys


IMAGE = "image:"


def image_key(document: Document) -> str | None:
    """The invoice's page fingerprint with its total: `image:<fingerprint>:<total or ->`, which finds
    the same paper photographed again when its numbers were not read (intake.ocr.fingerprint)."""
    if document.doc_type != DocType.INVOICE or not document.fingerprint:
        return None
    return f"{IMAGE}{document.fingerprint}:{document.value('total_amount') or '-'}"


def parse_image_key(key: str) -> tuple[str, str | None]:
    fingerprint, _, total = key.removeprefix(IMAGE).partition(":")
    return fingerprint, (None if total in ("", "-") else total)


def default_registry_path() -> Path:
    """INTAKE_REGISTRY, else $INTAKE_DATA_DIR, else $XDG_DATA_HOME/intake, else ~/.local/share/intake."""
    from intake.settings import Settings

    return Settings.load().registry_path


class RegistryError(OSError):
    """The registry file exists but cannot be read or written."""


class LocalInvoiceRegistry:
    """InvoiceRegistry on one JSON file: {"version": 1, "keys": {key: [claim ids, earliest first]}}.

    Writes go to a temporary file that replaces the old one, under an exclusive lock on a side
    file, so that two `intake process` runs at once neither lose a record nor leave half a file.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_registry_path()

    def _load(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise RegistryError(f"invoice registry {self.path}: cannot read it ({exc})") from exc
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, dict):
            raise RegistryError(f"invoice registry {self.path}: not an intake invoice registry")
        return {str(k): [str(c) for c in v] for k, v in keys.items() if isinstance(v, list)}

    def earlier_claims(self, keys: Iterable[str], claim_id: str) -> dict[str, str]:
        known = self._load()
        out = {}
        for key in keys:
            others = [c for c in known.get(key, []) if c != claim_id]
            if others:
                out[key] = others[0]
        return out

    def image_keys(self, claim_id: str) -> dict[str, str]:
        out = {}
        for key, claims in self._load().items():
            others = [c for c in claims if c != claim_id]
            if key.startswith(IMAGE) and others:
                out[key] = others[0]
        return out

    def hold(self, keys: Iterable[str], claim_id: str) -> None:
        wanted = set(keys)
        try:
            if not wanted and not self.path.exists():
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_name(self.path.name + ".lock"), "a+") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                known = self._load()
                changed = False
                for key in wanted:
                    claims = known.setdefault(key, [])
                    if claim_id not in claims:
                        claims.append(claim_id)
                        changed = True
                for key in [k for k, claims in known.items() if claim_id in claims and k not in wanted]:
                    known[key].remove(claim_id)
                    if not known[key]:
                        del known[key]
                    changed = True
                if changed:
                    self._write({"version": 1, "keys": known})
        except RegistryError:
            raise
        except OSError as exc:
            raise RegistryError(f"invoice registry {self.path}: cannot write it ({exc.strerror or exc})") from exc

    def _write(self, data: dict[str, object]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
