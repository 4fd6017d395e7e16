"""What the terminal shows: a user's control characters escaped, never acted on.

A file name, a value typed on the command line or a cell of a table may hold a newline, NUL
or the escape character that starts ANSI sequences (clear the screen, move the cursor). One
helper, :func:`jailsim.base.terminal.printable`, writes each as its Python escape; the tables
use it cell by cell (a table keeps its lines), the command line on all it prints (its own
line breaks and tabs kept), and the error lines, warnings and usage errors on stderr.
"""

from __future__ import annotations

import io
import sys
import warnings

from jailsim.base.terminal import printable, printable_stdout
from jailsim.cli.main import main
from jailsim.cli.progress import ProgressBar
from jailsim.results.tables import text_table

ESC = "\x1b[2J"


def test_printable_escapes_every_control_character_and_keeps_the_rest():
    assert printable(f"a{ESC}b\nc\td\x00e\x7f\x85\u2028\u202e") == (
        "a\\x1b[2Jb\\nc\\td\\x00e\\x7f\\x85\\u2028\\u202e")
    assert printable("ordinary text, été, 95%") == "ordinary text, été, 95%"
    assert printable("two\nlines\tand a tab\x07", keep="\n\t") == "two\nlines\tand a tab\\x07"
    assert printable(12) == "12"


def test_a_table_cell_keeps_to_its_line():
    table = text_table([["name", "value"], [f"evil{ESC}\nrow", "1"], ["ok", "2"]])
    lines = table.splitlines()
    assert len(lines) == 4 and "\x1b" not in table
    assert lines[2] == "evil\\x1b[2J\\nrow  1"


def test_printable_stdout_escapes_what_is_printed_and_gives_stdout_back():
    before, sys.stdout = sys.stdout, io.StringIO()
    try:
        captured = sys.stdout
        with printable_stdout():
            print(f"name{ESC}", "x\ty", sep="\n")
        assert sys.stdout is captured
    finally:
        sys.stdout = before
    assert captured.getvalue() == "name\\x1b[2J\nx\ty\n"


def test_validate_prints_a_file_name_s_escape_escaped(tmp_path, capsys):
    path = tmp_path / f"evil{ESC}.yaml"
    path.write_text("extends: jailsim:jem.yaml\n")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "evil\\x1b[2J.yaml: ok ('JEM', program jem)" in out
    path.write_text("extends: jailsim:jem.yaml\njail: {rated_capacity: -1}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "evil\\x1b[2J.yaml: jail.rated_capacity: got -1" in err


def test_a_usage_error_shows_what_was_typed_escaped(capsys):
    try:
        main(["validate", "x.yaml", f"--bogus{ESC}"])
    except SystemExit as exc:
        assert exc.code == 2
    err = capsys.readouterr().err
    assert err == "jailsim: unrecognized arguments: --bogus\\x1b[2J\n"


def _on_stderr(message, category, filename, lineno, file=None, line=None):
    """Python's own way of showing a warning (pytest records them instead)."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def test_a_warning_shows_a_file_name_s_escape_escaped(tmp_path, capsys):
    path = tmp_path / f"w{ESC}.yaml"
    path.write_text("extends: jailsim:wso.yaml\nwso: {officers: 0}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = _on_stderr
        assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "jailsim: warning: " in err and "w\\x1b[2J.yaml: wso.officers: 0 with program" in err


def test_the_progress_bar_label_is_escaped():
    assert ProgressBar(f"run{ESC}", quiet=True).label == "run\\x1b[2J"
