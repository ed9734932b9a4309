"""Every program of chapter 2, run the way the build runs it, against what the chapter says.

All programs run once, together, in one warm runner (see the ``results``
fixture); each test then checks one claim of the chapter.
"""

from __future__ import annotations

import math
import os
import pickle
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import jupytext
import pytest
from conftest import COURSE_PRELOAD, DOCS, ROOT

from coursekit.core.programs import missing_excerpt_line
from coursekit.run.runner import Cell, Job, Outcome
from coursekit.run.scheduler import Scheduler

EXAMPLES = ROOT / "examples" / "chap2_perceptron"
#: The page's session, as the learner downloads it: one cell per block.
SESSION = EXAMPLES / "chap2_perceptron.py"
SEED_LINE = "torch.manual_seed(0)  # même initialisation à chaque exécution"
XOR_TARGETS = "y = torch.tensor([[0],[1],[1],[0]]"


def script(prefix: str) -> Path:
    """A program that runs alone (a full program): its own script."""
    (path,) = EXAMPLES.glob(f"{prefix}_*.py")
    return path


def session_cells() -> list[str]:
    notebook = jupytext.read(SESSION)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def cell(number: int) -> str:
    return session_cells()[number - 1]


def job(name: str, path: Path, code: str | None = None, collect=(), append: str = "") -> Job:
    code = (code if code is not None else path.read_text(encoding="utf-8")) + append
    return Job(key=name, code=code, filename=str(path), timeout=180, collect=tuple(collect))


def replaced(code: str, old: str, new: str) -> str:
    assert code.count(old) == 1, old
    return code.replace(old, new)


def tp_code() -> str:
    notebook = jupytext.read(DOCS / "TP_chap2.md")
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code") + "\n"


#: What each claim reads from the session: (cell number, probe code, names).
PROBES = {
    "and": (1, "_out = model(X).detach()", ["_out"]),
    "sigmoid": (2, "", ["y_hat"]),
    "normalise": (3, "", ["X_norm"]),
    "standardise": (4, "", ["X_stdized", "X_stdized_bn"]),
    "mlp_sequential": (5, "PROBE_SEQUENTIAL", ["_shapes", "_params"]),
    "mlp_class": (6, "PROBE_CLASS", ["_shapes", "_params"]),
    "xor_mlp": (7, "", ["y_class", "y", "correct"]),
    "regression": (8, "", ["preds_no_std", "preds_std", "train_no_std", "loss_no_std"]),
    "broadcasting": (9, "", ["X_centered"]),
}


def session_job() -> tuple[Job, dict[str, int]]:
    """The page's session, run as the build runs it, with a probe cell after the cells
    a claim reads (it copies the names the claim needs). Returns the job and, per
    claim, the index of its cell among the job's cells."""
    cells, where = [], {}
    code = session_cells()
    assert len(code) == 9
    for number, source in enumerate(code, start=1):
        cells.append(Cell(source, 1, 180))
        for name, (at, probe, names) in PROBES.items():
            if at != number:
                continue
            where[name] = len(cells) - 1
            probe = {"PROBE_SEQUENTIAL": PROBE_SEQUENTIAL, "PROBE_CLASS": PROBE_CLASS}.get(
                probe, probe
            )
            copies = "".join(f"_probe_{name}_{var} = {var}\n" for var in names)
            cells.append(Cell(f"{probe}\n{copies}", 1, 60))
    collect = [f"_probe_{name}_{var}" for name, (_, _, names) in PROBES.items() for var in names]
    return Job(
        "session", filename=str(SESSION), cells=tuple(cells), session=True, collect=tuple(collect)
    ), where


@dataclass
class View:
    """One claim's view of a run: a cell of the session, or a whole program."""

    status: str
    stdout: str
    stderr: str
    error: str
    figures: list
    values: dict
    device: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def view_of(outcome: Outcome) -> View:
    return View(
        outcome.status,
        outcome.stdout,
        outcome.stderr,
        outcome.error,
        outcome.figures,
        outcome.values,
        outcome.device,
    )


def jobs() -> list[Job]:
    first = cell(1)
    return [
        job(
            "xor",
            SESSION,
            replaced(first, "y = torch.tensor([[0],[0],[0],[1]]", XOR_TARGETS),
            append="\n_out = model(X).detach()\n_w = model.weight.detach()\n",
            collect=["_out", "_w"],
        ),
        *(
            job(
                f"regression_seed{seed}",
                SESSION,
                replaced(cell(8), SEED_LINE, f"torch.manual_seed({seed})"),
                append=DEAD_NEURONS,
                collect=["preds_std", "_dead"],
            )
            for seed in (1, 4)
        ),
        job(
            "regression_one_step",
            SESSION,
            replaced(cell(8), "for _ in range(5000):", "for _ in range(1):"),
            append="\n_active = (model_no_std.net[0](X) > 0).sum(0).tolist()\n",
            collect=["_active"],
        ),
        job("loss", script("10"), collect=["losses_std", "losses_no_std"]),
        job("early_stopping", script("11"), collect=["losses_std", "losses_no_std"]),
        job("summary_profiler", script("12")),
        job("tp", DOCS / "TP_chap2.md", tp_code(), collect=TP_NAMES),
    ]


#: How many of the standardised model's hidden ReLUs are off for every training point.
DEAD_NEURONS = "\n_dead = int(((model_std.net[0](X_stdized) > 0).sum(0) == 0).sum())\n"
#: What the TP's answers quote, read from its run.
TP_NAMES = [
    "ratio_mean",
    "ratio_std",
    "noise_train",
    "noise_val",
    "noise_test",
    "train_losses",
    "val_losses",
    "patience",
    "stop_epoch",
    "best_epoch",
    "best_val",
    "prediction",
    "test_loss",
    "raw_losses",
]

PROBE_NAMES = ["_shapes", "_params"]
PROBE_SEQUENTIAL = """
import torch
_x = torch.zeros(7, 1)
_h1 = model[0](_x)
_h2 = model[2](model[1](_h1))
_shapes = [list(_h1.shape), list(_h2.shape), list(model(_x).shape)]
_params = sum(p.numel() for p in model.parameters())
"""
PROBE_CLASS = """
_x = torch.zeros(7, 1)
_h1 = model.fc1(_x)
_h2 = model.fc2(model.relu(_h1))
_shapes = [list(_h1.shape), list(_h2.shape), list(model(_x).shape)]
_params = sum(p.numel() for p in model.parameters())
"""


@pytest.fixture(scope="module")
def results() -> dict[str, View]:
    session, where = session_job()
    with Scheduler(preload=COURSE_PRELOAD) as runner:
        whole, *outcomes = runner.run([session, *jobs()])
    found = {outcome.key: view_of(outcome) for outcome in outcomes}
    for name, index in where.items():
        run = whole.cells[index]
        probe = whole.cells[index + 1]
        assert probe.status == "ok", f"probe of {name}: {probe.error}"
        _, _, names = PROBES[name]
        values = {var: whole.values[f"_probe_{name}_{var}"] for var in names}
        found[name] = View(
            run.status, run.stdout, run.stderr, run.error, run.figures, values, whole.device
        )
    return found


def ok(results, name: str) -> View:
    outcome = results[name]
    assert outcome.ok, f"{name}: {outcome.status}\n{outcome.error}\n{outcome.stderr}"
    return outcome


def test_every_program_runs_cleanly(results):
    for name, outcome in results.items():
        assert outcome.ok, f"{name}: {outcome.error}"
        assert "Warning" not in outcome.stderr, f"{name} warns:\n{outcome.stderr}"


def test_s1_5_perceptron_learns_and(results):
    out = ok(results, "and").values["_out"]
    assert [round(v[0]) + 0 for v in out] == [0, 0, 0, 1]


def test_s1_5_perceptron_cannot_learn_xor(results):
    outcome = ok(results, "xor")
    predictions = [v[0] for v in outcome.values["_out"]]
    weights = outcome.values["_w"][0]
    # The remark: the weights W go to 0 and the model answers 0.5 for every input.
    assert all(abs(p - 0.5) < 0.01 for p in predictions), predictions
    assert all(abs(w) < 0.01 for w in weights), weights


def test_s2_5_sigmoid_values(results):
    y_hat = [v[0] for v in ok(results, "sigmoid").values["y_hat"]]
    assert round(y_hat[0], 2) == 0.18  # sigmoid(-1.5)
    assert round(y_hat[3], 2) == 0.62  # sigmoid(0.5)


def test_s4_2_normalised_values_lie_in_0_1(results):
    values = ok(results, "normalise").values["X_norm"]
    flat = [v for row in values for v in row]
    assert min(flat) == 0.0 and max(flat) == 1.0
    for column in zip(*values, strict=True):
        assert min(column) == 0.0 and max(column) == 1.0


def test_s4_4_batchnorm_uses_the_biased_variance(results):
    values = ok(results, "standardise").values
    manual, batchnorm = values["X_stdized"], values["X_stdized_bn"]
    # X.std() divides by n - 1, BatchNorm1d by n (n = 3 rows): a factor sqrt(3/2),
    # up to BatchNorm's epsilon (1e-5) in the denominator.
    factor = math.sqrt(3 / 2)
    for row_m, row_b in zip(manual, batchnorm, strict=True):
        for m, b in zip(row_m, row_b, strict=True):
            assert b == pytest.approx(m * factor, abs=1e-4)


@pytest.mark.parametrize("name", ["mlp_sequential", "mlp_class"])
def test_s5_3_and_s5_4_mlps_have_the_stated_shapes_and_the_same_parameters(results, name):
    values = ok(results, name).values
    assert values["_shapes"] == [[7, 10], [7, 5], [7, 1]]
    assert values["_params"] == (1 * 10 + 10) + (10 * 5 + 5) + (5 * 1 + 1) == 81


def test_s5_5_mlp_classifies_all_four_xor_points(results):
    values = ok(results, "xor_mlp").values
    assert values["correct"] is True
    assert values["y_class"] == values["y"]
    assert len(results["xor_mlp"].figures) == 1


def test_s5_6_standardisation_extrapolates(results):
    values = ok(results, "regression").values
    no_std = [v[0] for v in values["preds_no_std"]]
    std = [v[0] for v in values["preds_std"]]
    assert std[0] == pytest.approx(1, abs=0.01) and std[1] == pytest.approx(121, abs=0.1)
    assert abs(no_std[1] - 121) > 50


def test_s5_7_without_standardisation_the_model_never_fits_its_own_points(results):
    values = ok(results, "regression").values
    train = [v[0] for v in values["train_no_std"]]
    # §5.7: not an extrapolation problem; one constant, the mean of the outputs
    # for x >= 10 (21, 41, ..., 101: 61), and a loss stuck on that plateau.
    assert train[0] == pytest.approx(1, abs=0.05)
    assert train[1:] == pytest.approx([61.0] * 5, abs=0.05)
    assert values["loss_no_std"] == pytest.approx(4000 / 6, abs=0.5)


def test_s5_7_the_first_step_kills_the_relus(results):
    # After one update, each hidden ReLU is active on x = 0 at most.
    active = ok(results, "regression_one_step").values["_active"]
    assert max(active) <= 1, active


@pytest.mark.parametrize(("seed", "dead"), [(1, 3), (4, 0)])
def test_s5_7_other_seeds_stay_far_from_the_line(results, seed, dead):
    values = ok(results, f"regression_seed{seed}").values
    std = [v[0] for v in values["preds_std"]]
    # "il prédit environ 9 pour x = 0 et 93 pour x = 60"
    assert 8 < std[0] < 10 and 92 < std[1] < 94, std
    # "avec la graine 1, trois de ses 5 neurones ReLU sont inactifs ; avec la graine 4, aucun"
    assert values["_dead"] == dead


def test_s6_2_broadcasting_centres_the_columns(results):
    centred = ok(results, "broadcasting").values["X_centered"]
    for column in zip(*centred, strict=True):
        assert sum(column) == pytest.approx(0)


def test_s7_loss_of_the_standardised_model(results):
    outcome = ok(results, "loss")
    losses = outcome.values["losses_std"]
    assert len(losses) == 5000
    # §7.2 quotes where the loss goes below 1 and 0.01 (inserted from this run);
    # what it claims: 2 000 epochs are enough, and it stays there.
    below_001 = next(i for i, loss in enumerate(losses) if loss < 0.01)
    assert below_001 < 2000
    assert max(losses[2000:]) < 0.01
    # The log scale is needed: the two losses are orders of magnitude apart.
    assert max(outcome.values["losses_no_std"]) > 1000 * max(losses[2000:])
    assert len(outcome.figures) == 2  # predictions, then the loss curves


def test_s7_3_early_stopping(results):
    outcome = ok(results, "early_stopping")
    stops = dict(
        (kind, (int(epoch), float(loss)))
        for kind, epoch, loss in re.findall(
            r"Arrêt anticipé \((sans std|avec std)\) à l'epoch (\d+), loss = ([\d.]+)",
            outcome.stdout,
        )
    )
    # §7.3 (epochs and losses inserted from this run): without standardisation,
    # stopped on the plateau of the best constant, not converged; with it, stopped
    # "bien plus tard que les 2 000 epochs", although the loss was under 0.01 long before.
    assert stops["sans std"][1] == pytest.approx(4000 / 6, abs=0.5)
    assert stops["sans std"][0] < 1000
    assert stops["avec std"][0] > 2500 and stops["avec std"][1] < 0.001
    losses = outcome.values["losses_std"]
    assert next(i for i, loss in enumerate(losses) if loss < 0.01) < 2000


def test_s8_1_torch_summary_prints_shapes_and_16_parameters(results):
    text = ok(results, "summary_profiler").stdout
    assert "Output Shape" in text
    for layer, shape, params in (("Linear: 2-1", "[-1, 5]", "10"), ("Linear: 2-3", "[-1, 1]", "6")):
        assert re.search(rf"{re.escape(layer)}\s+{re.escape(shape)}\s+{params}\b", text), layer
    assert "Trainable params: 16" in text


def test_s8_3_profiler_table_names_linear_and_addmm(results):
    outcome = ok(results, "summary_profiler")
    assert "aten::linear" in outcome.stdout and "aten::addmm" in outcome.stdout
    # §8.3 names the backward rows and the loss operations; no Tanh, no clone.
    for name in ("aten::mean", "aten::pow", "MeanBackward0", "PowBackward0"):
        assert name in outcome.stdout, name
    assert "Tanh" not in outcome.stdout
    if not outcome.device.startswith("cuda"):
        assert "nécessite CUDA" in outcome.stdout


@pytest.mark.gpu
def test_s8_3_profiler_on_cuda():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    with Scheduler(workers=1, preload=COURSE_PRELOAD) as runner:
        (outcome,) = runner.run([job("gpu", script("12"))])
    assert outcome.ok, outcome.error
    assert outcome.device.startswith("cuda")
    assert "Self CUDA Mem" in outcome.stdout
    assert "nécessite CUDA" not in outcome.stdout


def test_tp_solutions_reach_what_the_tp_asks(results):
    outcome = ok(results, "tp")
    assert outcome.stdout.count("Trainable params: 193") == 1
    # Exercise 4: a validation loss close to the noise variance, 0.04.
    assert outcome.values["best_val"] < 0.08
    # Exercise 6: close to the noiseless value 7.14.
    assert outcome.values["prediction"] == pytest.approx(7.14, abs=0.1)
    assert len(outcome.figures) == 2  # exercise 4's curves, then "Pour aller plus loin"


def test_tp_answers_say_what_the_run_did(results):
    """Every claim of the TP's folded answers, against the run (the numbers are glued)."""
    values = ok(results, "tp").values
    train, val, raw = values["train_losses"], values["val_losses"], values["raw_losses"]
    # Exercise 1: the mass's numbers are about 17 times the speed's, their spread 11 times.
    assert values["ratio_mean"] == pytest.approx(17.1, abs=0.05)
    assert values["ratio_std"] == pytest.approx(11.4, abs=0.05)
    # Exercise 4: the noise's MSE fluctuates around 0.04 from one sample to another,
    # lower on the validation sample than on the training one...
    noise_train, noise_val, noise_test = (values[f"noise_{s}"] for s in ("train", "val", "test"))
    assert noise_val < 0.04 < noise_train
    assert noise_val < noise_train
    # ...which is why the validation curve runs below the training one, from the
    # first tens of epochs to the end.
    assert len(train) == len(val) == len(raw) == 2000
    assert all(v < t for t, v in zip(train[100:], val[100:], strict=True))
    # The loss falls by several orders of magnitude (hence the log scale).
    assert train[0] / train[-1] > 100
    # The training loss ends a little below its noise's MSE; the validation loss above its own.
    assert train[-1] < noise_train and val[-1] > noise_val
    # Exercise 5: it stops `patience` (100) epochs after the best validation loss,
    # which is exercise 4's best over those epochs (same seed, same run)...
    assert values["patience"] == 100
    assert values["stop_epoch"] - values["best_epoch"] == values["patience"]
    assert values["stop_epoch"] < 2000 - 1
    best_val, best_epoch = values["best_val"], values["best_epoch"]
    assert min(val[: values["stop_epoch"] + 1]) == pytest.approx(best_val, rel=1e-6)
    assert val.index(min(val[: values["stop_epoch"] + 1])) == best_epoch
    # ...but exercise 4's curve goes lower later: a plateau stopped it, by less than the
    # noise's MSE moves from one sample to another.
    assert val[-1] < best_val
    assert best_val - val[-1] < noise_train - noise_val
    # Exercise 6: the test loss is above the best validation loss, and above its noise's MSE.
    assert values["test_loss"] > best_val and values["test_loss"] > noise_test
    # Pour aller plus loin: without standardisation the loss starts higher, climbs back
    # more than once in the first tens of epochs to over 10 times a low it had just
    # reached a few epochs before, and ends about 3 times higher.
    assert raw[0] > 10 * train[0]
    lows = [k for k in range(1, 50) if raw[k] < min(raw[k - 1], raw[k + 1])]
    rebounds = [k for k in lows if max(raw[k : k + 10]) > 10 * raw[k]]
    assert len(rebounds) >= 2, rebounds
    assert round(raw[-1] / train[-1]) == 3


# --- extraction ---------------------------------------------------------------


@pytest.fixture(scope="module")
def fresh_examples(cold_copy) -> Path:
    """``examples/`` and the examples build's doctrees, as the suite's one cold
    ``make html examples`` wrote them (in a clean copy that has no examples/ of
    its own: every file there was written by that build)."""
    out = cold_copy / "_build" / "fresh-examples"
    if not out.exists():
        out.mkdir()
        (out / "examples").symlink_to(cold_copy / "examples")
        (out / "doctrees").symlink_to(cold_copy / "_build" / "doctrees" / "examples")
    return out


def test_examples_folder_is_up_to_date(fresh_examples):
    fresh = {
        p.relative_to(fresh_examples / "examples"): p
        for p in (fresh_examples / "examples").rglob("*.py")
    }
    repo = {p.relative_to(ROOT / "examples"): p for p in (ROOT / "examples").rglob("*.py")}
    hint = "examples/ differs from a fresh extraction of the chapters: run `make examples`"
    assert sorted(fresh) == sorted(repo), hint
    for name, path in fresh.items():
        assert path.read_text(encoding="utf-8") == repo[name].read_text(encoding="utf-8"), (
            f"{hint} ({name})"
        )


def test_every_python_block_is_covered(fresh_examples):
    source = (DOCS / "chap2_perceptron.rst").read_text(encoding="utf-8")
    blocks = re.findall(r"^\.\. code-block:: python\n((?:[ \t]+:.*\n)*)", source, flags=re.M)
    excerpts = [b for b in blocks if ":excerpt-of:" in b]
    full = re.findall(r"^\.\. full-program:: (\w+)", source, flags=re.M)
    assert len(blocks) == 17 and len(excerpts) == 8 and len(full) == 3
    # Every block that is not an excerpt is a cell of the page's notebook...
    cells = session_cells()
    assert len(cells) == len(blocks) - len(excerpts) == 9
    lines = [int(re.match(r"# docs/chap2_perceptron\.rst:(\d+)\n", c).group(1)) for c in cells]
    assert lines == sorted(lines)
    for line in lines:
        assert source.splitlines()[line - 1] == ".. code-block:: python"
    # ...and every full program has a script of its own.
    scripts = sorted(EXAMPLES.glob("[0-9]*.py"))
    assert len(scripts) == len(full) == 3
    for path in scripts:
        header = path.read_text(encoding="utf-8").splitlines()[:3]
        assert re.match(
            r"# Source: docs/chap2_perceptron\.rst, code block at line \d+\.", header[1]
        )


def test_every_excerpt_appears_in_its_program_in_order(fresh_examples):
    with (fresh_examples / "doctrees" / "environment.pickle").open("rb") as handle:
        env = pickle.load(handle)
    records = env.domaindata["coursekit"]
    excerpts = records["excerpts"]["chap2_perceptron"]
    programs = {p.name: p for p in records["programs"]["chap2_perceptron"] if p.name}
    assert [e.program for e in excerpts] == ["regression_loss"] * 4 + ["early_stopping"] * 2 + [
        "summary_profiler"
    ] * 2
    for excerpt in excerpts:
        assert missing_excerpt_line(excerpt.code, programs[excerpt.program].code) is None


def test_pip_install_block_matches_the_dependencies():
    source = (DOCS / "chap2_perceptron.rst").read_text(encoding="utf-8")
    (command,) = re.findall(r"^\.\. code-block:: bash\n\n\s+(pip install .*)$", source, flags=re.M)
    packages = command.split()[2:]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pinned = {re.split(r"[=<>~!]", dep)[0] for dep in pyproject["project"]["dependencies"]}
    assert packages == ["torch-summary"]
    assert set(packages) <= pinned


def test_a_learner_running_the_script_sees_what_the_page_shows(site, tmp_path):
    """A plain ``python chap2_perceptron.py`` prints what the page shows under its cells."""
    from bs4 import BeautifulSoup

    page = site["html"].outdir / "chap2_perceptron.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    boxes = soup.select("div.coursekit-output.coursekit-session")
    assert len(boxes) == 9
    shown = "".join(
        pre.get_text() for box in boxes for pre in box.select("div.coursekit-stdout pre")
    )
    done = subprocess.run(
        [sys.executable, str(SESSION)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
        check=True,
    )
    assert done.stdout == shown
