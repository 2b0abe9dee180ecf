// Upload page: sends each dropped video to the server, then shows the server's analysis progress.
// The server does all the work; this only moves bytes and draws the bars it reports.
"use strict";
const drop = document.getElementById("drop");
const input = document.getElementById("files");
const list = document.getElementById("uploads");
const watched = new Map(); // job id -> list item
let batch = 0; // files in the latest drop
let poller = null;

function item(name) {
  const li = document.createElement("li");
  li.className = "upload";
  const head = document.createElement("div");
  head.className = "upload-head";
  const b = document.createElement("b");
  b.className = "upload-name";
  b.textContent = name;
  const state = document.createElement("span");
  state.className = "upload-state";
  head.append(b, state);
  const bar = document.createElement("progress");
  bar.max = 1;
  bar.value = 0;
  const msg = document.createElement("p");
  msg.className = "upload-msg";
  li.append(head, bar, msg);
  list.append(li);
  return li;
}

function show(li, stateText, fraction, message, cls) {
  li.querySelector(".upload-state").textContent = stateText;
  const bar = li.querySelector("progress");
  if (fraction === null) bar.removeAttribute("value"); else bar.value = fraction;
  const msg = li.querySelector(".upload-msg");
  msg.textContent = message || "";
  if (cls) li.className = "upload " + cls;
}

function send(file) {
  const li = item(file.name);
  show(li, "Uploading 0%", 0);
  const xhr = new XMLHttpRequest();
  xhr.open("PUT", "/api/uploads");
  xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
  xhr.setRequestHeader("X-Last-Modified", String(file.lastModified || ""));
  xhr.setRequestHeader("Content-Type", "application/octet-stream");
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) show(li, "Uploading " + Math.round(100 * e.loaded / e.total) + "%", e.loaded / e.total);
  };
  xhr.onload = () => {
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
    if (xhr.status === 201) {
      li.dataset.job = body.job;
      watched.set(String(body.job), li);
      show(li, "Waiting for the analysis", 0, "Checking the video…", "queued");
      startPolling();
    } else {
      show(li, "Not analysed", 0, body.error || ("The server refused the file (" + xhr.status + ")."), "failed");
    }
  };
  xhr.onerror = () => show(li, "Not sent", 0, "The upload failed: is the app still running?", "failed");
  xhr.send(file);
}

function update(job) {
  const li = watched.get(String(job.id));
  if (!li) return;
  if (job.state === "queued") show(li, "Waiting", 0, "Waiting for a free core…", "queued");
  else if (job.state === "running") show(li, "Analysing " + Math.round(100 * job.progress) + "%", job.progress, "", "running");
  else if (job.state === "failed") { show(li, "Failed", 0, job.message, "failed"); watched.delete(String(job.id)); }
  else if (job.state === "done") {
    show(li, "Done", 1, "", "done");
    const link = document.createElement("a");
    link.href = job.set_url;
    link.className = "button small primary";
    link.textContent = "Open the report";
    li.querySelector(".upload-msg").replaceChildren(link);
    watched.delete(String(job.id));
    if (batch === 1 && job.set_url) window.location.assign(job.set_url);
  }
}

async function poll() {
  if (watched.size === 0) { clearInterval(poller); poller = null; return; }
  try {
    const res = await fetch("/api/jobs?ids=" + [...watched.keys()].join(","));
    if (res.ok) for (const job of (await res.json()).jobs) update(job);
  } catch (err) { /* the server may be restarting: try again at the next tick */ }
}

function startPolling() {
  if (poller === null) poller = setInterval(poll, 600);
}

function accept(files) {
  const chosen = [...files];
  batch = chosen.length;
  for (const f of chosen) send(f);
}

input.addEventListener("change", () => { accept(input.files); input.value = ""; });
for (const ev of ["dragenter", "dragover"]) drop.addEventListener(ev, (e) => { e.preventDefault(); drop.classList.add("over"); });
for (const ev of ["dragleave", "drop"]) drop.addEventListener(ev, () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); accept(e.dataTransfer.files); });
for (const li of document.querySelectorAll("li[data-job]")) {
  if (!li.classList.contains("failed")) { watched.set(li.dataset.job, li); startPolling(); }
}
