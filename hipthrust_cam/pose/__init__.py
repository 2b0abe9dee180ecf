"""The pose stage: frames in, `PoseFrame`s out.

`blazepose` is the only module that imports MediaPipe; `lanes` runs several trackers over
one video; `keypoints` saves and loads a recording's keypoints.
"""
