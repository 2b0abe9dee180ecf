"""Which coaching cue to show, one at a time, without flicker.

Inputs: per frame, the fault codes live at that frame (e.g. feet position seen at the top) and,
on the frame a rep is finalised, that rep's fault codes. Outputs: the cue `(code, text)` to show
now, or None, and whether to show the positive sign after a clean rep. A live fault must last
`hold_s` before its cue shows; a rep's faults are eligible at once. A shown cue stays `show_s`,
then the same code rests `cooldown_s`; a rep fault whose cue is resting when the rep ends is not
queued (shown seconds later it would land in the middle of the next rep). Ties are broken by
the priority table (back first, then feet, head, lockout, tempo).
"""

from __future__ import annotations

from hipthrust_cam.config import CuesConfig


class CueManager:
    """Streams cue decisions frame by frame."""

    def __init__(self, config: CuesConfig) -> None:
        """Start with nothing shown."""
        self.cfg = config
        self._rank = {code: i for i, code in enumerate(config.priority)}
        self._since: dict[str, float] = {}  # live fault -> when it started
        self._rep: dict[str, float] = {}  # rep fault -> when the rep ended
        self._ended: dict[str, float] = {}  # code -> when its cue was last taken down
        self._shown: tuple[str, float] | None = None  # (code, since)
        self._good_until = -1.0

    def update(
        self,
        t_s: float,
        live: tuple[str, ...] = (),
        rep_faults: tuple[str, ...] | None = None,
    ) -> tuple[tuple[str, str] | None, bool]:
        """Advance to frame time `t_s`.

        Args:
            t_s: Frame time, s.
            live: Fault codes live at this frame.
            rep_faults: The faults of a rep finalised at this frame (empty tuple = clean rep);
                None when no rep ended here.

        Returns:
            (cue, good_rep): the `(code, text)` to show or None; whether to show the
            positive sign.
        """
        self._since = {code: self._since.get(code, t_s) for code in live}
        if rep_faults is not None:
            for code in rep_faults:  # a cue resting after being shown is not queued for later
                if t_s - self._ended.get(code, -1e9) >= self.cfg.cooldown_s:
                    self._rep[code] = t_s
            if not rep_faults:
                self._good_until = t_s + self.cfg.good_rep_s
        self._rep = {c: t for c, t in self._rep.items() if t_s - t <= self.cfg.show_s}
        if self._shown is not None and t_s - self._shown[1] >= self.cfg.show_s:
            self._ended[self._shown[0]] = t_s
            self._shown = None
        if self._shown is None:
            pick = self._pick(t_s)
            if pick is not None:
                self._shown = (pick, t_s)
                self._rep.pop(pick, None)
                self._good_until = -1.0
        cue = (
            (self._shown[0], self.cfg.texts.get(self._shown[0], self._shown[0]))
            if self._shown
            else None
        )
        return cue, cue is None and t_s < self._good_until

    def _pick(self, t_s: float) -> str | None:
        ready = [c for c, since in self._since.items() if t_s - since >= self.cfg.hold_s]
        ready += list(self._rep)
        ready = [c for c in ready if t_s - self._ended.get(c, -1e9) >= self.cfg.cooldown_s]
        if not ready:
            return None
        return min(ready, key=lambda c: self._rank.get(c, len(self._rank)))
