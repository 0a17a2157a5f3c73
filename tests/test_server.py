"""The embedded server stops cleanly: a second Ctrl-C while the task worker is finishing is ignored."""

from __future__ import annotations

import os
import signal
import time

import pytest

from townhall import server


class WorkerHitByASecondCtrlC:
    """Stands in for the task worker thread: stopping it takes a moment, during which Ctrl-C comes again."""

    stopped = False

    def start(self) -> None:
        pass

    def stop(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)  # the signal is handled here, while the worker is still stopping
        type(self).stopped = True


@pytest.mark.django_db
def test_a_second_ctrl_c_while_the_worker_stops_does_not_abort(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "TaskWorkerThread", WorkerHitByASecondCtrlC)
    sock = server.bind_socket("127.0.0.1", 0)
    before = signal.getsignal(signal.SIGINT)

    try:
        code = server.run_embedded(
            sock, with_worker=True, on_ready=lambda: os.kill(os.getpid(), signal.SIGINT)
        )
    except KeyboardInterrupt:  # caught here so that the failure is this test's, not the whole run's
        pytest.fail("the second Ctrl-C aborted the worker's stop")

    assert code == 0
    assert WorkerHitByASecondCtrlC.stopped
    assert signal.getsignal(signal.SIGINT) is before  # Ctrl-C works as usual again afterwards
