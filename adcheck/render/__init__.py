"""Renderers: turn Reports and errors into rich renderables or JSON text.  They never print.

* :mod:`~adcheck.render.console`      Console creation (plain when piped or NO_COLOR) and :class:`Look`
* :mod:`~adcheck.render.table`        the grad/jacobian report: header, methods table, kinks, verdict
* :mod:`~adcheck.render.steps`        the ``--steps`` sweep: tables and a text chart
* :mod:`~adcheck.render.json`         JSON documents for ``--format json``
* :mod:`~adcheck.render.diagnostics`  error messages for stderr
* :mod:`~adcheck.render.numbers`      number formatting shared by the above

Submodules are imported where they are used, so importing this package is cheap.
"""
