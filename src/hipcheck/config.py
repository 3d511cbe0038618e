"""One typed configuration object shared by the library, CLI, app and batch runs.

Defaults follow docs/EVIDENCE.md section 2 (visibility gate 0.5, gaps up to 0.2 s, reject
a rep with more than 10 % missing frames; reps: prominence of at least 0.05 leg lengths,
at least 1 s between peaks; 4th-order zero-lag Butterworth, 6 Hz for slow tasks). Values
marked "engineering default" there are engineering defaults, not validated cut-offs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

TaskOption = Literal["auto", "single_leg_squat", "step_down", "double_leg_squat"]
SideOption = Literal["auto", "left", "right"]
SexOption = Literal["unspecified", "female", "male"]
MarkerOption = str  # "auto" | "off" | a colour name ("green", "pink", ...)


@dataclass(frozen=True)
class AnalysisConfig:
    """Every knob of an analysis, with documented defaults.

    Attributes
    ----------
    task, side
        ``auto`` detects per repetition; anything else overrides detection.
    sex
        Selects the FPPA rating bands; ``unspecified`` uses the female bands and says so.
    markers
        ``auto`` (use skin markers when found), ``off``, or a marker colour.
    visibility_threshold
        Landmarks below this MediaPipe visibility are treated as missing (§1).
    max_gap_s
        Gaps up to this long are interpolated; longer ones stay missing (§1).
    cutoff_hz, filter_order
        Zero-lag Butterworth low-pass (§7).
    min_prominence, min_rep_distance_s, min_rep_duration_s
        Repetition segmentation on the depth signal (§2.5).
    max_missing_fraction
        A repetition with more missing frames than this is not measurable (§1).
    """

    task: TaskOption = "auto"
    side: SideOption = "auto"
    sex: SexOption = "unspecified"
    markers: MarkerOption = "auto"
    visibility_threshold: float = 0.5
    max_gap_s: float = 0.2
    cutoff_hz: float = 6.0
    filter_order: int = 4
    min_prominence: float = 0.05
    min_rep_distance_s: float = 1.0
    min_rep_duration_s: float = 0.5
    max_missing_fraction: float = 0.1

    def __post_init__(self) -> None:
        problems = []
        if self.task not in ("auto", "single_leg_squat", "step_down", "double_leg_squat"):
            problems.append(
                f"task must be auto/single_leg_squat/step_down/double_leg_squat, got {self.task!r}"
            )
        if self.side not in ("auto", "left", "right"):
            problems.append(f"side must be auto/left/right, got {self.side!r}")
        if self.sex not in ("unspecified", "female", "male"):
            problems.append(f"sex must be unspecified/female/male, got {self.sex!r}")
        if not self.cutoff_hz > 0:
            problems.append(f"cutoff_hz must be > 0, got {self.cutoff_hz}")
        if problems:
            raise ValueError("Invalid AnalysisConfig: " + "; ".join(problems) + ".")

    def with_(self, **changes: Any) -> AnalysisConfig:
        """Return a copy with some fields changed (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        """Return the options as a JSON-ready dict (stored in the assessment)."""
        return asdict(self)
