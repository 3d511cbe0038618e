"""The researcher walkthrough notebook runs top to bottom (slow: generates and analyses clips).

Executed with nbclient on the ``python3`` kernel; jupyter_client starts a kernelspec whose
command is ``python`` with the current interpreter, so the kernel sees this environment.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "researcher_walkthrough.ipynb"


def test_walkthrough_notebook_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbclient import NotebookClient

    src = str(REPO / "src")
    path = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", src + (os.pathsep + path if path else ""))
    monkeypatch.setenv("HIPCHECK_WALKTHROUGH_DIR", str(tmp_path))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    # the batch really ran and the tables the notebook read exist
    assert (tmp_path / "batch" / "reps.parquet").is_file()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "ICC(3,1)" in html and "asymmetry" in html
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the asymmetry plot
