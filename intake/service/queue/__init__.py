"""Where reading happens, behind one interface (intake.service.context.Runner): threads of the
service process when no broker is configured (embedded.py), Celery workers when one is (celery.py).
Both take files through the same leases (intake.service.writes), so the database stays the one
truth about what is queued, in hand or done; the broker only carries notices."""

from __future__ import annotations

from intake.service.context import Runner, ServiceContext


def make_runner(ctx: ServiceContext) -> Runner:
    if ctx.settings.broker_url:
        from intake.service.queue.celery import CeleryRunner

        return CeleryRunner(ctx)
    from intake.service.queue.embedded import EmbeddedRunner

    return EmbeddedRunner(ctx)
