"""The judge's web server (Flask): one page, a small JSON API, images by trial id.

    GET  /                          the page (page.py)
    POST /api/participant           {"name"} → {"id", "name"}; a known name continues
    GET  /api/next?participant=ID   the first unanswered trial, its image URLs, the progress
    POST /api/answer                {"participant", "trial", "answer", "response_ms"}: stored
                                    in one transaction; 409 if answered before
    GET  /image/<trial_id>/<side>   side left|right (2afc) or single

Images are looked up in the database by (trial id, side) and sent from
``WORKDIR/judge/images/``; no route takes a file name or path from the request, and there is
no static folder. Errors are one JSON line, ``{"error": "..."}``, with their status (400 for a
malformed value, 404 for an unknown trial, 409 for a second answer); Flask's debug mode is off,
so a client never sees a traceback. The server binds 127.0.0.1 unless told otherwise: the study
is for the people at this machine, and the API has no authentication.
"""

import os
import re

from jaxgen.judge import store

NAME = re.compile(r"[A-Za-z0-9_ .@-]{1,64}")
TRIAL_ID = re.compile(r"[1-9][0-9]{0,8}")
MAX_RESPONSE_MS = 3_600_000


def create_app(judge_dir, *, participant=None):
    """The Flask app serving the study in ``judge_dir`` (``--participant`` fixes the name)."""
    from flask import Flask, abort, g, jsonify, render_template_string, request, send_file
    from werkzeug.exceptions import HTTPException

    database = store.path_of(judge_dir)
    images_dir = os.path.realpath(os.path.join(judge_dir, "images"))
    settings = store.settings(database)
    mode = settings["mode"]
    answers = store.ANSWERS[mode]
    sides = ("left", "right") if mode == "2afc" else ("single",)

    app = Flask("jaxgen.judge", static_folder=None)
    app.config.update(DEBUG=False, TESTING=False, MAX_CONTENT_LENGTH=4096)

    def connection():
        if "connection" not in g:
            g.connection = store.connect(database)
        return g.connection

    @app.teardown_appcontext
    def close(_):
        opened = g.pop("connection", None)
        if opened is not None:
            opened.close()

    def json_body():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, "expected a JSON object")
        return body

    def integer(value, what, *, limit=2**31 - 1):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
            abort(400, f"malformed {what}: expected an integer in 0..{limit}")
        return value

    def known_participant(value):
        participant_id = integer(value, "participant id")
        exists = (
            connection()
            .execute("SELECT 1 FROM participants WHERE id = ?", (participant_id,))
            .fetchone()
        )
        if exists is None:
            abort(404, f"no participant {participant_id}")
        return participant_id

    @app.get("/")
    def page():
        from jaxgen.judge.page import PAGE

        study = {"mode": mode, "answers": answers, "participant": participant}
        return render_template_string(PAGE, study=study)

    @app.post("/api/participant")
    def start():
        name = json_body().get("name")
        if not isinstance(name, str) or not NAME.fullmatch(name.strip()):
            abort(400, "malformed name: 1 to 64 letters, digits, spaces or _.@-")
        name = name.strip()
        return jsonify(id=store.participant_id(connection(), name), name=name)

    @app.get("/api/next")
    def next_trial():
        text = request.args.get("participant", "")
        if not text.isdigit():
            abort(400, "malformed participant id: expected an integer")
        participant_id = known_participant(int(text))
        trial, answered, total = store.progress(connection(), participant_id)
        training = settings["num_training"]
        if trial is None:
            return jsonify(done=True, answered=answered, total=total, training=training)
        shown = {
            "id": trial["id"],
            "position": trial["position"],
            "training": bool(trial["training"]),
            "images": [{"side": side, "url": f"image/{trial['id']}/{side}"} for side in sides],
        }
        return jsonify(done=False, answered=answered, total=total, training=training, trial=shown)

    @app.post("/api/answer")
    def answer():
        body = json_body()
        participant_id = known_participant(body.get("participant"))
        trial = store.trial(connection(), integer(body.get("trial"), "trial id"))
        if trial is None:
            abort(404, f"no trial {body['trial']}")
        if body.get("answer") not in answers:
            abort(400, f"malformed answer: expected one of {', '.join(answers)}")
        response_ms = integer(body.get("response_ms"), "response_ms", limit=MAX_RESPONSE_MS)
        try:
            correct = store.record_answer(
                connection(), participant_id, trial, body["answer"], response_ms
            )
        except store.AlreadyAnswered:
            abort(409, f"trial {trial['id']} was answered before by this participant")
        if trial["training"]:
            return jsonify(recorded=True, correct=correct, truth=trial["truth"])
        return jsonify(recorded=True)

    @app.get("/image/<trial_id>/<side>")
    def image(trial_id, side):
        if not TRIAL_ID.fullmatch(trial_id):
            abort(400, "malformed trial id: expected a positive integer")
        if side not in sides:
            abort(404, f"no image side {side!r}: expected {' or '.join(sides)}")
        name = store.image_file(connection(), int(trial_id), side)
        if name is None:
            abort(404, f"no trial {trial_id}")
        path = os.path.realpath(os.path.join(images_dir, name))
        if os.path.dirname(path) != images_dir or not os.path.isfile(path):
            abort(404, f"the image of trial {trial_id} is missing")
        return send_file(path, mimetype="image/png", max_age=3600)

    @app.errorhandler(HTTPException)
    def http_error(error):
        return jsonify(error=error.description), error.code

    @app.errorhandler(Exception)
    def internal_error(error):
        app.logger.exception("unexpected error")  # the traceback goes to the server's console
        return jsonify(error="internal error: see the server's console"), 500

    @app.after_request
    def headers(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


def make_server(app, host="127.0.0.1", port=0):
    """A threaded WSGI server bound to ``host:port`` (port 0: a free one, in ``.port``) that
    does not log every request; ``serve_forever()`` runs it."""
    from werkzeug.serving import WSGIRequestHandler
    from werkzeug.serving import make_server as werkzeug_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    return werkzeug_server(host, port, app, threaded=True, request_handler=QuietHandler)
