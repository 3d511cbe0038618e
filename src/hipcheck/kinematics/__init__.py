"""Per-frame kinematics from pose landmarks (pure functions on pixel arrays).

Conventions (docs/SCHEMA.md, docs/EVIDENCE.md): image pixels, x right, y down;
"left"/"right" are the subject's sides; medial is toward the other hip (mirror-safe).
FPPA + = valgus; pelvic drop + = the non-stance side lower; trunk lean + = toward the
stance side; depth + = pelvis below its standing level.
"""

from hipcheck.kinematics.depth import depth, leg_length_px
from hipcheck.kinematics.frames import CORE_LANDMARKS, frame_kinematics
from hipcheck.kinematics.knee import (
    fppa_deg,
    kasr,
    khr,
    knee_medial_displacement,
    knee_offset_px,
)
from hipcheck.kinematics.pelvis import pelvic_drop_deg
from hipcheck.kinematics.trunk import trunk_lean_deg, trunk_pelvis_angle_deg
from hipcheck.kinematics.view import (
    FRONTAL_MIN_RATIO,
    ROTATION_TOLERANCE,
    SIDE_MAX_RATIO,
    classify_view,
    rotation_guard,
    view_ratio,
)

__all__ = [
    "CORE_LANDMARKS",
    "FRONTAL_MIN_RATIO",
    "ROTATION_TOLERANCE",
    "SIDE_MAX_RATIO",
    "classify_view",
    "depth",
    "fppa_deg",
    "frame_kinematics",
    "kasr",
    "khr",
    "knee_medial_displacement",
    "knee_offset_px",
    "leg_length_px",
    "pelvic_drop_deg",
    "rotation_guard",
    "trunk_lean_deg",
    "trunk_pelvis_angle_deg",
    "view_ratio",
]
