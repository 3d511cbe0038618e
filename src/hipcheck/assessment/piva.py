"""Automated lateral step-down (Piva) score from the kinematics at the bottom of a rep.

Items (Piva et al. 2006; automatable triggers are engineering defaults):

- arm strategy (+1): a wrist moves away from its hip by more than a quarter of the
  shoulder width (the hands left the waist);
- trunk (+1): trunk lean relative to standing of 5 deg or more either way;
- pelvis (+1): pelvic drop relative to standing of 3 deg or more either way, counted
  only when pelvic drop is a measured (validated) value;
- knee (+1 / +2): the stance knee medial of the second toe (foot index), by more than a
  third of the ankle-to-toe width for +2 (medial of the medial border of the foot).

Steady stance is not scored from video. Total 0-1 good, 2-3 moderate, 4 or more poor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hipcheck.landmarks import other_side
from hipcheck.model import Rep

#: Piva item triggers (heuristics on the published criteria).
ARM_OFF_WAIST = 0.25  # wrist-to-hip distance over shoulder width
TRUNK_DEG = 5.0
PELVIS_DEG = 3.0
KNEE_MEDIAL_BORDER = 1 / 3  # of the ankle-to-toe width


def piva_score(kin: pd.DataFrame, rep: Rep) -> tuple[int | None, dict[str, int]]:
    """Return the Piva total (None when the knee or trunk was not measured) and its items."""
    s = rep.side
    if s not in ("left", "right"):
        return None, {}
    o = other_side(s)
    row = kin.iloc[rep.bottom_frame]
    trunk = rep.metric("trunk_lean_deg")
    knee = rep.metric("knee_valgus_deg")
    if trunk is None or knee is None or trunk.status != "measured" or knee.status != "measured":
        return None, {}
    items: dict[str, int] = {}
    shoulder = float(row["shoulder_width_px"])
    arm = 0
    for side in ("left", "right"):
        dx = row[f"{side}_wrist_x_px"] - row[f"{side}_hip_x_px"]
        dy = row[f"{side}_wrist_y_px"] - row["pelvis_y_px"]
        if np.isfinite(dx) and np.isfinite(dy) and np.hypot(dx, dy) > ARM_OFF_WAIST * shoulder:
            arm = 1
    items["arm_strategy"] = arm
    items["trunk"] = int(abs(trunk.bottom_rel or 0.0) >= TRUNK_DEG)
    pelvis = rep.metric("pelvic_drop_deg")
    if pelvis is not None and pelvis.status == "measured":
        items["pelvis"] = int(abs(pelvis.bottom_rel or 0.0) >= PELVIS_DEG)
    m = np.sign(row[f"{o}_hip_x_px"] - row[f"{s}_hip_x_px"])
    medial = (row[f"{s}_knee_x_px"] - row[f"{s}_foot_x_px"]) * m
    foot_width = abs(row[f"{s}_foot_x_px"] - row[f"{s}_ankle_x_px"])
    border = max(foot_width * KNEE_MEDIAL_BORDER, 1.0)
    items["knee"] = 2 if medial > border else 1 if medial > 0 else 0
    return sum(items.values()), items
