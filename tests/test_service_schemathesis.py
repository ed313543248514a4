"""schemathesis drives every operation of /openapi.json with generated requests: no 5xx, and
every response as the document describes it (status codes, content types, bodies, Allow headers).

The app is built when the module is collected, because schemathesis needs the schema to generate
the test cases (its lazy fixture loader does not work with this pytest).
"""

from __future__ import annotations

import atexit
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from PIL import Image
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .conftest import FakeReader

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _build() -> tuple[Any, str, str]:
    """An app with a processed claim in it, and a portal's and a reviewer's headers."""
    from fastapi.testclient import TestClient

    from intake.service.app import create_app
    from intake.service.auth import create_key
    from intake.settings import Settings
    from intake.store.database import transaction

    data_dir = Path(tempfile.mkdtemp(prefix="intake-schemathesis-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    app = create_app(Settings(data_dir=data_dir, max_upload_bytes=200_000), reader=FakeReader())
    with transaction(app.state.ctx.sessions) as s:
        portal = create_key(s, "portal", "portal-st")[1]
        reviewer = create_key(s, "reviewer", "reviewer-st")[1]
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), "white").save(buf, "PNG")
    with TestClient(app) as c:
        claim = c.post(
            "/v1/claims", json={"claim_type": "inpatient"}, headers={"Authorization": f"Bearer {portal}"}
        ).json()
        c.post(
            f"/v1/claims/{claim['id']}/documents",
            files={"file": ("invoice.png", buf.getvalue())},
            headers={"Authorization": f"Bearer {portal}"},
        )
    return app, portal, reviewer


def _schema(key: str) -> Any:
    # The key goes in through the schema's security scheme, so that schemathesis knows when it
    # leaves it out on purpose (and then expects a 401).
    config = SchemathesisConfig.from_dict({"auth": {"openapi": {"HTTPBearer": {"bearer": key}}}})
    return schemathesis.openapi.from_asgi("/openapi.json", APP, config=config)


APP, PORTAL, REVIEWER = _build()
as_portal = _schema(PORTAL)
as_reviewer = _schema(REVIEWER).include(method=["PATCH", "GET"], path_regex="^/v1/(documents|review)")


@as_portal.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_as_a_portal(case: schemathesis.Case) -> None:
    # A schema-valid webhook_url may still be refused with 422 (a private or loopback address:
    # tests/test_scale_gaps.py), which no JSON Schema can say; every other check stays on.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


@as_reviewer.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_as_a_reviewer(case: schemathesis.Case) -> None:
    case.call_and_validate()
