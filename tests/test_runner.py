"""The runner on its own: isolation between programs, working directory, figures."""

from __future__ import annotations

from pathlib import Path

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
