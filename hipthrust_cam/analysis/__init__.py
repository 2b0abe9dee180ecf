"""The pure analysis core: keypoints in, angles, reps, faults and cues out.

numpy and the standard library only: no OpenCV, no MediaPipe, no file or network I/O (a test
walks this package with those blocked). Stages, in pipeline order: geometry, filters,
features, silhouette, reps, measures, faults, cues, framing; `analyzer` runs them per frame.
"""
