"""Square brackets in help texts survive rich markup (an unescaped [tool.adcheck] used to vanish)."""

import pytest
from typer.testing import CliRunner

from adcheck.cli import app


@pytest.mark.parametrize("command,text", [
    ("grad", "adcheck[plot]"), ("jacobian", "adcheck[plot]"), ("modes", "[x0**2, x1*x2, exp(x0+x1)]"),
    ("jacobian", "[x0**2, x1*x2, exp(x0+x1)]"), ("check", "[tool.adcheck]"),
    ("check", "examples/frameworks/torch_maml.py --order 2"),
])
def test_bracketed_text_is_shown(command, text, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    res = CliRunner().invoke(app, [command, "--help"])
    assert res.exit_code == 0
    assert text in res.stdout, res.stdout
