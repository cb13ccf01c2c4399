// gantry studio in a real browser: Debian's chromium driven by puppeteer-core (docs/studio.md).
//
//   node tests/browser/studio.test.mjs --gantry build/bin/gantry [--run RUN_DIR] [--screenshot F.png]
//
// Without --run it trains tests/cli/data/tiny_fashion_mlp.yaml first (60 iterations: an MLP
// generator, whose samples answer to z from the start). Then: `gantry studio RUN --port 0`, the page loaded (every request to the studio
// itself), a stroke drawn with real mouse events, "random" and "generate" pressed, the pixels
// under the stroke compared (the candidates within a tolerance of the stroke's intensity, and
// closer than random samples), a candidate clicked, then another, the morph slider moved with the
// mouse, the image saved; a screenshot; Ctrl-C (exit 130). Exit 0 when all holds, 1 when not,
// 77 (CTest's skip) when chromium or puppeteer-core is missing.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.resolve(here, "..", "..");
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) =>
  a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc, []));
const chromium = process.env.GANTRY_CHROMIUM || "/usr/bin/chromium";
const started = Date.now();
const failures = [];
const check = (ok, what) => { console.log(`${ok ? "ok  " : "FAIL"} ${what}`); if (!ok) failures.push(what); };

let puppeteer;
try {
  puppeteer = (await import("puppeteer-core")).default;
} catch {
  console.log("SKIPPED: puppeteer-core is not installed (npm ci --prefix tests/browser)");
  process.exit(77);
}
if (!fs.existsSync(chromium)) {
  console.log(`SKIPPED: no chromium at ${chromium} (Debian package chromium)`);
  process.exit(77);
}
const gantry = path.resolve(args.gantry || path.join(source, "build", "bin", "gantry"));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-browser-"));
let run = args.run;
if (!run) {
  const yaml = path.join(source, "tests", "cli", "data", "tiny_fashion_mlp.yaml");
  const r = spawnSync(gantry, ["run", yaml, "--out", path.join(tmp, "runs")], {encoding: "utf8"});
  if (r.status !== 0) { console.log(r.stdout, r.stderr); process.exit(1); }
  const exp = path.join(tmp, "runs", "tiny-fashion-mlp");
  run = path.join(exp, fs.readdirSync(exp)[0]);
}
console.log(`run: ${run}`);

// The studio on a free port; its URL from the line it prints.
const server = spawn(gantry, ["studio", run, "--port", "0"], {stdio: ["ignore", "pipe", "pipe"]});
let serverOut = "";
server.stderr.on("data", (d) => { serverOut += d; });
const url = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("no URL from gantry studio: " + serverOut)), 60000);
  server.stdout.on("data", (d) => {
    serverOut += d;
    const m = serverOut.match(/(http:\/\/127\.0\.0\.1:\d+\/)/);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
  server.on("exit", (code) => reject(new Error(`gantry studio exited ${code}: ${serverOut}`)));
});
const exited = new Promise((resolve) => server.on("exit", (code, signal) => resolve({code, signal})));
console.log(`studio: ${url}`);

const browser = await puppeteer.launch({
  executablePath: chromium, headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]});
try {
  const page = await browser.newPage();
  await page.setViewport({width: 1100, height: 720});
  const foreign = [];
  page.on("request", (req) => { if (!req.url().startsWith(url)) foreign.push(req.url()); });
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(url, {waitUntil: "networkidle0"});
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("draw strokes"),
                             {timeout: 30000});
  const info = await page.evaluate(() => window.studio.info);
  check(info.width === 28 && info.height === 28, `info: ${info.width}x${info.height}, ${info.classes} classes`);

  // A stroke with real mouse events: a vertical line down the middle, white at intensity 90 %.
  await page.$eval("#intensity", (el) => { el.value = 90; });
  await page.$eval("#size", (el) => { el.value = 3; });
  const box = await (await page.$("#canvas")).boundingBox();
  const at = (x, y) => [box.x + (x / 28) * box.width, box.y + (y / 28) * box.height];
  await page.mouse.move(...at(14, 6));
  await page.mouse.down();
  for (let y = 6; y <= 22; y += 0.5) await page.mouse.move(...at(14, y));
  await page.mouse.up();
  const painted = await page.evaluate(() => window.studio.mask.reduce((a, b) => a + b, 0));
  check(painted >= 20, `the stroke covers ${painted} pixels`);
  const value = await page.evaluate(() => {
    const s = window.studio; const i = s.mask.indexOf(1); return s.strokes[i];
  });
  check(Math.abs(value - 0.9) < 1e-6, `the stroke's intensity is ${value}`);

  // Mean |pixel - stroke| under the stroke, per shown candidate.
  const errors = () => page.evaluate(() => window.studio.candidates.map((c) => {
    const s = window.studio; let e = 0, n = 0;
    s.mask.forEach((m, i) => { if (m) { e += Math.abs(c.pixels[i] - s.strokes[i]); n++; } });
    return e / n;
  }));
  await page.click("#random");
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("8 random"));
  const randomErrors = await errors();
  // 300 Adam steps, typed into the page as a user would.
  await page.click("#steps", {clickCount: 3});
  await page.keyboard.type("300");
  const t0 = Date.now();
  await page.click("#generate");
  await page.waitForFunction(() => !window.studio.busy && document.getElementById("status").textContent.includes("candidates in"),
                             {timeout: 60000});
  const generateSeconds = (Date.now() - t0) / 1000;
  const searchSeconds = await page.$eval("#status", (el) => Number((el.textContent.match(/in ([0-9.]+) s/) || [])[1]));
  const generated = await errors();
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(`generate: ${generated.length} candidates in ${generateSeconds.toFixed(2)} s (round trip; ` +
              `the search itself ${searchSeconds} s); ` +
              `under the stroke: best ${Math.min(...generated).toFixed(3)}, mean ${mean(generated).toFixed(3)}; ` +
              `random samples: mean ${mean(randomErrors).toFixed(3)}`);
  check(generated.length === 8, "8 candidates");
  check(Math.min(...generated) < 0.25, "the best candidate is within 0.25 of the stroke's intensity under it");
  check(mean(generated) < 0.8 * mean(randomErrors), "the candidates are closer to the stroke than random samples");

  // Click a candidate, then another: the morph slider goes between them.
  const thumbs = await page.$$("#candidates canvas");
  await thumbs[1].click();
  await page.waitForFunction(() => window.studio.current !== null);
  await thumbs[0].click();
  await page.waitForFunction(() => window.studio.frames.length === 9, {timeout: 30000});
  check(await page.$eval("#candidates canvas.current", (el) => el.dataset.index) === "0", "candidate 1 is current");
  const canvasData = () => page.$eval("#canvas", (c) => c.toDataURL());
  const atEnd = await canvasData();
  const slider = await (await page.$("#morph")).boundingBox();
  await page.mouse.click(slider.x + 3, slider.y + slider.height / 2);  // to the start: the previous pick
  const position = await page.$eval("#morph", (el) => Number(el.value));
  check(position === 0, `the slider moved to ${position}`);
  check(await canvasData() !== atEnd, "moving the slider changes the image");
  await page.mouse.click(slider.x + slider.width / 2, slider.y + slider.height / 2);

  // Save: the image and its z in the run directory.
  await page.$eval("#name", (el) => { el.value = "browser-test"; });
  await page.click("#save");
  await page.waitForFunction(() => window.studio.saved !== null, {timeout: 30000});
  check(fs.existsSync(path.join(run, "studio", "browser-test.png")) &&
        fs.existsSync(path.join(run, "studio", "browser-test.npy")), "saved studio/browser-test.png and .npy");

  const shot = args.screenshot || path.join(tmp, "studio.png");
  await page.screenshot({path: shot});
  console.log(`screenshot: ${shot}`);
  check(foreign.length === 0, `no request left the studio (${foreign.join(", ") || "none"})`);
  check(pageErrors.length === 0, `no script error (${pageErrors.join("; ") || "none"})`);
} finally {
  await browser.close();
}

server.kill("SIGINT");
const end = await exited;
check(end.code === 130, `Ctrl-C: gantry studio exited ${end.code}`);
if (!args.run) fs.rmSync(tmp, {recursive: true, force: true});
console.log(`${failures.length ? "FAILED" : "passed"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failures.length ? 1 : 0);
