"""``jaxgen judge`` end to end in a real headless browser (Debian's chromium and chromedriver,
driven by selenium): a tiny dcgan_digits workdir, the server in a subprocess, answers by clicking
and by keyboard, the server killed (SIGKILL) and restarted, the page reloaded, the study
finished; then the database rows and the report.

The screenshot of the page that README.md shows (docs/images/judge.png) is taken here: set
``JAXGEN_JUDGE_SCREENSHOT=docs/images/judge.png`` to write it there (otherwise it goes to the
test's temporary folder, so that a test run leaves the work tree as it was).
"""

import os
import re
import signal

import jax
import pytest
from PIL import Image

from experiments.judge import scripted_study
from jaxgen import recipes
from jaxgen.judge import command, report, store
from jaxgen.train.checkpoint import Checkpointer, config_record

pytest.importorskip("flask")
webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM, CHROMEDRIVER = scripted_study.CHROMIUM, scripted_study.CHROMEDRIVER
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip(
        f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}): "
        "`make test` installs them, or `apt-get install -y chromium chromium-driver`",
        allow_module_level=True,
    )

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

NUM_TRIALS, NUM_TRAINING = 4, 1


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A tiny dcgan_digits workdir with the checkpoint of its initial state: the judge needs a
    checkpoint, not a good model, and training would compile the train step (seconds)."""
    workdir = str(tmp_path_factory.mktemp("judge") / "run")
    recipe = recipes.get("dcgan_digits", preset="tiny")
    state = recipe.init(jax.random.PRNGKey(0), recipe.example_batch())
    checkpointer = Checkpointer(workdir)
    checkpointer.save(0, state, config_record(recipe))
    checkpointer.close()
    return workdir


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = scripted_study.chromium(tmp_path_factory.mktemp("chromium"))
    yield driver
    driver.quit()


def test_a_participant_answers_the_server_is_killed_and_they_continue(workdir, browser, tmp_path):
    requested = dict.fromkeys(command.OPTIONS) | {
        "num_trials": NUM_TRIALS, "num_training": NUM_TRAINING, "seed": 1, "reference": "test"
    }  # fmt: skip
    settings = command.create_study(workdir, requested)
    assert (settings["recipe"], settings["step"], settings["image_shape"]) == (
        "dcgan_digits", 0, [8, 8, 1]
    )  # fmt: skip
    database = store.path_of(os.path.join(workdir, "judge"))
    port = scripted_study.free_port()
    server, url = scripted_study.serve(workdir, port, tmp_path / "server1.log")
    try:
        assert url == f"http://127.0.0.1:{port}/"
        browser.get(url)
        WebDriverWait(browser, 20).until(lambda driver: scripted_study.state(driver) == "login")
        browser.find_element(By.ID, "name").send_keys("ann\n")
        first = scripted_study.wait_for_trial(browser)
        assert "training trial 1 of 1" in browser.find_element(By.ID, "status").text
        browser.find_element(By.ID, "left").click()  # training: feedback, then the next trial
        WebDriverWait(browser, 5, poll_frequency=0.02).until(
            lambda d: scripted_study.state(d) == "feedback"
        )
        assert re.match(r"(Right|Wrong): the (left|right) image was generated\.",
                        browser.find_element(By.ID, "feedback").text)  # fmt: skip
        second = scripted_study.wait_for_trial(browser, first)
        assert "trial 1 of 4 · 1 of 5 answered" in browser.find_element(By.ID, "status").text
        browser.find_element(By.ID, "image-right").click()
        third = scripted_study.wait_for_trial(browser, second)
        browser.find_element(By.TAG_NAME, "body").send_keys(webdriver.Keys.ARROW_LEFT)
        scripted_study.wait_for_trial(browser, third)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    stored = store.answer_rows(database)  # written before each reply: nothing lost
    assert [(row["position"], row["answer"]) for row in stored] == [
        (0, "left"), (1, "right"), (2, "left")
    ]  # fmt: skip

    server, url = scripted_study.serve(workdir, port, tmp_path / "server2.log")
    try:
        browser.refresh()  # the name is remembered by the browser; the server knows the rest
        fourth = scripted_study.wait_for_trial(browser)
        assert "trial 3 of 4 · 3 of 5 answered" in browser.find_element(By.ID, "status").text
        screenshot = os.environ.get("JAXGEN_JUDGE_SCREENSHOT") or str(tmp_path / "judge.png")
        browser.save_screenshot(screenshot)
        browser.find_element(By.TAG_NAME, "body").send_keys("2")
        scripted_study.wait_for_trial(browser, fourth)
        browser.find_element(By.ID, "left").click()
        WebDriverWait(browser, 20).until(lambda driver: scripted_study.state(driver) == "done")
        assert "5 of 5 answered" in browser.find_element(By.ID, "status").text
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    assert "judge: stopped" in (tmp_path / "server2.log").read_text()
    with Image.open(screenshot) as picture:
        assert picture.size[0] == 800  # the height is the window less the browser's frame

    rows = store.answer_rows(database)
    assert [(row["position"], row["answer"]) for row in rows] == [
        (0, "left"), (1, "right"), (2, "left"), (3, "right"), (4, "left")
    ]  # fmt: skip
    assert {row["participant"] for row in rows} == {"ann"}
    assert [row["training"] for row in rows] == [1, 0, 0, 0, 0]
    assert all(0 < row["response_ms"] < 60_000 for row in rows)
    assert [row["correct"] for row in rows] == [int(r["answer"] == r["truth"]) for r in rows]
    result = report.build(workdir)
    overall = result["models"][0]["overall"]
    fooled = sum(row["answer"] != row["truth"] for row in rows[1:])
    assert (overall["trials"], overall["fooled"]) == (NUM_TRIALS, fooled)
    assert overall["ci95"] == pytest.approx(report.wilson_interval(fooled, NUM_TRIALS))
    assert result["models"][0]["training_answers"] == 1
