"""The self-contained report page: summary, warnings, plots and one row per rep.

Inputs: the report.json dict (schema_version 1), the per-frame timeline dict (see
`report_plot`) and lockout thumbnails (rep index -> JPEG bytes). Output: the HTML document as a
string (`render_html`): inline CSS and SVG, thumbnails as data: URIs, a Content-Security-Policy
that forbids any network load, every string from the report escaped. No I/O here.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from hipthrust_cam.report.plot import plots_html
from hipthrust_cam.report.tables import (
    CSP,
    NOT_JUDGED,
    SAFETY_NOTE,
    Band,
    ReportError,
    deg_text,
    esc,
    fault_sentence,
    fault_title,
    num,
    rep_faults,
    sec_text,
    section,
    signed_text,
    target_bands,
)

MEASURES: tuple[tuple[str, str, str], ...] = (
    ("hip_extension_deg", "Hips", "180° = shoulders, hips and knees in a line"),
    ("torso_angle_deg", "Torso", "0° = parallel to the floor"),
    ("knee_angle_deg", "Knees", "90° is the target"),
    ("shin_angle_deg", "Shins", "0° = vertical; + feet forward, - feet back"),
    ("head_angle_deg", "Head", "+ = head back, - = chin tucked"),
)
"""Lockout angles shown per rep: (report key, label, hint)."""


def _thumb_uri(jpeg: bytes | None) -> str:
    return "" if not jpeg else "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _angle_row(key: str, label: str, hint: str, rep: Mapping[str, Any], band: Band) -> str:
    value = num(rep.get(key))
    if value is None:
        state, verdict = "nj", ""
    elif band.contains(value):
        state, verdict = "in", "✓ "
    else:
        state = "out"
        verdict = "above " if band.hi is not None and value > band.hi else "below "
    shown = (
        NOT_JUDGED
        if value is None
        else f"{signed_text(value)}°"
        if band.lo is None or band.lo < 0
        else f"{value:.0f}°"
    )
    return (
        f'<tr class="{state}"><th title="{esc(hint)}">{label}</th><td class="v">{shown}'
        f'</td><td class="aim">{verdict}aim {band.text()}</td></tr>'
    )


def _badge(rep: Mapping[str, Any], faults: list[Mapping[str, Any]]) -> tuple[str, str]:
    if rep.get("judged") is False:
        return "nj", "Not judged"
    if faults:
        return "fix", f"{len(faults)} thing{'s' if len(faults) > 1 else ''} to fix"
    if rep.get("complete") is False:  # the lifter did nothing wrong: the recording stopped
        return "nj", "Video ends mid-rep"
    return "ok", "Clean"


def _rep_html(rep: Mapping[str, Any], thumb: bytes | None, bands: Mapping[str, Band]) -> str:
    faults = rep_faults(rep)
    index = esc(rep.get("index", "?"))
    state, badge = _badge(rep, faults)
    uri = _thumb_uri(thumb)
    img = (
        f'<img src="{uri}" alt="Rep {index} at the top">'
        if uri
        else '<div class="noimg">no picture</div>'
    )
    tempo = " · ".join(
        f"{name} <b>{sec_text(num(rep.get(key)))}</b>"
        for name, key in (("Up", "concentric_s"), ("Pause", "pause_s"), ("Down", "eccentric_s"))
    )
    conf = num(rep.get("confidence"))
    rows = "".join(_angle_row(k, label, hint, rep, bands[k]) for k, label, hint in MEASURES)
    items = "".join(
        f"<li>{esc(fault_sentence(f, rep, bands, with_cue=False))}"
        + (f'. <span class="cue">Cue: {esc(f["cue"])}</span>' if f.get("cue") else "")
        + "</li>"
        for f in faults
    )
    verdict = f'<ul class="faults">{items}</ul>' if items else ""
    if not items and state == "ok":
        verdict = '<p class="good">Good rep: nothing to fix.</p>'
    if rep.get("complete") is False:
        verdict += (
            '<p class="possible">The video ends before the way down: that part is not judged.</p>'
        )
    verdict += "".join(
        f'<p class="possible">Possibly: {esc(fault_sentence(f, rep, bands, with_cue=False))}. '
        "A weight on the hips can hide the joint from the camera: check the video.</p>"
        for f in rep_faults(rep, possible=True)
    )
    return (
        f'<article class="rep {state}" id="rep-{index}"><figure>{img}</figure><div>'
        f'<h3>Rep {index} <span class="badge {state}">{badge}</span></h3>'
        f'<p class="tempo">{tempo} · Range of motion <b>{deg_text(num(rep.get("rom_deg")))}</b>'
        + ("" if conf is None else f' <span class="conf">confidence {conf:.0%}</span>')
        + f'</p>{verdict}<table class="angles"><caption>At the top</caption>{rows}</table>'
        "</div></article>"
    )


def _summary_html(report: Mapping[str, Any]) -> str:
    summary = section(report, "summary")
    reps = [r for r in report.get("reps") or [] if isinstance(r, Mapping)]
    count = report.get("rep_count", len(reps))
    clean = num(summary.get("clean_reps"))
    tiles = (
        ("Reps", esc(count)),
        ("Clean reps", NOT_JUDGED if clean is None else f"{clean:.0f} of {esc(count)}"),
        ("Set duration", sec_text(num(summary.get("set_duration_s")))),
        ("Time under tension", sec_text(num(summary.get("time_under_tension_s")))),
    )
    html = '<section class="summary">' + "".join(
        f'<div class="tile"><span>{name}</span><b>{value}</b></div>' for name, value in tiles
    )
    code = summary.get("most_frequent_fault")
    if code:
        hits = sum(any(f.get("code") == code for f in rep_faults(r)) for r in reps)
        cue = summary.get("most_frequent_cue")
        html += (
            f'<p class="top">Most frequent fault: <b>{esc(fault_title(str(code)))}</b>'
            f" on {hits} of {len(reps)} reps."
            + (f' Cue: <span class="cue">{esc(cue)}</span>' if cue else "")
            + "</p>"
        )
    elif reps and clean is not None and clean >= len(reps):
        html += '<p class="top good">Every rep was clean. Nice set.</p>'
    return html + "</section>"


def _warnings_html(report: Mapping[str, Any]) -> str:
    setup = section(report, "setup")
    warnings = [str(w) for w in setup.get("warnings") or [] if w]
    summary = section(report, "summary")
    if summary.get("partial"):
        warnings.append("The set was stopped early; this report covers what was recorded.")
    if not report.get("reps") and not warnings:
        warnings.append("No hip-thrust reps were counted.")
    if not warnings:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return f'<section class="warn" role="alert"><h2>Check this first</h2><ul>{items}</ul></section>'


def _partials_html(report: Mapping[str, Any]) -> str:
    partials = report.get("partial_reps") or []
    if not partials:
        return ""
    items = []
    for p in partials:
        if isinstance(p, Mapping):
            t0, t1 = num(p.get("start_s")), num(p.get("end_s"))
            text = "started" + ("" if t0 is None else f" at {t0:.1f} s")
            text += "" if t1 is None else f", ended at {t1:.1f} s"
            reason = p.get("reason") or p.get("note")
            if not reason and p.get("reached_lockout") is False:
                rom = num(p.get("rom_deg"))
                reason = "the hips never reached the top" + (
                    "" if rom is None else f" (rose {rom:.0f}°)"
                )
            items.append(text + (f": {reason}" if reason else ""))
        else:
            items.append(str(p))
    lis = "".join(f"<li>{esc(i)}</li>" for i in items)
    return (
        f'<section class="partials"><h2>Partial reps (not counted): {len(partials)}</h2>'
        f"<ul>{lis}</ul></section>"
    )


def _limits_html(report: Mapping[str, Any]) -> str:
    setup = section(report, "setup")
    note = setup.get("side_view_only")
    out = f"<p>{esc(note)}</p>" if note else ""
    hidden = [str(c) for c in setup.get("not_judged_from_view") or []]
    if hidden:
        texts = section(section(report, "config"), "cues").get("texts") or {}
        names = ", ".join(f"“{esc(texts.get(c, c))}”" for c in hidden)
        out += f"<p>Not judged from this camera angle (film side-on for them): {names}.</p>"
    return out


VARIANTS = {"bench": "bench hip thrust", "bridge": "glute bridge (no bench)"}
"""setup.variant codes -> words; unknown variants are shown as they are."""


def _source_line(report: Mapping[str, Any]) -> str:
    src = section(report, "source")
    setup = section(report, "setup")
    size = (
        f"{src['width']}×{src['height']}"
        if num(src.get("width")) and num(src.get("height"))
        else None
    )
    fps = num(src.get("fps"))
    parts = [
        size,
        None if fps is None else f"{fps:g} fps",
        None if num(src.get("duration_s")) is None else sec_text(num(src.get("duration_s"))),
        f"{setup['side']} side to camera" if setup.get("side") else None,
        f"{setup['view']} view" if setup.get("view") else None,
        VARIANTS.get(str(setup.get("variant")), setup.get("variant")),
    ]
    return " · ".join(esc(p) for p in parts if p)


def _notes_html(notes: Sequence[tuple[str, str]]) -> str:
    rows = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in notes if v)
    return f'<section class="notes"><h2>Your notes</h2><dl>{rows}</dl></section>' if rows else ""


def render_html(
    report: Mapping[str, Any],
    timeline: Mapping[str, Any] | None,
    thumbnails: Mapping[Any, bytes] | None,
    notes: Sequence[tuple[str, str]] = (),
) -> str:
    """Render the self-contained report page: inline CSS and SVG, thumbnails as data: URIs.

    Args:
        report: The report.json dict (schema_version 1; missing optional keys are fine).
        timeline: Per-frame columns (`t_s`, the angles in degrees, `faults`...) or None.
        thumbnails: Rep index (int or str) -> JPEG bytes of the lockout frame, or None.
        notes: The lifter's notes on the set as (label, text) pairs, shown under the title.

    Returns:
        The HTML document. Every string from the report is escaped; nothing loads from the network.

    """
    if not isinstance(report, Mapping):
        raise ReportError(f"report must be a dict, got {type(report).__name__}")
    timeline = timeline or {}
    thumbs = {str(k): v for k, v in (thumbnails or {}).items()}
    bands = target_bands(report.get("config"))
    src = section(report, "source")
    name = esc(src.get("name") or src.get("path") or "recording")
    reps = [r for r in report.get("reps") or [] if isinstance(r, Mapping)]
    rep_html = "".join(_rep_html(r, thumbs.get(str(r.get("index"))), bands) for r in reps)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Hip thrust report: {name}</title><style>{CSS}</style></head><body><main>"
        f'<header><h1>Hip thrust report</h1><p class="src"><span class="name">{name}</span> '
        f"{_source_line(report)}</p></header>{_notes_html(notes)}"
        f"{_warnings_html(report)}{_summary_html(report)}{plots_html(report, timeline, bands)}"
        f'<section class="reps"><h2>Rep by rep</h2>{rep_html or "<p>No reps counted.</p>"}'
        f"</section>{_partials_html(report)}"
        f'<footer class="note">{_limits_html(report)}<p>{SAFETY_NOTE}</p></footer>'
        "</main></body></html>\n"
    )


CSS = """
:root{--ink:#1c2430;--mute:#5a6472;--bg:#f4f5f7;--card:#fff;--line:#dde1e6;--ok:#1a7f37;
--okbg:#e6f4ea;--warn:#9a4a00;--warnbg:#fff4e0;--bad:#c62828;--accent:#2456a6}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:980px;margin:0 auto;padding:24px 16px 40px}
h1{font-size:1.7rem;margin:0}
h2{font-size:1.2rem;margin:28px 0 10px}
h3{margin:0 0 6px;font-size:1.1rem}
.src{color:var(--mute);margin:4px 0 0}
.src .name{color:var(--ink);font-weight:600;word-break:break-all}
.warn{background:var(--warnbg);border:2px solid #e8a33d;border-radius:10px;padding:4px 18px;
margin:18px 0}
.warn h2{margin:10px 0 4px;color:var(--warn)}
.warn li{font-weight:600}
.summary{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin-top:18px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 14px}
.tile span{display:block;color:var(--mute);font-size:.85rem}
.tile b{font-size:1.5rem}
.top{grid-column:1/-1;margin:4px 0 0;background:var(--card);border-left:5px solid #e8a33d;
border-radius:6px;padding:10px 14px}
.top.good{border-color:var(--ok)}
.cue{font-weight:700;color:var(--accent)}
.rep{display:grid;grid-template-columns:320px 1fr;gap:16px;background:var(--card);
border:1px solid var(--line);border-left:6px solid var(--ok);border-radius:10px;padding:14px;
margin:0 0 12px}
.rep.fix{border-left-color:#e8a33d}
.rep.nj{border-left-color:#9aa3ad}
.rep figure{margin:0}
.rep img{width:100%;border-radius:6px;display:block}
.noimg{aspect-ratio:16/9;background:var(--bg);border-radius:6px;display:grid;place-items:center;
color:var(--mute)}
.badge{font-size:.8rem;font-weight:600;border-radius:999px;padding:2px 10px;
vertical-align:middle;margin-left:6px}
.badge.ok{background:var(--okbg);color:var(--ok)}
.badge.fix{background:var(--warnbg);color:var(--warn)}
.badge.nj{background:#eceff2;color:var(--mute)}
.tempo{margin:0 0 8px}
.conf{color:var(--mute);font-size:.85rem;margin-left:6px;white-space:nowrap}
.faults{margin:0 0 8px;padding-left:20px}
.faults li{margin:2px 0}
.possible{color:#5b6472;font-size:.92em;margin:4px 0}
.good{color:var(--ok);margin:0 0 8px}
.angles{border-collapse:collapse;font-size:.92rem;width:100%;max-width:420px}
.angles caption{text-align:left;color:var(--mute);font-size:.85rem}
.angles th{text-align:left;font-weight:600;padding:2px 10px 2px 0;cursor:help}
.angles td{padding:2px 8px}
.angles .v{font-weight:700;text-align:right;font-variant-numeric:tabular-nums}
.angles .in .v{color:var(--ok)}
.angles .out .v{color:var(--warn)}
.angles .nj .v{color:var(--mute);font-weight:400}
.angles .aim{color:var(--mute)}
.angles .out .aim{color:var(--warn)}
.partials{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:2px 16px}
.plot{margin:0 0 10px;background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:8px}
.plot{overflow-x:auto}
.plot figcaption{font-weight:600;margin:0 0 2px 8px}
.plot svg{width:100%;min-width:600px;height:auto;display:block}
svg text{fill:var(--mute);font-size:12px}
svg .axis{font-size:12px}
svg .replabel{fill:var(--ink);font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg .grid{stroke:#eceff2}
svg .frame{stroke:#9aa3ad}
svg .line{fill:none;stroke:var(--accent);stroke-width:2}
svg .span-rep,.sw-rep{fill:#e8eef8;background:#e8eef8}
svg .span-lock,.sw-lock{fill:#c5d5ee;background:#c5d5ee}
svg .band,.sw-band{fill:rgba(26,127,55,.13);background:rgba(26,127,55,.2)}
svg .target{stroke:var(--ok);stroke-dasharray:6 4;stroke-width:1.5}
svg .fault,.sw-fault{fill:var(--bad);background:var(--bad)}
svg .empty{font-size:16px}
.legend{color:var(--mute);font-size:.85rem;margin:0 0 8px}
.sw{display:inline-block;width:14px;height:10px;border-radius:2px;margin:0 4px 0 12px;
vertical-align:middle}
.sw-gap{border-top:2px dashed var(--accent);height:0;border-radius:0}
.notes{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:2px 16px;margin-top:14px}
.notes dl{display:flex;flex-wrap:wrap;gap:6px 28px;margin:6px 0 12px}
.notes dt{color:var(--mute);font-size:.85rem}
.notes dd{margin:0;font-weight:600;white-space:pre-wrap}
.note p{margin:4px 0}
.note{margin-top:28px;color:var(--mute);font-size:.9rem;border-top:1px solid var(--line);
padding-top:12px}
@media (max-width:640px){.rep{grid-template-columns:1fr}h1{font-size:1.4rem}
.summary{grid-template-columns:1fr 1fr}}
""".replace("\n", "")
