"""The study's SQLite database, ``WORKDIR/judge/judge.sqlite``: settings, trials, answers.

Tables:

    study         key → value (JSON): mode, num_trials, num_training, seed, recipe, step, ...
    trials        id, position (order of presentation), training (0/1), truth: the side of
                  the generated image (2afc: left|right) or the kind of the image (single:
                  real|fake)
    images        trial_id, side (left|right, or single), kind (real|fake), file (a name in
                  judge/images/, written by jaxgen, never taken from a request)
    participants  id, name (unique), created
    answers       id, participant_id, trial_id, answer, correct (0/1), response_ms,
                  answered_at (UTC ISO 8601); UNIQUE(participant_id, trial_id)

Each answer is one INSERT committed in its own transaction before the reply is sent, so a
killed server or a closed tab loses nothing and a participant continues at their first
unanswered trial. SQLite's default rollback journal with ``synchronous=FULL`` makes a commit
durable across a crash of the process.
"""

import datetime
import json
import os
import sqlite3

from jaxgen.errors import UserError

SCHEMA = """
CREATE TABLE study (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE trials (
    id INTEGER PRIMARY KEY,
    position INTEGER NOT NULL UNIQUE,
    training INTEGER NOT NULL CHECK (training IN (0, 1)),
    truth TEXT NOT NULL CHECK (truth IN ('left', 'right', 'real', 'fake'))
);
CREATE TABLE images (
    trial_id INTEGER NOT NULL REFERENCES trials(id),
    side TEXT NOT NULL CHECK (side IN ('left', 'right', 'single')),
    kind TEXT NOT NULL CHECK (kind IN ('real', 'fake')),
    file TEXT NOT NULL UNIQUE,
    PRIMARY KEY (trial_id, side)
);
CREATE TABLE participants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);
CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    trial_id INTEGER NOT NULL REFERENCES trials(id),
    answer TEXT NOT NULL,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    response_ms INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    UNIQUE (participant_id, trial_id)
);
"""

ANSWERS = {"2afc": ("left", "right"), "single": ("real", "fake")}


class AlreadyAnswered(Exception):
    """The participant has answered this trial before (the server replies 409)."""


def path_of(judge_dir):
    return os.path.join(judge_dir, "judge.sqlite")


def connect(path, *, read_only=False):
    if read_only:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    else:
        connection = sqlite3.connect(path, timeout=30)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA synchronous = FULL")
    return connection


def create(path, settings, trials):
    """Writes a new study: ``settings`` (a JSON-able dict) and ``trials``, a list of dicts
    ``{"position", "training", "truth", "images": [(side, kind, file), ...]}``, in one
    transaction, into a temporary file renamed over ``path``: a crash leaves no half study."""
    partial = f"{path}.partial"
    if os.path.exists(partial):
        os.remove(partial)
    connection = connect(partial)
    try:
        with connection:
            connection.executescript(SCHEMA)
            connection.executemany(
                "INSERT INTO study VALUES (?, ?)",
                [(key, json.dumps(value)) for key, value in settings.items()],
            )
            for trial in trials:
                cursor = connection.execute(
                    "INSERT INTO trials (position, training, truth) VALUES (?, ?, ?)",
                    (trial["position"], int(trial["training"]), trial["truth"]),
                )
                connection.executemany(
                    "INSERT INTO images VALUES (?, ?, ?, ?)",
                    [(cursor.lastrowid, *image) for image in trial["images"]],
                )
    finally:
        connection.close()
    os.replace(partial, path)


def settings(path):
    """The study's settings; a one-line error when ``path`` is not a judge database."""
    try:
        connection = connect(path, read_only=True)
    except sqlite3.Error:
        raise UserError(f"cannot open {path} as a judge database") from None
    try:
        rows = connection.execute("SELECT key, value FROM study").fetchall()
    except sqlite3.DatabaseError as error:
        raise UserError(f"{path} is not a judge database ({error})") from None
    finally:
        connection.close()
    return {row["key"]: json.loads(row["value"]) for row in rows}


def participant_id(connection, name):
    """The id of participant ``name``, created on first sight."""
    with connection:
        connection.execute(
            "INSERT OR IGNORE INTO participants (name, created) VALUES (?, ?)", (name, _now())
        )
    row = connection.execute("SELECT id FROM participants WHERE name = ?", (name,)).fetchone()
    return row["id"]


def progress(connection, participant):
    """``(next_trial_row_or_None, answered, total)`` of one participant."""
    total = connection.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
    answered = connection.execute(
        "SELECT COUNT(*) FROM answers WHERE participant_id = ?", (participant,)
    ).fetchone()[0]
    trial = connection.execute(
        "SELECT * FROM trials WHERE id NOT IN "
        "(SELECT trial_id FROM answers WHERE participant_id = ?) ORDER BY position LIMIT 1",
        (participant,),
    ).fetchone()
    return trial, answered, total


def trial(connection, trial_id):
    return connection.execute("SELECT * FROM trials WHERE id = ?", (trial_id,)).fetchone()


def image_file(connection, trial_id, side):
    row = connection.execute(
        "SELECT file FROM images WHERE trial_id = ? AND side = ?", (trial_id, side)
    ).fetchone()
    return None if row is None else row["file"]


def record_answer(connection, participant, trial_row, answer, response_ms):
    """Stores one answer in its own transaction; returns whether it was correct.

    Raises ``AlreadyAnswered`` when the participant answered this trial before."""
    correct = answer == trial_row["truth"]
    try:
        with connection:
            connection.execute(
                "INSERT INTO answers (participant_id, trial_id, answer, correct, response_ms, "
                "answered_at) VALUES (?, ?, ?, ?, ?, ?)",
                (participant, trial_row["id"], answer, int(correct), response_ms, _now()),
            )
    except sqlite3.IntegrityError:
        raise AlreadyAnswered from None
    return correct


def answer_rows(path):
    """Every answer joined with its trial and participant, as a list of dicts, in the order
    given: ``participant, trial_id, position, training, truth, answer, correct, response_ms``."""
    connection = connect(path, read_only=True)
    try:
        rows = connection.execute(
            "SELECT p.name AS participant, t.id AS trial_id, t.position, t.training, t.truth, "
            "a.answer, a.correct, a.response_ms, a.answered_at FROM answers a "
            "JOIN trials t ON t.id = a.trial_id JOIN participants p ON p.id = a.participant_id "
            "ORDER BY p.name, t.position"
        ).fetchall()
    finally:
        connection.close()
    return [dict(row) for row in rows]


def _now():
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")
