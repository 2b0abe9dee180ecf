"""hipthrust-cam: a side-view form checker for the hip thrust.

The loop `hipthrust-cam analyze` runs, minus drawing and writing::

    config = load_config("mine.toml")                      # thresholds + cue texts
    with VideoFileSource("set.mp4") as frames, MediaPipePose() as pose:
        analyzer = Analyzer(config, (frames.info.width, frames.info.height), offline=True)
        for frame in frames:                               # Frame(index, t_s, image)
            for result in analyzer.push(pose.detect(frame)):   # PoseFrame -> FrameResult
                print(result.rep_count, result.phase, result.cue)
        analyzer.finish()                                  # flush the smoother's lag
    report = analyzer.report({"path": "set.mp4"})          # report.json dict

Stages, one module each: sources -> pose -> features -> reps -> faults -> cues -> drawing/report.
"""

__version__ = "0.1.0"
