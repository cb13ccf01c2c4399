// gantry studio: draw strokes over the current image, search the generator for samples that agree
// with them (POST /api/generate), pick one, morph from the previous pick, save. No external code.
"use strict";
const SCALE = 8;
const studio = window.studio = {
  info: null, strokes: null, mask: null, current: null, previous: null,
  candidates: [], frames: [], saved: null, generateMs: null, busy: false,
};
const $ = (id) => document.getElementById(id);
const canvas = $("canvas"), ctx = canvas.getContext("2d");

function status(text) { $("status").textContent = text; }

async function call(path, body) {
  const res = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const json = await res.json();
  if (!res.ok) throw new Error(json.error || res.statusText);
  return json;
}

function hexToRgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.substr(i, 2), 16) / 255);
}

// The brush value per channel: the colour scaled by the intensity (gray: its mean).
function brushValue() {
  const k = Number($("intensity").value) / 100;
  const rgb = hexToRgb($("colour").value).map((v) => v * k);
  if (studio.info.channels === 1) return [(rgb[0] + rgb[1] + rgb[2]) / 3];
  return rgb;
}

function paint(px, py) {
  const {width: w, height: h, channels: c} = studio.info;
  const r = Number($("size").value) / 2;
  const erase = $("eraser").checked, value = brushValue();
  for (let y = Math.floor(py - r); y <= Math.ceil(py + r); y++)
    for (let x = Math.floor(px - r); x <= Math.ceil(px + r); x++) {
      if (x < 0 || y < 0 || x >= w || y >= h) continue;
      if ((x + 0.5 - px) ** 2 + (y + 0.5 - py) ** 2 > r * r + 0.25) continue;
      studio.mask[y * w + x] = erase ? 0 : 1;
      for (let k = 0; k < c; k++) studio.strokes[k * h * w + y * w + x] = erase ? 0 : value[k];
    }
  render();
}

function drawPixels(target, pixels, scale) {
  const {width: w, height: h, channels: c} = studio.info;
  const g = target.getContext("2d");
  const img = g.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    for (let k = 0; k < 3; k++) img.data[4 * i + k] = 255 * pixels[(c === 1 ? 0 : k) * w * h + i];
    img.data[4 * i + 3] = 255;
  }
  const small = document.createElement("canvas");
  small.width = w; small.height = h;
  small.getContext("2d").putImageData(img, 0, 0);
  g.imageSmoothingEnabled = false;
  g.drawImage(small, 0, 0, w * scale, h * scale);
}

function render() {
  const {width: w, height: h, channels: c} = studio.info;
  const shown = morphFrame() || (studio.current ? studio.current.pixels : new Array(c * w * h).fill(0));
  drawPixels(canvas, shown, SCALE);
  // The strokes on top, outlined so that they stay visible on any background.
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (!studio.mask[y * w + x]) continue;
      const v = [0, 1, 2].map((k) => Math.round(255 * studio.strokes[(c === 1 ? 0 : k) * h * w + y * w + x]));
      ctx.fillStyle = `rgb(${v[0]},${v[1]},${v[2]})`;
      ctx.fillRect(x * SCALE, y * SCALE, SCALE, SCALE);
      ctx.strokeStyle = "rgba(255,64,64,0.6)";
      ctx.strokeRect(x * SCALE + 0.5, y * SCALE + 0.5, SCALE - 1, SCALE - 1);
    }
}

function morphFrame() {
  if (!studio.frames.length) return null;
  return studio.frames[Number($("morph").value)];
}

function showCandidates(list) {
  studio.candidates = list;
  const box = $("candidates");
  box.textContent = "";
  list.forEach((cand, i) => {
    const cv = document.createElement("canvas");
    cv.width = studio.info.width * 4; cv.height = studio.info.height * 4;
    cv.dataset.index = i;
    cv.title = `L1 under the strokes ${cand.distance === undefined ? "-" : cand.distance.toFixed(3)}` +
               (cand.label >= 0 ? `, class ${cand.label}` : "");
    drawPixels(cv, cand.pixels, 4);
    cv.addEventListener("click", () => choose(i));
    box.appendChild(cv);
  });
}

async function choose(i) {
  const cand = studio.candidates[i];
  studio.previous = studio.current;
  studio.current = cand;
  document.querySelectorAll("#candidates canvas").forEach((cv) =>
    cv.classList.toggle("current", Number(cv.dataset.index) === i));
  studio.frames = [];
  const slider = $("morph");
  if (studio.previous) {
    const label = cand.label >= 0 ? cand.label : undefined;
    const res = await call("/api/path", {from: studio.previous.z, to: cand.z, steps: 9, class: label});
    studio.frames = res.frames;
    slider.disabled = false;
  } else {
    slider.disabled = true;
  }
  slider.value = 8;
  render();
  status(`current: candidate ${i + 1}` + (cand.label >= 0 ? ` (class ${cand.label})` : ""));
}

function selectedClass() {
  const v = $("class").value;
  return studio.info.classes > 0 && v !== "" && v !== "search" ? Number(v) : undefined;
}

async function generate() {
  if (studio.busy) return;
  studio.busy = true;
  status("searching…");
  try {
    const {width: w, height: h, channels: c} = studio.info;
    const pixels = studio.strokes.slice();
    if (studio.current)  // where nothing is drawn the values do not count (mask 0)
      for (let i = 0; i < c * w * h; i++) if (!studio.mask[i % (w * h)]) pixels[i] = studio.current.pixels[i];
    const t0 = performance.now();
    const res = await call("/api/generate", {
      pixels, mask: studio.mask, class: selectedClass(),
      restarts: Number($("restarts").value), steps: Number($("steps").value),
      seed: Math.floor(Math.random() * 1e9)});
    studio.generateMs = performance.now() - t0;
    showCandidates(res.candidates);
    status(`${res.candidates.length} candidates in ${(res.ms / 1000).toFixed(2)} s (search)`);
  } catch (e) {
    status("error: " + e.message);
  } finally {
    studio.busy = false;
  }
}

async function random() {
  try {
    const res = await call("/api/random", {count: 8, class: selectedClass(), seed: Math.floor(Math.random() * 1e9)});
    showCandidates(res.candidates);
    status("8 random samples: click one to start from it");
  } catch (e) { status("error: " + e.message); }
}

async function save() {
  if (!studio.current) { status("nothing to save: pick a candidate first"); return; }
  const label = studio.current.label >= 0 ? studio.current.label : undefined;
  const frame = morphFrame();
  try {
    // The image shown: the morph's position when the slider was moved, else the current one.
    let z = studio.current.z;
    if (frame && studio.previous) {
      const t = Number($("morph").value) / 8;
      z = studio.previous.z.map((a, k) => (1 - t) * a + t * studio.current.z[k]);
    }
    const res = await call("/api/save", {z, class: label, name: $("name").value});
    studio.saved = res;
    status(`saved ${res.png} and ${res.z} in the run directory`);
  } catch (e) { status("error: " + e.message); }
}

function eventPoint(ev) {
  const rect = canvas.getBoundingClientRect();
  return [(ev.clientX - rect.left) / SCALE * (canvas.width / rect.width),
          (ev.clientY - rect.top) / SCALE * (canvas.height / rect.height)];
}

async function start() {
  studio.info = await call("/api/info");
  const {width: w, height: h, channels: c, classes} = studio.info;
  canvas.width = w * SCALE; canvas.height = h * SCALE;
  studio.strokes = new Array(c * w * h).fill(0);
  studio.mask = new Array(w * h).fill(0);
  $("run").textContent = `${studio.info.experiment}, iteration ${studio.info.iteration}`;
  if (classes > 0) {
    $("class-label").hidden = false;
    const sel = $("class");
    const opt = document.createElement("option");
    opt.value = "search"; opt.textContent = "search"; sel.appendChild(opt);
    for (let k = 0; k < classes; k++) {
      const o = document.createElement("option");
      o.value = k; o.textContent = k; sel.appendChild(o);
    }
  }
  let drawing = false;
  canvas.addEventListener("mousedown", (ev) => { drawing = true; paint(...eventPoint(ev)); });
  canvas.addEventListener("mousemove", (ev) => { if (drawing) paint(...eventPoint(ev)); });
  window.addEventListener("mouseup", () => { drawing = false; });
  $("clear").addEventListener("click", () => { studio.mask.fill(0); studio.strokes.fill(0); render(); });
  $("generate").addEventListener("click", generate);
  $("random").addEventListener("click", random);
  $("save").addEventListener("click", save);
  $("morph").addEventListener("input", render);
  render();
  status("draw strokes, then generate");
}

start().catch((e) => status("error: " + e.message));
