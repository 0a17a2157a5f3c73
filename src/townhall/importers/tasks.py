"""Background work for imports. Tasks take ids, re-fetch, and tolerate deleted rows."""

from __future__ import annotations

from django.tasks import task


@task()
def run_import_task(run_id: int) -> str:
    """Run a queued import (see actions.run_import); returns its final state."""
    from townhall.importers import actions  # actions enqueue this task: imported when it runs

    run = actions.run_import(run_id)
    return run.state if run is not None else "missing"


@task()
def send_claim_email(invitation_id: int, token: str) -> bool:
    """Email a claim link, unless the invitation was used or deleted in the meantime."""
    from townhall.importers import emails

    return emails.send_claim(invitation_id, token)
