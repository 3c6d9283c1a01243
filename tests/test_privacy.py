"""Privacy (issue 8): nothing in the SDK, the CLI or the app's analysis path touches the
network.

A fresh interpreter blocks every internet socket and name lookup before anything is
imported, then analyses a frame and a monitor photo through the SDK, runs
``cathnet analyze --photo --json``, and has the app's worker analyse a stored photo.
Any attempt is recorded and fails the test (and raises where it was made, so it cannot
pass unnoticed).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.paths import REPO, SAMPLES

SCRIPT = textwrap.dedent(
    """
    import json, socket, sys
    attempts = []

    def refuse(what):
        def blocked(*args, **kwargs):
            attempts.append(f"{what}{args[1:2] or args[:1]}")
            raise OSError(f"network access blocked by the privacy test: {what}")
        return blocked

    class Socket(socket.socket):
        def __init__(self, family=-1, *args, **kwargs):
            if family in (socket.AF_INET, socket.AF_INET6, -1):
                attempts.append(f"socket(family={family})")
            super().__init__(family, *args, **kwargs)

    for name in ("connect", "connect_ex", "sendto", "bind"):
        setattr(Socket, name, refuse(f"socket.{name}"))
    socket.socket = Socket
    socket.create_connection = refuse("create_connection")
    socket.getaddrinfo = refuse("getaddrinfo")
    socket.gethostbyname = refuse("gethostbyname")

    import tempfile, threading, io
    from pathlib import Path
    import cathnet
    from cathnet.cli import main

    frame, photo = Path(sys.argv[1]), Path(sys.argv[2])
    with cathnet.Analyzer() as analyzer:
        analyzer.predict(frame)
        analyzer.predict(photo, photo=True, keep_view=True)
    out = io.StringIO()
    assert main(["analyze", "--photo", "--json", str(photo)], out) == 0, out.getvalue()

    from cathnet_bedside.storage import CaptureStore
    from cathnet_bedside.worker import AnalysisWorker
    done = threading.Event()
    with tempfile.TemporaryDirectory() as folder:
        store = CaptureStore(Path(folder))
        record = store.save(cathnet.read_image(photo), "photo")
        worker = AnalysisWorker(store, lambda: cathnet.Analyzer(), on_done=lambda outcome: done.set()).start()
        worker.submit(record.id)
        assert done.wait(120), "the worker did not finish"
        worker.stop()
        assert store.record(record.id).status == "done"
    print(json.dumps({"attempts": attempts}))
    """
)


def test_no_network_access_anywhere() -> None:
    frame = sorted(SAMPLES.glob("*.png"))[0]
    photo = SAMPLES / "photos" / "monitor_photo.jpg"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(frame), str(photo)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["attempts"] == [], f"expected no network access, got {report['attempts']}"
