"""The judge's one page: HTML, CSS and JavaScript, no build step, no external resource.

The page asks for a name (kept in the browser's localStorage, or fixed by ``--participant``),
then asks the server for the participant's first unanswered trial, shows its images once both
have loaded, times the answer from then (``performance.now()``, milliseconds) and posts it.
Keys: ← or 1 and → or 2 pick the left or right image (2afc); R and F answer real or fake
(single). Training trials show for 1.2 s whether the answer was right before moving on.
``body[data-state]`` is ``login``, ``loading``, ``ready``, ``feedback`` or ``done`` and
``body[data-trial]`` the trial shown, for scripts that drive the page (the browser test).
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jaxgen judge</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1em auto; max-width: 46em;
         color: #222; text-align: center; }
  h1 { font-size: 1.4em; margin-bottom: 0.2em; }
  #status { color: #555; margin: 0.3em 0 0.8em; }
  progress { width: 100%; height: 0.8em; }
  .images { display: flex; justify-content: center; gap: 2em; margin: 1.2em 0; }
  .choice { border: 4px solid #ddd; border-radius: 6px; background: #fff; padding: 6px;
            cursor: pointer; }
  .choice:hover, .choice:focus { border-color: #4a7bd0; }
  .choice img { width: 192px; height: 192px; image-rendering: pixelated; display: block; }
  .choice .key { display: block; margin-top: 4px; color: #555; font-size: 0.9em; }
  .answers button { font-size: 1.1em; padding: 0.4em 1.4em; margin: 0 0.5em; }
  .right-answer { border-color: #2a9d3a !important; }
  .wrong-answer { border-color: #d0463a !important; }
  #feedback { min-height: 1.5em; font-weight: bold; }
  [hidden] { display: none !important; }
</style>
</head>
<body data-state="login" data-trial="">
<h1 id="question"></h1>
<div id="status"></div>
<progress id="bar" value="0" max="1"></progress>
<form id="login" hidden>
  <p><label>Your name or a pseudonym:
    <input id="name" maxlength="64" pattern="[A-Za-z0-9_ .@-]+" required autofocus></label>
  <button type="submit">Start</button></p>
  <p>You will see images, some drawn from a data set and some made by a generative model.</p>
</form>
<div id="trial" hidden>
  <div class="images" id="pair">
    <button class="choice" id="left" data-answer="left"><img id="image-left" alt="left image">
      <span class="key">← or 1</span></button>
    <button class="choice" id="right" data-answer="right"><img id="image-right" alt="right image">
      <span class="key">→ or 2</span></button>
  </div>
  <div class="images" id="one">
    <div class="choice" id="single"><img id="image-single" alt="image"></div>
  </div>
  <div class="answers" id="single-answers">
    <button id="real" data-answer="real">Real (R)</button>
    <button id="fake" data-answer="fake">Generated (F)</button>
  </div>
  <p id="feedback"></p>
</div>
<p id="done" hidden>All trials answered: thank you. You may close this tab.</p>
<p id="error" hidden></p>
<script>
"use strict";
const STUDY = {{ study | tojson }};
const $ = (id) => document.getElementById(id);
let participant = null, trial = null, shownAt = 0, busy = true;

function setState(state) { document.body.dataset.state = state; }
function fail(message) { $("error").textContent = message; $("error").hidden = false; }

async function call(url, body) {
  const options = body === undefined ? {} : {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
  const response = await fetch(url, options);
  const data = await response.json().catch(() => ({}));
  return {status: response.status, data};
}

async function start(name) {
  const {status, data} = await call("api/participant", {name});
  if (status !== 200) { fail(data.error || "cannot start"); return; }
  localStorage.setItem("jaxgen-judge-name", name);
  participant = data.id;
  $("login").hidden = true;
  $("trial").hidden = false;
  next();
}

function loaded(img, url) {
  return new Promise((resolve, reject) => {
    img.onload = resolve; img.onerror = reject; img.src = url;
  });
}

async function next() {
  busy = true;
  setState("loading");
  $("feedback").textContent = "";
  for (const id of ["left", "right", "single"]) {
    $(id).classList.remove("right-answer", "wrong-answer");
  }
  const {status, data} = await call(`api/next?participant=${participant}`);
  if (status !== 200) { fail(data.error || "cannot load the next trial"); return; }
  $("bar").max = data.total; $("bar").value = data.answered;
  if (data.done) {
    $("trial").hidden = true; $("done").hidden = false;
    $("status").textContent = `${data.answered} of ${data.total} answered`;
    document.body.dataset.trial = ""; setState("done"); return;
  }
  trial = data.trial;
  const phase = trial.training
    ? `training trial ${trial.position + 1} of ${data.training} (with feedback)`
    : `trial ${trial.position + 1 - data.training} of ${data.total - data.training}`;
  $("status").textContent = `${phase} · ${data.answered} of ${data.total} answered`;
  await Promise.all(trial.images.map((image) => loaded($(`image-${image.side}`), image.url)));
  document.body.dataset.trial = String(trial.id);
  shownAt = performance.now();
  busy = false;
  setState("ready");
}

async function answer(choice) {
  if (busy || trial === null || !STUDY.answers.includes(choice)) return;
  busy = true;
  const response_ms = Math.round(performance.now() - shownAt);
  const {status, data} = await call("api/answer",
    {participant, trial: trial.id, answer: choice, response_ms});
  if (status !== 200 && status !== 409) { fail(data.error || "the answer was not saved"); return; }
  if (status === 200 && trial.training) {
    setState("feedback");
    const fake = STUDY.mode === "2afc" ? data.truth : "single";
    $(fake).classList.add(data.correct ? "right-answer" : "wrong-answer");
    const kind = data.truth === "fake" ? "generated" : "real";
    $("feedback").textContent = (data.correct ? "Right: " : "Wrong: ") + (STUDY.mode === "2afc"
      ? `the ${data.truth} image was generated.` : `this image was ${kind}.`);
    await new Promise((resolve) => setTimeout(resolve, 1200));
  }
  next();
}

for (const button of document.querySelectorAll("[data-answer]")) {
  button.addEventListener("click", () => answer(button.dataset.answer));
}
document.addEventListener("keydown", (event) => {
  if (participant === null || event.target.tagName === "INPUT") return;
  const keys = STUDY.mode === "2afc"
    ? {ArrowLeft: "left", "1": "left", ArrowRight: "right", "2": "right"}
    : {r: "real", R: "real", f: "fake", F: "fake"};
  if (event.key in keys) { event.preventDefault(); answer(keys[event.key]); }
});
$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  start($("name").value.trim());
});

const single = STUDY.mode === "single";
$("question").textContent = single ? "Is this image real or generated?"
  : "Which image is generated? Click it.";
$("pair").hidden = single; $("one").hidden = !single; $("single-answers").hidden = !single;
const name = STUDY.participant || localStorage.getItem("jaxgen-judge-name");
if (name) { start(name); } else { $("login").hidden = false; setState("login"); }
</script>
</body>
</html>
"""
