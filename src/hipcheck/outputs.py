"""Read back what :meth:`hipcheck.pipeline.Analysis.save` wrote (for reports and the app)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hipcheck.assessment.load import read_assessment
from hipcheck.errors import HipcheckError
from hipcheck.landmarks import LandmarkSeries
from hipcheck.model import Assessment


@dataclass
class SavedAnalysis:
    """An analysis folder: the assessment, and the kinematics/landmarks when present."""

    folder: Path
    assessment: Assessment
    kinematics: pd.DataFrame | None
    landmarks: LandmarkSeries | None
    video: Path | None

    def key_frames(self) -> list[np.ndarray]:
        """Key frames (worst rep per side with skeleton and angles), if the video is here."""
        if self.video is None or self.landmarks is None or not self.video.is_file():
            return []
        from hipcheck.reports.annotate import extract_key_frames

        return extract_key_frames(self.video, self.landmarks, self.assessment)


def load_analysis_folder(path: str | Path, *, video: Path | None = None) -> SavedAnalysis:
    """Load ``assessment.json`` (a file or the folder holding it) and its neighbours.

    Raises
    ------
    hipcheck.errors.HipcheckError
        Missing or unreadable assessment.
    """
    path = Path(path)
    file = path / "assessment.json" if path.is_dir() else path
    if not file.is_file():
        raise HipcheckError(
            f"Assessment not found: {file}.",
            "Pass the assessment.json (or its folder) written by hipcheck analyze.",
        )
    assessment = read_assessment(file)
    folder = file.parent
    kin_file = folder / "kinematics.parquet"
    kinematics = pd.read_parquet(kin_file) if kin_file.is_file() else None
    landmarks = None
    if (folder / "landmarks.parquet").is_file():
        from hipcheck.io.landmarks import load_landmarks

        landmarks = load_landmarks(folder / "landmarks.parquet")
    if video is None and assessment.video.path:
        candidate = Path(assessment.video.path)
        video = candidate if candidate.is_file() else None
    return SavedAnalysis(folder, assessment, kinematics, landmarks, video)
