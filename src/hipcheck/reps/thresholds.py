"""Every threshold of the repetition rules, with its reason and the data behind it.

Lengths are in standing leg lengths (hip to ankle) unless stated; times in seconds.
"""

from __future__ import annotations

#: Quiet stance: the pelvis slower than 0.1 leg lengths per second (standing references
#: prefer it: the weight shift onto the stance leg is not a reference). The live path
#: (hipcheck.online) also uses the legacy rest: both feet within 0.04 leg lengths of each
#: other for at least 0.3 s.
BASELINE_PELVIS_TOL = 0.03
BASELINE_MAX_SPEED = 0.1
BASELINE_FEET_TOL = 0.04
BASELINE_MIN_S = 0.3
#: Gaps in a run of upright frames up to this long (s) are bridged (a foot landmark
#: flickering behind a rack upright does not split a standing period).
REFERENCE_BRIDGE_S = 0.2
#: A standing reference of at least this long (s) is preferred over a shorter one.
REFERENCE_MIN_S = 0.2
#: Longest stretch of upright frames used as a rep's standing reference (s).
BASELINE_MAX_S = 1.5
#: A standing reference farther than this from its rep (s) is not "before/after" it
#: (protocol clips stand once at the start, then do 3-5 reps of 2-3 s each).
REFERENCE_MAX_GAP_S = 20.0
#: A depth peak must also stand out by this share of its own depth: a deep rep followed
#: by a small re-rise is one rep, not two (a seated person shifting on a chair rises
#: 0.05 from a 0.34 bottom; the slow single-leg descent of hyva7 rep 2 pauses with
#: re-rises of about 0.015).
MIN_RELATIVE_PROMINENCE = 0.25
#: A bottom this close (s) to the clip's first or last frame was not filmed as a bottom
#: (the clip began or ended there): the rep is not counted, so never measured as if
#: complete. hyva2 starts rising from a bottom before its first frame (the pose model
#: puts a peak 0.04 s in on a downscaled copy); its last, labelled rep bottoms out
#: 0.16-0.24 s before the end (depending on the resolution).
EDGE_BOTTOM_S = 0.1
#: Depth ripple (leg lengths) of the zero-lag filter at a clip edge: a clip cut
#: mid-descent can read its first frame a few thousandths deeper than its second.
EDGE_RIPPLE = 0.01
#: Nor is a bottom within this (s) of frames without a person: the tracker is locking on
#: (the walker entering the Sports2D clip reads a 0.23 "dip" in her first 0.1 s).
GAP_EDGE_S = 0.3
#: A rep starts/ends at this fraction of its excursion (the 10 % rule of 2D squat work).
REP_EDGE_FRACTION = 0.10
#: A foot at least this far above the floor is lifted: the free foot of a single-leg
#: squat. Standing feet jitter by 0.01-0.02; free feet of the labelled single-leg squats
#: are 0.05-0.45 above the floor at the bottom (hyva2, hyva7).
FOOT_LIFT_MIN = 0.05
#: A foot at least this far below the floor the person stood on is the free foot of a
#: step-down (a 15-20 cm step is about 0.2 leg lengths; the skeleton test step is 0.12).
#: A free foot held forward reads a little below the floor through perspective: -0.01
#: to -0.04 over the lower half of the labelled table squats (hyva_ja_paha).
FOOT_LOWER_MIN = 0.08
#: From the side, foot landmarks move more at the bottom of a deep squat (the shin
#: tilts over the foot): planted feet read up to 0.10 leg lengths off their level
#: (noquarter, rohanx01), so the lift and lowering thresholds are this many times larger.
SIDE_VIEW_FOOT_MARGIN = 2.0
#: The free foot moves at least this much more than the stance foot between the rep's
#: top and its lower half (leg lengths).
FOOT_MOVE_MIN = 0.08
#: A foot seen in less than this share of the rep's lower half is hidden.
FOOT_SEEN_MIN = 0.5
#: Length of the rep's "top" (s) at its start and end, where the feet are compared.
TOP_S = 0.15
#: Minimum pelvis descent of a rep below standing (leg lengths) per task. With equal
#: thigh and shank a knee flexion of k deg lowers the hip by about 1 - cos(k/2) leg
#: lengths: 0.03 at 30 deg, 0.076 at 45 deg, 0.13 at 60 deg. Single-leg squat and
#: step-down protocols go to 45-60 deg; the pose model reads the rendered single-leg
#: squats (46-54 deg, true descent 0.09-0.12) as 0.05-0.13. Double-leg squat protocols
#: go to 60-90 deg and deeper (real clips: 0.44-0.59).
MIN_DEPTH = {"single_leg_squat": 0.04, "step_down": 0.04, "double_leg_squat": 0.06}
#: The knees flex with the descent: the stance leg's hip-ankle distance shortens by at
#: least this share of the pelvis descent, and by ``MIN_KNEE_FLEXION`` at least. Real
#: squats shorten it by 0.75-1.15 of the descent (hyva2, hyva7, hyva_ja_paha, ucsd,
#: rohanx01, noquarter); the rendered character reads 0.35-1.2; a camera tilting or
#: panning moves the pelvis without shortening the legs at all.
KNEE_SHARE_MIN = 0.3
MIN_KNEE_FLEXION = 0.02
#: A planted foot moves less than this along the floor within a rep (leg lengths). A
#: foot that travels further is stepping; walking moves both. Foot landmarks wobble at
#: the bottom of deep squats close to the camera, so the travel is measured between the
#: standing references around the rep, not as the range of every frame.
PLANT_MAX_SHIFT = 0.2
#: Stepping or walking in place: the lifted foot changes sides at least this often
#: around one rep (left up, right up, left up), each lift ``STEP_MIN_S`` to
#: ``STEP_MAX_S`` long, the rep widened by ``STEP_PAD_S``.
STEP_SWITCHES_MIN = 3
STEP_MIN_S = 0.1
#: A step lifts a foot for at most this long (s); free feet of single-leg squats stay up
#: for 1-2 s (the frontal single-leg landmark set: 0.8-2.2 s).
STEP_MAX_S = 0.8
#: A step clears the floor by at least this much (leg lengths, about 9 cm); the planted
#: feet of the frontal single-leg landmark set wobble up to 0.09 off their floor level.
STEP_LIFT_MIN = 0.10
STEP_PAD_S = 1.2
#: A dip whose bottom lies this close (s) to a stepping dip is a step too.
STEP_CONTEXT_S = 1.5
#: Pelvis above its running median by this much (leg lengths) with both feet off the
#: floor: the flight phase of a jump or hop (the hop test's flights: 0.15-0.33).
JUMP_RISE_MIN = 0.05
#: Window (s) of the running median of the pelvis height for flights.
FLIGHT_WINDOW_S = 2.0
#: A flight lasts at least this long (s): two frames at 25-30 fps, one at 12-15 fps (a
#: clip filmed at half the frame rate still shows the hop test's flights, 0.2-0.4 s, as
#: one to several frames), four at 60 fps (a 2-3 frame blip of the tracker is no flight).
FLIGHT_MIN_S = 1 / 15
#: A clip without reps shows jumping or hopping with at least this many flights (the
#: hop test has 14, the jumper on the roof 6; a tracker locking on at the clip's start
#: can fake one or two).
JUMPS_MIN = 3
#: ... or at least this many rejected dips with a flight in them (walking across a side
#: view gives one at the clip's start, where the tracker locks on; the hop test has 5).
JUMP_DIPS_MIN = 2
#: In flight the pelvis rises with the feet: by at least this share of the lower foot's
#: lift. Hop test flights: pelvis up 0.15-0.33 with feet up 0.06-0.45 (vaila); walking
#: toward the camera: pelvis "up" 0.07 with feet "up" 0.3-0.4 (sit-to-stand walk-out).
FLIGHT_RISE_SHARE = 0.5
#: Seated: the pelvis rests within this of its lowest point (leg lengths; a seated
#: person shifting on the chair drifts by up to about 0.07)...
SIT_NEAR_BOTTOM = 0.08
#: ... moving slower than this (leg lengths per second) ...
SIT_MAX_SPEED = 0.15
#: ... for at least this long (s) in a double-leg rep. Squat protocols do not rest at
#: the bottom: the labelled double-leg squats stay there 0.07-0.3 s (ucsd, rohanx01,
#: noquarter); the chair sit-to-stand clip sits for 1.3 and 2.7 s.
SIT_MIN_S = 0.8
#: Apparent body size (:func:`hipcheck.kinematics.upright.apparent_size`) changing by
#: more than this fraction around a rep is camera zoom or the person walking toward or
#: away from the camera. The labelled real squats stay within 0.06.
SIZE_CHANGE_MAX = 0.2
#: A clip whose pelvis travels this far (leg lengths) along the floor over its upright
#: frames is a walking clip (one step is about 0.7 leg lengths).
WALK_TRAVEL_MIN = 1.0
#: Legacy: sideways travel of both feet within one rep that marks walking (live path).
WALK_MAX_SHIFT = 0.25
