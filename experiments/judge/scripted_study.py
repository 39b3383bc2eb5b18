"""A scripted ``jaxgen judge`` study: a demonstration of the tool, not a human study.

    python -m experiments.judge.scripted_study runs/digits_2000 runs/digits_200 \
        --n-trials 20 --training 2 --out experiments/judge

For each workdir: draws the study (``--ref test``, seed 0) unless it exists, serves it with
``python -m jaxgen.judge`` on a free port, opens the page in headless chromium (Debian's
chromium and chromedriver, driven by selenium) and answers every trial as participant
``script`` with a fixed rule: the image with the larger share of grey pixels (8-bit values in
64..191) is called generated, the left one on a tie. Answers alternate between a click and a
key press. Then prints ``jaxgen judge WORKDIR1 --report --compare WORKDIR2`` and copies its
plot, and a screenshot of the page, to ``--out``.

The browser helpers (``chromium``, ``serve``, ``wait_for_trial``) are shared with
tests/judge/test_judge_browser.py.
"""

import argparse
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
from PIL import Image

from experiments.entry import run_command

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip


def chromium(user_data_dir, window=(800, 640)):
    """A headless chromium under selenium that downloads nothing (no Selenium Manager)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--window-size={window[0]},{window[1]}"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(workdir, port, log, *options):
    """Starts ``python -m jaxgen.judge WORKDIR --port PORT`` (stdout to ``log``, a Path) and
    waits for the URL it prints; returns ``(process, url)``."""
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jaxgen.judge", str(workdir), "--port", str(port), *options],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if match := re.search(r"open (http://\S+) ", log.read_text()):
            return process, match.group(1)
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the judge server did not start: {log.read_text()}")


def state(driver):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").get_attribute("data-state")


def wait_for_trial(driver, previous=None, timeout=20):
    """Waits until the page shows a trial other than ``previous`` ready to answer; returns its
    id, or None once every trial is answered."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(driver):
        body = driver.find_element(By.TAG_NAME, "body")
        trial, page_state = body.get_attribute("data-trial"), body.get_attribute("data-state")
        if page_state == "done":
            return "done"
        return trial if page_state == "ready" and trial and trial != previous else False

    trial = WebDriverWait(driver, timeout, poll_frequency=0.05).until(shown)
    return None if trial == "done" else trial


def grey_share(url):
    with urllib.request.urlopen(url) as response:
        pixels = np.asarray(Image.open(io.BytesIO(response.read())).convert("L"))
    return float(np.mean((pixels >= 64) & (pixels < 192)))


def answer_all(driver, url, screenshot=None):
    """Answers every remaining trial of the page with the grey-pixel rule; returns the count.
    ``screenshot``: where to save a picture of the page as the first trial shows."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 20).until(lambda d: state(d) in ("login", "ready", "done"))
    if state(driver) == "login":
        driver.find_element(By.ID, "name").send_keys("script\n")
    answered, trial = 0, None
    while (trial := wait_for_trial(driver, trial)) is not None:
        if screenshot and not answered:
            driver.save_screenshot(str(screenshot))
        left, right = (grey_share(f"{url}image/{trial}/{side}") for side in ("left", "right"))
        side = "right" if right > left else "left"
        if answered % 2:
            driver.find_element(By.ID, side).click()
        else:
            key = Keys.ARROW_LEFT if side == "left" else Keys.ARROW_RIGHT
            driver.find_element(By.TAG_NAME, "body").send_keys(key)
        answered += 1
    return answered


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdirs", nargs="+", help="one or two trained image workdirs")
    parser.add_argument("--n-trials", type=int, default=20)
    parser.add_argument("--training", type=int, default=2)
    parser.add_argument("--out", default="experiments/judge")
    args = parser.parse_args(argv)
    from pathlib import Path

    from jaxgen.judge import command
    from jaxgen.judge.__main__ import main as judge_main

    scratch = Path(args.out) / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    driver = chromium(scratch / "chromium")
    try:
        for index, workdir in enumerate(args.workdirs):
            if not os.path.exists(os.path.join(workdir, "judge", "judge.sqlite")):
                requested = dict.fromkeys(command.OPTIONS) | {
                    "num_trials": args.n_trials, "num_training": args.training,
                    "reference": "test", "seed": 0,
                }  # fmt: skip
                command.create_study(workdir, requested)
            process, url = serve(workdir, free_port(), scratch / f"server{index}.log")
            try:
                driver.get(url)
                screenshot = Path(args.out) / "study_page.png" if index == 0 else None
                answered = answer_all(driver, url, screenshot)
                print(f"{workdir}: {answered} trials answered by the script")
            finally:
                process.terminate()
                process.wait(timeout=20)
    finally:
        driver.quit()
        shutil.rmtree(scratch, ignore_errors=True)
    report = [args.workdirs[0], "--report"]
    if len(args.workdirs) > 1:
        report += ["--compare", args.workdirs[1]]
    judge_main(report)
    name = "report" if len(args.workdirs) == 1 else f"compare_{Path(args.workdirs[1]).name}"
    shutil.copy(Path(args.workdirs[0]) / "judge" / f"{name}.png", Path(args.out) / "study.png")


if __name__ == "__main__":
    run_command(main)
