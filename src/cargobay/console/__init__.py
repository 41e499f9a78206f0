"""The web console's server-side state: sessions and their signing key (see sessions.py).

The HTTP endpoints live in :mod:`cargobay.s3.http.console`; the browser code is the static
files in ``static/`` (plain ES modules and hand-written CSS, shipped as package data).
"""
