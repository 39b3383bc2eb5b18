"""``jaxgen judge``: the subcommand's arguments and what it does.

    jaxgen judge WORKDIR [--ref SOURCE] [--n-trials N] [--training N] [--mode 2afc|single]
                         [--seed S] [--run K] [--port P] [--host H] [--participant NAME]
    jaxgen judge WORKDIR --report [--compare WORKDIR2]

The first run draws the trials from WORKDIR's latest checkpoint and ``--ref`` and writes them
to ``WORKDIR/judge/``; later runs serve the same study (no model is loaded), so a stopped
server continues where it was. ``python -m jaxgen.judge WORKDIR ...`` is the same command.
"""

import os
import signal

from jaxgen.errors import UserError

DEFAULTS = {"mode": "2afc", "num_trials": 50, "num_training": 0, "reference": "train", "seed": 0}
OPTIONS = {
    "mode": "--mode",
    "num_trials": "--n-trials",
    "num_training": "--training",
    "reference": "--ref",
    "seed": "--seed",
    "run": "--run",
}


def add_parser(commands):
    """Adds ``judge`` to the ``jaxgen`` subcommands (an ``argparse`` subparsers object)."""
    judge = commands.add_parser(
        "judge",
        help="human evaluation: a local real-or-fake page, answers in SQLite, fooling rates",
        description="Serves a page on which people tell generated images of WORKDIR's latest "
        "checkpoint from real ones (two-alternative forced choice, or one image at a time); "
        "answers go to WORKDIR/judge/judge.sqlite. --report prints the fooling rates.",
    )
    configure(judge)
    return judge


def configure(parser):
    """The arguments of ``jaxgen judge`` on ``parser``."""
    parser.add_argument("workdir")
    parser.add_argument(
        "--ref",
        dest="reference",
        metavar="SOURCE",
        help="real images: train, test, all (splits of the run's data), NAME:SPLIT or "
        "FILE.npz with an 'image' array in [-1, 1] (default train)",
    )
    parser.add_argument(
        "--n-trials", dest="num_trials", type=int, metavar="N", help="test trials (default 50)"
    )
    parser.add_argument(
        "--training",
        dest="num_training",
        type=int,
        metavar="N",
        help="training trials with feedback shown first, not counted (default 0)",
    )
    parser.add_argument(
        "--mode",
        choices=("2afc", "single"),
        help="2afc: a real and a generated image side by side, click the generated one "
        "(default); single: one image, answer real or fake",
    )
    parser.add_argument("--seed", type=int, help="seed of the samples and the order (default 0)")
    parser.add_argument("--run", type=int, metavar="K", help="run K of a --seeds N workdir")
    parser.add_argument("--port", type=int, default=8765, help="default 8765; 0 picks a free one")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only; the page has no login)",
    )
    parser.add_argument("--participant", metavar="NAME", help="answer as NAME (no name prompt)")
    parser.add_argument(
        "--report", action="store_true", help="print the fooling rates; write a plot and JSON"
    )
    parser.add_argument(
        "--compare", metavar="WORKDIR2", help="with --report: test the difference to WORKDIR2"
    )
    parser.set_defaults(command=_judge)


def _judge(args):
    if args.report:
        return _report(args)
    if args.compare is not None:
        raise UserError("--compare goes with --report")
    try:
        import flask  # noqa: F401
    except ImportError:
        raise UserError(
            "jaxgen judge serves its page with Flask: pip install 'jaxgen[judge]'"
        ) from None
    from jaxgen.judge import server, store

    if not os.path.isdir(args.workdir):
        raise UserError(f"no such workdir: {args.workdir}")
    if args.participant is not None and not server.NAME.fullmatch(args.participant.strip()):
        raise UserError("--participant: 1 to 64 letters, digits, spaces or _.@-")
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be in 0..65535, got {args.port}")
    judge_dir = os.path.join(args.workdir, "judge")
    database = store.path_of(judge_dir)
    requested = {key: getattr(args, key) for key in OPTIONS}
    if os.path.exists(database):
        _check_same_study(database, requested, args.workdir)
    else:
        create_study(args.workdir, requested)
    settings = store.settings(database)
    app = server.create_app(judge_dir, participant=args.participant)
    try:
        httpd = server.make_server(app, args.host, args.port)
    except OSError as error:
        raise UserError(
            f"cannot serve on {args.host}:{args.port} ({error.strerror or error}); pick another "
            "--port (0 picks a free one)"
        ) from None
    url = f"http://{_url_host(args.host)}:{httpd.port}/"
    trials = settings["num_training"] + settings["num_trials"]
    print(
        f"judge: {settings['recipe']} at step {settings['step']}, {settings['mode']}, "
        f"{trials} trials ({settings['num_training']} training); answers go to {database}"
    )
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"judge: bound to {args.host}: anyone who reaches this address can answer")
    print(f"judge: open {url} (Ctrl-C stops; run it again to continue)", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill PID` stops it as Ctrl-C does
    httpd.serve_forever()  # werkzeug's returns on KeyboardInterrupt, closing the socket
    print(f"\njudge: stopped; `jaxgen judge {args.workdir} --report` summarizes the answers")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _url_host(host):
    return f"[{host}]" if ":" in host else host


def _check_same_study(database, requested, workdir):
    from jaxgen.judge import store

    settings = store.settings(database)
    for key, option in OPTIONS.items():
        if requested[key] is not None and requested[key] != settings.get(key):
            raise UserError(
                f"{workdir}/judge holds a study made with {option} {settings.get(key)}, not "
                f"{requested[key]}: drop {option} to continue it, or move {workdir}/judge away "
                "to start a new one"
            )


def create_study(workdir, requested):
    """Draws the trials of a new study from ``workdir``'s latest checkpoint and writes them to
    ``workdir/judge/``; ``requested`` maps the keys of ``OPTIONS`` to values or None."""
    import datetime

    import jaxgen
    from jaxgen.cli import _load_run
    from jaxgen.judge import store, trials

    options = {
        key: DEFAULTS.get(key) if value is None else value for key, value in requested.items()
    }
    if options["num_trials"] < 1:
        raise UserError(f"--n-trials must be at least 1, got {options['num_trials']}")
    if options["num_training"] < 0:
        raise UserError(f"--training must be at least 0, got {options['num_training']}")
    recipe, state = _load_run(workdir, options["run"])
    planned = trials.plan(
        options["num_trials"], options["num_training"], options["mode"], options["seed"]
    )
    num_generated, num_real = trials.counts(planned, options["mode"])
    generated = trials.generated_images(recipe, state, max(num_generated, 1), options["seed"])
    real = trials.real_images(
        options["reference"], recipe.config, num_real, generated.shape[1:], options["seed"]
    )
    judge_dir = os.path.join(workdir, "judge")
    images_dir = os.path.join(judge_dir, "images")
    written = trials.write(images_dir, planned, options["mode"], generated, real)
    settings = {
        **options,
        "recipe": recipe.name,
        "step": int(state.step),
        "image_shape": list(generated.shape[1:]),
        "jaxgen_version": jaxgen.__version__,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    store.create(store.path_of(judge_dir), settings, written)
    return settings


def _report(args):
    from jaxgen.judge import report

    serving = {"--participant": args.participant, "--host": args.host != "127.0.0.1" or None}
    serving.update({OPTIONS[key]: getattr(args, key) for key in OPTIONS if key != "run"})
    given = [option for option, value in serving.items() if value is not None]
    if given:
        raise UserError(f"--report reads the stored study: drop {', '.join(given)}")
    result = report.build(args.workdir, args.compare)
    judge_dir = os.path.join(args.workdir, "judge")
    name = "report"
    if args.compare is not None:
        name = f"compare_{os.path.basename(os.path.normpath(args.compare))}"
    json_path = report.save_json(result, os.path.join(judge_dir, f"{name}.json"))
    plot_path = report.plot(result, os.path.join(judge_dir, f"{name}.png"))
    print(report.format_table(result))
    print(f"json: {json_path}")
    print(f"plot: {plot_path}")
