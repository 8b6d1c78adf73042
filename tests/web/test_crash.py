"""Kill the review server with SIGKILL in the middle of a review and restart it: no decision is
lost, none is doubled (a replayed request is refused, not counted twice)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest

from oi_text.review.store import ReviewStore

from ..review.conftest import make_scores


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db, port) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "oi_text.cli", "review", "serve", "--db", str(db),
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("review server did not start: " + proc.stdout.read().decode(errors="replace"))


@pytest.mark.slow
def test_sigkill_mid_review_loses_and_doubles_nothing(tmp_path):
    db = tmp_path / "review.sqlite"
    store = ReviewStore(db)
    scores, texts = make_scores(200, ecosystems=("ai",))
    store.create_run("demo", scores, texts, thresholds={"ai": 0.5})
    token = store.add_reviewer("anna")
    store.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    proc = start(db, port)
    acknowledged: list[str] = []
    sent: dict[str, dict] = {}
    try:
        for i in range(25):
            item = httpx.get(f"{base}/api/runs/demo/next/ai", headers=headers, timeout=10).json()
            event = uuid.uuid4().hex
            body = {"item_id": item["id"], "kind": "accept" if i % 3 else "reject", "event_id": event}
            sent[event] = body
            if i == 12:
                # the server dies while this request is on its way; we do not know if it landed
                killer = threading.Timer(0.005, os.killpg, args=(proc.pid, signal.SIGKILL))
                killer.start()
                try:
                    r = httpx.post(f"{base}/api/decisions", json=body, headers=headers, timeout=10)
                    if r.status_code == 201:
                        acknowledged.append(event)
                except httpx.HTTPError:
                    pass
                killer.join()
                proc.wait(timeout=10)
                proc = start(db, port)
                # the client retries the request it is unsure about: exactly one decision results
                r = httpx.post(f"{base}/api/decisions", json=body, headers=headers, timeout=10)
                assert r.status_code in (201, 409), r.text
                if event not in acknowledged:
                    acknowledged.append(event)
                continue
            r = httpx.post(f"{base}/api/decisions", json=body, headers=headers, timeout=10)
            assert r.status_code == 201, r.text
            acknowledged.append(event)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    store = ReviewStore(db)
    log = store.decisions("demo")
    events = [d["event_id"] for d in log]
    assert sorted(events) == sorted(acknowledged)  # nothing lost
    assert len(events) == len(set(events)) == 25  # nothing doubled
    assert len({d["item_id"] for d in log}) == 25
    assert store.estimate("demo", "ai").reviewed == 25
