"""hipthrust-cam: a side-view form checker for the hip thrust.

The loop `hipthrust-cam analyze` runs, minus drawing and writing::

    config = load_config("mine.toml")                      # thresholds + cue texts
    with VideoFileSource("set.mp4") as frames, MediaPipePose() as pose:
        analyzer = Analyzer(config, (frames.info.width, frames.info.height), offline=True)
        for frame in frames:                               # Frame(index, t_s, image)
            for result in analyzer.push(pose.detect(frame)):   # PoseFrame -> FrameResult
                print(result.rep_count, result.phase, result.cue)
        analyzer.finish()                                  # flush the smoother's lag
    report = build_report(analyzer, {"path": "set.mp4"})   # report.json dict

Layers, each importing only those before it: `datatypes`/`config` (leaves) -> `analysis`
(pure numpy: features -> reps -> faults -> cues) -> `pose` -> `report`/`store` (the history's
SQLite index) -> `media` -> `app` -> `web` (the local web app) -> `cli`. `synth` renders
sample videos with ground truth.
"""

__version__ = "0.1.0"
