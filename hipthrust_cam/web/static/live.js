// Live page: the camera runs here; each frame goes to the server, which answers with what to
// draw (landmarks, phase, count, cue). The next frame is sent only once the last answer is
// back, so no stale frame ever waits in a queue. No analysis happens in this script.
"use strict";
const root = document.getElementById("live");
const video = document.getElementById("camera");
const canvas = document.getElementById("overlay");
const ctx = canvas.getContext("2d");
const els = Object.fromEntries(["start", "end", "speak", "rate", "status", "reps", "phase", "cue", "guide", "placeholder"].map((id) => [id, document.getElementById(id)]));
const longSide = Number(root.dataset.longSide) || 640;
const quality = Number(root.dataset.quality) || 0.8;
const grab = document.createElement("canvas");
let socket = null, stream = null, edges = [], running = false, t0 = 0, lastCue = null;

function status(text, bad) {
  els.status.textContent = text;
  els.status.className = "status" + (bad ? " bad" : "");
}

function draw(result) {
  canvas.width = canvas.clientWidth * devicePixelRatio;
  canvas.height = canvas.clientHeight * devicePixelRatio;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  // The video is letterboxed (object-fit: contain): map frame fractions into its box.
  const vw = video.videoWidth || 16, vh = video.videoHeight || 9;
  const scale = Math.min(canvas.width / vw, canvas.height / vh);
  const ox = (canvas.width - vw * scale) / 2, oy = (canvas.height - vh * scale) / 2;
  const at = (p) => [ox + p[0] * vw * scale, oy + p[1] * vh * scale];
  const bad = new Set(result.bad);
  const lw = Math.max(3, canvas.height / 160);
  for (const [a, b] of edges) {
    const pa = result.points[a], pb = result.points[b];
    if (!pa || !pb) continue;
    ctx.lineCap = "round";
    ctx.strokeStyle = "#000"; ctx.lineWidth = lw + 3;
    ctx.beginPath(); ctx.moveTo(...at(pa)); ctx.lineTo(...at(pb)); ctx.stroke();
    ctx.strokeStyle = bad.has(a) && bad.has(b) ? "#ff5a28" : "#f5f5f5"; ctx.lineWidth = lw;
    ctx.beginPath(); ctx.moveTo(...at(pa)); ctx.lineTo(...at(pb)); ctx.stroke();
  }
  for (const [name, p] of Object.entries(result.points)) {
    ctx.fillStyle = bad.has(name) ? "#ff5a28" : "#28aaff";
    ctx.beginPath(); ctx.arc(...at(p), lw * 1.5, 0, 2 * Math.PI); ctx.fill();
  }
  ctx.font = `${Math.round(lw * 5)}px system-ui, sans-serif`;
  for (const [joint, key] of [["hip", "hip"], ["knee", "knee"]]) {
    const p = result.points[joint], v = result.angles[key];
    if (!p || v === undefined) continue;
    const [x, y] = at(p);
    ctx.fillStyle = "rgba(17,22,29,.8)"; ctx.fillRect(x + lw * 3, y - lw * 12, lw * 13, lw * 7);
    ctx.fillStyle = "#fff"; ctx.fillText(v + "°", x + lw * 4.5, y - lw * 6.8);
  }
  els.reps.textContent = result.reps;
  els.phase.textContent = result.phase;
  els.cue.hidden = !result.cue;
  els.cue.textContent = result.cue || "";
  els.cue.className = "cue" + (result.cue_kind === "good" ? " good" : "");
  els.guide.replaceChildren(...[...result.messages, ...result.guide].slice(0, 4).map((t) => {
    const li = document.createElement("li"); li.textContent = t; return li;
  }));
  if (result.fps !== null) els.rate.textContent = `processing ${result.fps.toFixed(1)} fps`;
  if (result.cue && result.cue !== lastCue && els.speak.checked && "speechSynthesis" in window) {
    speechSynthesis.cancel();
    speechSynthesis.speak(new SpeechSynthesisUtterance(result.cue));
  }
  lastCue = result.cue;
}

function sendFrame() {
  if (!running || socket.readyState !== WebSocket.OPEN) return;
  grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
  grab.toBlob(async (blob) => {
    if (!blob || !running) return;
    const head = new DataView(new ArrayBuffer(8));
    head.setFloat64(0, (performance.now() - t0) / 1000, true);
    socket.send(new Blob([head.buffer, blob]));
  }, "image/jpeg", quality);
}

function onMessage(event) {
  const msg = JSON.parse(event.data);
  if (msg.type === "ready") {
    edges = msg.edges; running = true; t0 = performance.now();
    els.end.disabled = false;
    status("Coaching: start your set whenever you are ready.");
    sendFrame();
  } else if (msg.type === "result") {
    draw(msg); sendFrame();
  } else if (msg.type === "skipped") {
    sendFrame();
  } else if (msg.type === "saved") {
    running = false; stopCamera();
    if (msg.url) { status(`Set saved: ${msg.reps} reps. Opening its report…`); window.location.assign(msg.url); }
    else status("Nothing was recorded, so no set was saved.");
  } else if (msg.type === "error") {
    running = false; status(msg.message, true); stopCamera();
  }
}

function stopCamera() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  els.end.disabled = true;
  els.start.disabled = false;
}

async function start() {
  els.start.disabled = true;
  status("Asking for the camera…");
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
  } catch (err) {
    status("The camera could not be opened (" + err.name + "): allow it in the browser, or close other apps that use it.", true);
    els.start.disabled = false;
    return;
  }
  video.srcObject = stream;
  await video.play();
  els.placeholder.hidden = true;
  const k = Math.min(1, longSide / Math.max(video.videoWidth, video.videoHeight));
  grab.width = Math.round(video.videoWidth * k / 2) * 2;
  grab.height = Math.round(video.videoHeight * k / 2) * 2;
  const fps = stream.getVideoTracks()[0].getSettings().frameRate || 30;
  status("Loading the pose model…");
  socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/live`);
  socket.binaryType = "arraybuffer";
  socket.onopen = () => socket.send(JSON.stringify({ type: "start", width: grab.width, height: grab.height, fps }));
  socket.onmessage = onMessage;
  socket.onclose = () => {
    if (running) { running = false; status("The connection to the app was lost; what was measured has been saved.", true); stopCamera(); }
  };
}

els.start.addEventListener("click", start);
els.end.addEventListener("click", () => {
  els.end.disabled = true;
  status("Saving the set…");
  running = false;
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "end" }));
});
