"""JUnit XML for ``adcheck check --junit FILE``: one test case per check, for CI dashboards.

One ``<testsuite name="adcheck">`` holds a ``<testcase classname=FILE name=CHECK time=S>``
per check (CHECK is ``"f grad"``, FILE the file's path).  By status:

* pass      the bare test case;
* fail      ``<failure message=VERDICT>`` with the worst entries as text;
* xpass     ``<failure message="expected to fail ...">`` (also with the entries);
* xfail     ``<skipped message="expected failure">`` with the verdict as text;
* inconclusive, error   ``<error message=VERDICT>`` (with the user's traceback, if any).

The suite's ``tests``, ``failures``, ``errors`` and ``skipped`` attributes count
them.  Built with :mod:`xml.etree.ElementTree`, so it is always well-formed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["junit_xml"]

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (ANSI escapes, NUL...)."""
    return _NOT_XML.sub("?", text)


def _body(record) -> str:
    from adcheck.render.check import result_text

    result = record.result
    lines = [record.verdict] if result is None else [result_text(result)]
    if record.point is not None:
        lines.append(f"point: {record.point}; seed {record.seed}")
    if record.traceback:
        lines.append(record.traceback)
    return _clean("\n".join(lines))


def junit_xml(run) -> str:
    """The run as a JUnit XML document (a str with an XML declaration)."""
    counts = run.counts
    suite = ET.Element("testsuite", {
        "name": "adcheck", "tests": str(len(run.results)),
        "failures": str(counts["fail"] + counts["xpass"]),
        "errors": str(counts["inconclusive"] + counts["error"]),
        "skipped": str(counts["xfail"]), "time": f"{run.seconds:.3f}"})
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", {"name": "seed", "value": str(run.seed)})
    for r in run.results:
        name = r.name.split("::", 1)[1] if "::" in r.name else r.name
        case = ET.SubElement(suite, "testcase", {"classname": r.file, "name": name,
                                                 "time": f"{r.seconds:.3f}"})
        if r.status in ("fail", "xpass"):
            el = ET.SubElement(case, "failure", {"message": _clean(r.verdict), "type": r.status})
            el.text = _body(r)
        elif r.status == "xfail":
            el = ET.SubElement(case, "skipped", {"message": "expected failure"})
            el.text = _clean(r.verdict)
        elif r.status in ("inconclusive", "error"):
            el = ET.SubElement(case, "error", {"message": _clean(r.verdict), "type": r.status})
            el.text = _body(r)
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
