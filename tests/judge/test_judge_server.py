"""The judge's server through Flask's test client: the trial list, the stored answers and the
refusals (a path outside the workdir, a malformed trial id, a second answer), the bind address."""

import argparse
import io
import shutil
import sqlite3

import numpy as np
import pytest
from PIL import Image

from jaxgen.errors import UserError
from jaxgen.judge import command, server, store, trials

pytest.importorskip("flask")

NUM_TRIALS, NUM_TRAINING = 6, 2


@pytest.fixture(scope="module")
def drawn_study(tmp_path_factory):
    """A 2afc study of random 8×8 images, drawn once."""
    judge_dir = tmp_path_factory.mktemp("drawn") / "judge"
    planned = trials.plan(NUM_TRIALS, NUM_TRAINING, "2afc", seed=3)
    num_generated, num_real = trials.counts(planned, "2afc")
    rng = np.random.default_rng(0)
    generated = rng.uniform(-1, 1, (num_generated, 8, 8, 1)).astype(np.float32)
    real = rng.uniform(-1, 1, (num_real, 8, 8, 1)).astype(np.float32)
    written = trials.write(str(judge_dir / "images"), planned, "2afc", generated, real)
    settings = {"mode": "2afc", "num_trials": NUM_TRIALS, "num_training": NUM_TRAINING}
    settings |= {"reference": "train", "seed": 3, "run": None, "recipe": "stub", "step": 7}
    store.create(store.path_of(str(judge_dir)), settings, written)
    return judge_dir, generated, real


@pytest.fixture
def study(tmp_path, drawn_study):
    """A fresh copy of the drawn study in tmp_path/run/judge, and a secret file beside it."""
    drawn_dir, generated, real = drawn_study
    workdir = tmp_path / "run"
    judge_dir = workdir / "judge"
    shutil.copytree(drawn_dir, judge_dir)
    (tmp_path / "secret.txt").write_text("SECRET")
    app = server.create_app(str(judge_dir))
    return {"workdir": workdir, "judge_dir": judge_dir, "client": app.test_client(), "app": app,
            "generated": generated, "real": real}  # fmt: skip


def _start(client, name="ann"):
    response = client.post("/api/participant", json={"name": name})
    assert response.status_code == 200
    return response.get_json()["id"]


def _truth(study, trial_id):
    connection = store.connect(store.path_of(str(study["judge_dir"])))
    try:
        return store.trial(connection, trial_id)["truth"]
    finally:
        connection.close()


def test_plan_is_balanced_seeded_and_puts_training_first():
    planned = trials.plan(7, 4, "2afc", seed=1)
    assert planned == trials.plan(7, 4, "2afc", seed=1)
    assert planned != trials.plan(7, 4, "2afc", seed=2)
    assert [t["position"] for t in planned] == list(range(11))
    assert [t["training"] for t in planned] == [True] * 4 + [False] * 7
    test_sides = [t["truth"] for t in planned[4:]]
    assert sorted([test_sides.count("left"), test_sides.count("right")]) == [3, 4]
    assert [t["truth"] for t in planned[:4]].count("left") == 2
    single = trials.plan(6, 0, "single", seed=1)
    assert [t["truth"] for t in single].count("fake") == 3
    assert trials.counts(single, "single") == (3, 3)


def test_images_are_served_by_trial_id_and_are_the_drawn_images(study):
    client = study["client"]
    participant = _start(client)
    reply = client.get(f"/api/next?participant={participant}").get_json()
    assert (reply["done"], reply["answered"], reply["total"]) == (False, 0, 8)
    trial = reply["trial"]
    assert (trial["position"], trial["training"]) == (0, True)
    truth = _truth(study, trial["id"])
    for image in trial["images"]:
        with client.get("/" + image["url"]) as response:
            assert response.status_code == 200 and response.mimetype == "image/png"
            pixels = np.asarray(Image.open(io.BytesIO(response.data)))
        assert pixels.shape == (128, 128)  # 8×8 enlarged 16× (nearest neighbour)
        # The first trial shows the first generated and the first real image.
        source = study["generated"][0] if image["side"] == truth else study["real"][0]
        expected = np.clip(np.round((source[..., 0] + 1) * 127.5), 0, 255)
        np.testing.assert_array_equal(pixels[::16, ::16], expected)


@pytest.mark.parametrize(
    "path",
    [
        "/image/1/../../../secret.txt",
        "/image/..%2F..%2F..%2Fsecret.txt/left",
        "/image/1/..%2F..%2F..%2Fsecret.txt",
        "/../secret.txt",
        "/judge.sqlite",
        "/images/trial_00001_left.png",
        "/static/../../secret.txt",
        "/image/1/%2Fetc%2Fpasswd",
    ],
)
def test_paths_outside_the_images_are_refused(study, path):
    with study["client"].get(path) as response:
        assert response.status_code in (400, 404)
    assert b"SECRET" not in response.data and b"Traceback" not in response.data
    assert b"root:" not in response.data and b"SQLite" not in response.data


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/image/abc/left", 400, "malformed trial id"),
        ("/image/0/left", 400, "malformed trial id"),
        ("/image/-1/left", 400, "malformed trial id"),
        ("/image/1e3/left", 400, "malformed trial id"),
        ("/image/99999/left", 404, "no trial 99999"),
        ("/image/1/top", 404, "no image side"),
        ("/api/next?participant=abc", 400, "malformed participant id"),
        ("/api/next?participant=42", 404, "no participant 42"),
    ],
)
def test_malformed_or_unknown_ids_get_a_short_error(study, path, status, message):
    response = study["client"].get(path)
    assert response.status_code == status
    assert message in response.get_json()["error"]
    assert b"Traceback" not in response.data and len(response.data) < 200


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({"trial": "1", "answer": "left", "response_ms": 5}, 400, "malformed trial id"),
        ({"trial": 1, "answer": "up", "response_ms": 5}, 400, "malformed answer"),
        ({"trial": 1, "answer": "left", "response_ms": -5}, 400, "malformed response_ms"),
        ({"trial": 1.5, "answer": "left", "response_ms": 5}, 400, "malformed trial id"),
        ({"trial": 500, "answer": "left", "response_ms": 5}, 404, "no trial 500"),
    ],
)
def test_malformed_answers_are_refused_and_not_stored(study, body, status, message):
    participant = _start(study["client"])
    response = study["client"].post("/api/answer", json={"participant": participant, **body})
    assert response.status_code == status and message in response.get_json()["error"]
    assert store.answer_rows(store.path_of(str(study["judge_dir"]))) == []


def test_a_second_answer_to_the_same_trial_is_refused_with_409(study):
    client = study["client"]
    ann, bob = _start(client, "ann"), _start(client, "bob")
    assert _start(client, "ann") == ann  # a known name continues
    answer = {"participant": ann, "trial": 1, "answer": "left", "response_ms": 812}
    first = client.post("/api/answer", json=answer)
    assert first.status_code == 200
    truth = _truth(study, 1)
    assert first.get_json() == {"recorded": True, "correct": truth == "left", "truth": truth}
    second = client.post("/api/answer", json={**answer, "answer": "right"})
    assert second.status_code == 409 and "answered before" in second.get_json()["error"]
    assert client.post("/api/answer", json={**answer, "participant": bob}).status_code == 200
    rows = store.answer_rows(store.path_of(str(study["judge_dir"])))
    assert [(r["participant"], r["answer"], r["response_ms"]) for r in rows] == [
        ("ann", "left", 812),
        ("bob", "left", 812),
    ]
    assert client.get(f"/api/next?participant={ann}").get_json()["trial"]["position"] == 1


def test_test_trials_give_no_feedback_and_the_report_counts_them(study, capsys):
    client = study["client"]
    participant = _start(client)
    path = store.path_of(str(study["judge_dir"]))
    while not (reply := client.get(f"/api/next?participant={participant}").get_json())["done"]:
        body = {"participant": participant, "trial": reply["trial"]["id"], "answer": "left"}
        response = client.post("/api/answer", json={**body, "response_ms": 100})
        assert ("truth" in response.get_json()) == reply["trial"]["training"]
    assert reply["answered"] == reply["total"] == NUM_TRIALS + NUM_TRAINING
    with sqlite3.connect(path) as connection:
        truths = connection.execute(
            "SELECT truth FROM trials WHERE training = 0 ORDER BY position"
        ).fetchall()
    fooled = sum(truth == "right" for (truth,) in truths)  # "left" picked: fooled where right
    args = argparse.Namespace(
        workdir=str(study["workdir"]), report=True, compare=None, participant=None,
        host="127.0.0.1", **dict.fromkeys(command.OPTIONS),
    )  # fmt: skip
    command._judge(args)
    out = capsys.readouterr().out
    ann = next(line.split() for line in out.splitlines() if line.startswith("  ann "))
    assert ann[1:4] == [str(NUM_TRIALS), str(fooled), f"{fooled / NUM_TRIALS:.3f}"]
    assert ann[6] == "100"  # median response time, ms
    assert f"({NUM_TRAINING} training answers not counted)" in out
    assert (study["judge_dir"] / "report.png").stat().st_size > 1000
    assert (study["judge_dir"] / "report.json").exists()


def test_the_server_binds_127_0_0_1_unless_told_otherwise(study):
    parser = argparse.ArgumentParser()
    command.configure(parser)
    args = parser.parse_args([str(study["workdir"])])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    httpd = server.make_server(study["app"], port=0)
    try:
        assert httpd.socket.getsockname()[0] == "127.0.0.1"
    finally:
        httpd.server_close()


def test_a_study_is_not_silently_changed_and_points_are_refused(study):
    database = store.path_of(str(study["judge_dir"]))
    requested = dict.fromkeys(command.OPTIONS) | {"num_trials": NUM_TRIALS}
    command._check_same_study(database, requested, "run")  # same value: continues
    with pytest.raises(UserError, match="made with --n-trials 6, not 10: drop --n-trials"):
        command._check_same_study(database, requested | {"num_trials": 10}, "run")

    class Points:
        name = "gan_ring8"

        def sample(self, state, key, n):
            return {"x": np.zeros((n, 2))}

    with pytest.raises(UserError, match="gan_ring8 generates x, not images"):
        trials.generated_images(Points(), None, 4, seed=0)


def test_single_image_mode_takes_real_or_fake_and_counts_generated_images(tmp_path):
    judge_dir = tmp_path / "judge"
    planned = trials.plan(4, 1, "single", seed=0)
    images = np.zeros((5, 8, 8, 1), np.float32)
    written = trials.write(str(judge_dir / "images"), planned, "single", images, images)
    assert all([side for side, _, _ in trial["images"]] == ["single"] for trial in written)
    settings = {"mode": "single", "num_trials": 4, "num_training": 1, "recipe": "stub", "step": 0}
    store.create(store.path_of(str(judge_dir)), settings, written)
    client = server.create_app(str(judge_dir)).test_client()
    participant = _start(client)
    trial = client.get(f"/api/next?participant={participant}").get_json()["trial"]
    assert [image["side"] for image in trial["images"]] == ["single"]
    body = {"participant": participant, "trial": trial["id"], "response_ms": 5}
    assert client.post("/api/answer", json={**body, "answer": "left"}).status_code == 400
    reply = client.post("/api/answer", json={**body, "answer": "real"}).get_json()
    assert reply["truth"] == planned[0]["truth"] and reply["correct"] == (reply["truth"] == "real")
    with client.get(f"/image/{trial['id']}/left") as response:
        assert response.status_code == 404
