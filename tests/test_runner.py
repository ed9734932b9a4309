"""The runner on its own: isolation between programs, working directory, figures."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coursekit.run.runner import Job
from coursekit.run.scheduler import Scheduler


def test_no_state_leaks_from_one_program_to_the_next(tmp_path):
    jobs = [
        Job(
            "a", "import torch, sys\ntorch.leaked = 1\nsys.modules['leak'] = sys\nX = 41\n", "a.py"
        ),
        Job(
            "b",
            "import torch, sys\nprint(hasattr(torch, 'leaked'), 'leak' in sys.modules)\n"
            "print('X' in globals())\n",
            "b.py",
        ),
    ]
    # One after the other, from the same warm server.
    with Scheduler(workers=1, preload=["torch"]) as runner:
        first, second = runner.run(jobs, workdir=tmp_path)
    assert first.ok and second.ok
    assert second.stdout == "False False\nFalse\n"


def test_programs_forked_from_one_server_draw_their_own_random_numbers(tmp_path):
    # Unseeded, as two fresh Pythons would: not the warm server's generators' state.
    code = (
        "import random, numpy, torch\n"
        "print(numpy.random.rand(), torch.rand(1).item(), random.random())\n"
    )
    # The warm server of the test above (numpy comes with torch).
    with Scheduler(workers=1, preload=["torch"]) as runner:
        outcomes = runner.run([Job(f"r{i}", code, f"r{i}.py") for i in range(3)], workdir=tmp_path)
    draws = [outcome.stdout.split() for outcome in outcomes]
    assert all(outcome.ok for outcome in outcomes) and all(len(draw) == 3 for draw in draws)
    for generator in range(3):  # numpy, torch, random: three different draws each
        assert len({draw[generator] for draw in draws}) == 3, draws


def test_programs_run_in_a_temporary_folder_and_figures_are_saved(tmp_path):
    code = (
        "import os, matplotlib.pyplot as plt\n"
        "print(os.getcwd() != START)\n"
        "open('here.txt', 'w').write('x')\n"
        "plt.plot([1, 2, 3]); plt.show()\n"
        "plt.plot([3, 2, 1])\n"  # not shown: saved at the end all the same
    )
    start = Path.cwd()
    with Scheduler(workers=1) as runner:
        (outcome,) = runner.run([Job("c", f"START = {str(start)!r}\n" + code, "c.py")], tmp_path)
    assert outcome.ok, outcome.error
    assert outcome.stdout == "True\n"
    assert not (start / "here.txt").exists()
    assert [p.name for p in outcome.figures] == ["figure-01.png", "figure-02.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in outcome.figures)


def test_a_program_that_dies_leaves_no_working_folder_behind(tmp_path):
    """Its temporary folder (and what it wrote there) goes, however the program ended."""
    where = "import os\nprint(os.getcwd(), flush=True)\nopen('model.pt', 'w').write('x')\n"
    jobs = [
        Job("exit", where + "os._exit(0)\n", "exit.py"),  # no cleanup of its own
        Job("ends", where, "ends.py"),
    ]
    with Scheduler(workers=2) as runner:
        outcomes = runner.run(jobs, workdir=tmp_path)
    assert [outcome.status for outcome in outcomes] == ["crash", "ok"]
    for outcome in outcomes:
        folder = Path(outcome.stdout.strip())
        assert folder.name.startswith("coursekit-run-")
        assert not folder.exists()


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def wait_for(path: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_closing_the_scheduler_kills_what_still_runs(tmp_path):
    marker, where = tmp_path / "pid", tmp_path / "cwd"
    code = (
        f"import os, time\nopen({str(where)!r}, 'w').write(os.getcwd())\n"
        f"open({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
    )
    scheduler = Scheduler(workers=1)
    scheduler.submit(Job("sleeper", code, "sleeper.py", timeout=120))
    wait_for(marker)
    pid = int(marker.read_text())
    assert alive(pid)
    started = time.monotonic()
    scheduler.close()  # an interrupted build
    assert time.monotonic() - started < 10
    assert not alive(pid)
    assert not Path(where.read_text()).exists()  # nor its working folder


def test_a_timeout_counts_the_programs_own_run_time(tmp_path):
    jobs = [
        Job("long", "import time\ntime.sleep(1.5)\n", "long.py", timeout=10),
        Job("short", "import time\ntime.sleep(0.2)\nprint('done')\n", "short.py", timeout=1),
    ]
    with Scheduler(workers=1) as scheduler:  # "short" waits 1.5 s for the only worker
        long, short = scheduler.run(jobs, workdir=tmp_path)
    assert long.ok and short.ok, short.error
    assert short.stdout == "done\n"


def test_a_program_submitted_twice_runs_once(tmp_path):
    log = tmp_path / "runs.txt"
    job = Job("same", f"open({str(log)!r}, 'a').write('ran\\n')\n", "same.py")
    with Scheduler(workers=2) as scheduler:
        scheduler.submit(job, tmp_path)
        scheduler.submit(job, tmp_path)  # the same code on another page: same key
        (outcome,) = scheduler.run([job], workdir=tmp_path)
    assert outcome.ok
    assert log.read_text() == "ran\n"


def test_odd_deaths_end_as_crashes_never_as_a_hang(tmp_path):
    realtime = "import os, signal\nos.kill(os.getpid(), signal.SIGRTMIN + 6)\n"
    with Scheduler(workers=1) as scheduler:
        (outcome,) = scheduler.run([Job("rt", realtime, "rt.py", timeout=10)], tmp_path)
    assert outcome.status == "crash"
    assert "was killed by signal" in outcome.error


def test_a_server_that_dies_mid_build_fails_its_programs_without_hanging(tmp_path):
    scheduler = Scheduler(workers=1)
    scheduler.submit(Job("slow", "import time\ntime.sleep(60)\n", "slow.py", timeout=120), tmp_path)
    scheduler._process.kill()  # the server dies (out of memory, say)
    outcomes = scheduler.wait(["slow"])
    scheduler.close()
    assert outcomes["slow"].status == "crash"
    assert "could not run" in outcomes["slow"].error


def test_a_job_claimed_by_a_live_build_is_awaited_and_a_dead_claim_taken_over(tmp_path):
    from coursekit.run.cache import ResultCache

    cache = ResultCache(tmp_path)
    assert cache.claim("k1") and cache.claimant("k1") is None  # our own claim
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "claims" / "k2").write_text(str(other.pid), encoding="ascii")
        assert cache.claimant("k2") == other.pid and not cache.claim("k2")
    finally:
        other.kill()
        other.wait()
    assert cache.claimant("k2") is None and cache.claim("k2")  # its build is gone
    assert not cache.wait_for("k2")  # nobody else holds it, and it has no result
    cache.release("k1")
    assert not (tmp_path / "claims" / "k1").exists()


# --- Warm starts (coursekit/run/warm.py) ----------------------------------------

GRANDPARENT = (
    "import os\n"
    "server = os.getppid()\n"
    "print(open(f'/proc/{server}/stat').read().rsplit(')', 1)[1].split()[1])\n"
)


def test_program_servers_are_forked_from_one_warm_zygote(tmp_path):
    """Two builds' servers are children of the same zygote, not of the build."""
    zygotes = []
    for n in range(2):
        with Scheduler(1, ["numpy"]) as scheduler:
            (outcome,) = scheduler.run([Job(f"gp{n}", GRANDPARENT, "gp.py")], tmp_path / f"r{n}")
        assert outcome.ok, outcome.error
        zygotes.append(int(outcome.stdout))
    assert zygotes[0] == zygotes[1] != os.getpid()


def test_a_killed_client_takes_its_server_and_programs_along(tmp_path):
    """The connection is the server's lifeline: kill the scheduler's process
    (the client), and the forked server kills its running program and ends."""
    marker, where = tmp_path / "pid", tmp_path / "cwd"
    code = (
        f"import os, time\nopen({str(where)!r}, 'w').write(os.getcwd())\n"
        f"open({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n"
    )
    scheduler = Scheduler(1, ["numpy"])
    scheduler.submit(Job("sleeper", code, "sleeper.py", timeout=120), tmp_path / "run")
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    program = int(marker.read_text())
    scheduler._process.kill()  # the build killed outright
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(program, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the program outlived its killed client")
    scheduler.close()
