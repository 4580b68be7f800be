"""`tf-longformer` as a user runs it, in its own process: help without TensorFlow, no native log lines."""

import os
import subprocess
import sys

import pytest

from tf_longformer_cli import native_log

SUBCOMMANDS = ("demo", "train", "predict", "convert", "export", "info", "bench")


def run_cli(*argv, env=None):
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "tf_longformer_cli", *argv], capture_output=True, text=True, env=environment
    )


def test_help_and_bad_command_lines_never_import_tensorflow():
    script = (
        "import sys, tf_longformer_cli as cli\n"
        f"for argv in [['--help']] + [[c, '--help'] for c in {SUBCOMMANDS!r}] + [['info'], ['export', '--bogus']]:\n"
        "    try:\n"
        "        cli.main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'tf_longformer') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]"


def test_a_command_prints_no_native_log_lines_unless_asked():
    quiet = run_cli("info", "default")
    assert quiet.returncode == 0, quiet.stderr
    assert "architecture" in quiet.stdout and quiet.stderr == ""
    verbose = run_cli("info", "default", "--verbose")
    assert verbose.returncode == 0 and "architecture" in verbose.stdout
    # TensorFlow's start-up notices (oneDNN, CPU features) are what the quiet run kept back.
    assert verbose.stderr.strip(), "TensorFlow printed nothing at start-up, so the quiet run proves nothing"
    own_level = run_cli("info", "default", env={"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert own_level.stderr.strip()  # the user's own level is honoured


def test_an_export_through_the_converter_is_quiet(tmp_path):
    result = run_cli("export", "default", str(tmp_path / "model.tflite"), "--format", "tflite")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("model.tflite") and result.stderr == ""


def test_a_user_error_is_one_line_without_the_log():
    result = run_cli("export", "/no/such/checkpoint", "out")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "error:" in result.stderr


def test_a_crash_keeps_the_native_log_and_names_it(capfd, monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    with pytest.raises(RuntimeError):
        with native_log.quiet_native_log(verbose=False):
            os.write(2, b"a native line\n")
            raise RuntimeError("crash")
    err = capfd.readouterr().err
    assert "a native line" not in err
    path = err.split("TensorFlow's log of this run: ")[1].split(")")[0]
    with open(path) as f:
        assert f.read() == "a native line\n"
    os.remove(path)
    assert "TF_CPP_MIN_LOG_LEVEL" not in os.environ


def test_a_successful_run_leaves_no_log_file(capfd, monkeypatch, tmp_path):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    with native_log.quiet_native_log(verbose=False):
        os.write(2, b"a native line\n")
    assert capfd.readouterr().err == ""
    assert not list(tmp_path.iterdir())
