"""Fixed page text: the camera set-up guide, accepted files, metric explanations.

Plain strings only (no Streamlit import), so the wording can be tested and reused.
The filming protocol is the one every report states (frontal view, tripod at
pelvis-to-knee height, whole body in frame, a standing start, 3-5 slow reps per side).
"""

from __future__ import annotations

#: file extensions the uploader accepts (anything PyAV decodes; these are the usual ones)
VIDEO_TYPES: tuple[str, ...] = ("mp4", "mov", "avi", "webm", "mkv")

PRIVACY = "Runs entirely on this computer: the video and the results never leave the machine."

CAMERA_GUIDE = """\
**Set-up**
- **Frontal view**: the camera looks straight at the person, square to the body
  (not from the side, not at an angle).
- **Tripod at pelvis-to-knee height**, about 3 m away, phone held still (no hand-held filming).
- **Whole body in frame**, head to feet, for the whole clip; only one person in view.
- **Tight clothing** (shorts or leggings, a fitted top) so hips and knees are visible;
  good light, plain background if possible.

**Recording**
1. Start with **2-3 seconds standing still on both feet**, arms crossed: this is the
   reference every angle is measured against.
2. Do **3-5 slow repetitions on one leg**, then 3-5 on the other leg
   (single-leg squat or step-down), or 3-5 double-leg squats.
3. Landscape or portrait both work; 30 frames per second or more.
"""

#: what a rating means, in plain words
RATING_MEANINGS: dict[str, str] = {
    "good": "Within the usual range.",
    "fair": "A little more than usual: worth training.",
    "poor": "Clearly more than usual: the program below targets this.",
}

#: shown beside a metric that could not be measured
FILMING_FIX = (
    "To measure it, film again from the front with the camera at pelvis-knee height, the "
    "whole body in view and only one person in frame."
)

#: shown when an unexpected error (a bug) happens
UNEXPECTED_ERROR = (
    "Sorry, something went wrong while analysing this clip. The problem has been logged. "
    "You can try another clip or different options."
)


def upload_help(max_upload_mb: int) -> str:
    """Return the uploader's caption: accepted types and the size limit in megabytes."""
    types = ", ".join(VIDEO_TYPES)
    return f"Video file ({types}), up to {max_upload_mb} MB."
