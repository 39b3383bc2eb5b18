"""Human evaluation: people tell generated images from real ones on a local page.

    jaxgen judge runs/demo --n-trials 50 --training 5     # serves http://127.0.0.1:8765/
    jaxgen judge runs/demo --report [--compare runs/other]

As in the GAN papers' Mechanical Turk studies (Denton et al. 2015, "Deep Generative Image
Models using a Laplacian Pyramid of Adversarial Networks", §4.4; Salimans et al. 2016,
"Improved Techniques for Training GANs", §4), a person is shown real and generated images and
the statistic is the fooling rate: the share of trials in which they took a generated image for
real. Two-alternative forced choice (a real and a generated image side by side, click the
generated one; chance level 1/2) is the default; one image at a time (real or fake?) is the
option. Modules, one idea each:

    trials.py   the trial list and its images (latest checkpoint, --ref), written once
    store.py    the SQLite database: settings, trials, images, participants, answers
    page.py     the page (HTML, CSS, JavaScript in one string)
    server.py   the Flask app: the page, a JSON API, images by trial id
    report.py   fooling rates, Wilson 95% intervals, two models compared, the plot
    command.py  the ``jaxgen judge`` subcommand

Flask is the optional ``judge`` extra: ``pip install 'jaxgen[judge]'``.
"""
