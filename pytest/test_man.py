"""The manual pages: every page renders without a groff warning, `man -l`
shows it, and each command's page and its --help name the same options.

The pages are built into <build>/share/man by man/CMakeLists.txt."""
import re
import subprocess

import pytest

COMMANDS = ["conformance", "probe", "serve", "validate", "cache", "ticket", "keygen",
            "handshake", "corpus"]
STATIC = ["man1/ticketlab.1", "man3/ticketlab-plugin.3", "man5/ticketlab-expectations.5",
          "man7/ticketlab-releases.7"]
PAGES = [f"man1/ticketlab-{c}.1" for c in COMMANDS] + STATIC
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-o)(?![\w-])")


def page_path(build_dir, page):
    path = build_dir / "share" / "man" / page
    if not path.is_file():
        pytest.fail(f"{path} is missing: the build makes it (target ticketlab-man)")
    return path


def sections(text, wanted=("SYNOPSIS", "OPTIONS")):
    """The text of the named sections (titles in capitals at column 0)."""
    keep, out = False, []
    for line in text.splitlines():
        if re.fullmatch(r"[A-Z][A-Z ]*", line):
            keep = line in wanted
        elif keep:
            out.append(line)
    return "\n".join(out)


def render(path):
    """The page as plain ASCII text, with groff's warnings on."""
    proc = subprocess.run(["groff", "-ww", "-man", "-Tascii", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", f"{path.name}: groff warns:\n{proc.stderr}"
    # Strip overstriking (bold, underline) that -Tascii writes as X\bX.
    return re.sub(r".\x08", "", proc.stdout)


@pytest.mark.tools("groff")
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_warnings(build_dir, page):
    text = render(page_path(build_dir, page))
    assert "NAME" in text and "SEE ALSO" in text


@pytest.mark.tools("man")
@pytest.mark.parametrize("page", PAGES)
def test_man_l_shows_the_page(build_dir, page):
    path = page_path(build_dir, page)
    proc = subprocess.run(["man", "-l", str(path)], capture_output=True, text=True,
                          timeout=60, env={"MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80",
                                           "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    name = path.name.rsplit(".", 1)[0]
    assert name.upper() in proc.stdout.splitlines()[0].replace("\u2010", "-")


@pytest.mark.tools("groff")
@pytest.mark.parametrize("command", COMMANDS)
def test_page_and_help_name_the_same_options(build_dir, run, command):
    helped = run(command, "--help")
    assert helped.returncode == 0, helped.stderr
    in_help = set(OPTION.findall(sections(helped.stdout)))
    page = render(page_path(build_dir, f"man1/ticketlab-{command}.1"))
    in_page = set(OPTION.findall(sections(page)))
    assert in_help, f"{command} --help names no option"
    assert in_help - in_page == set(), f"in --help, not in the page: {sorted(in_help - in_page)}"
    assert in_page - in_help == set(), f"in the page, not in --help: {sorted(in_page - in_help)}"


@pytest.mark.tools("groff")
def test_ticketlab_1_lists_every_command(build_dir, run):
    listed = run("--help")
    commands = re.findall(r"^  ([a-z]+) ", listed.stdout, re.M)
    assert sorted(commands) == sorted(COMMANDS)
    text = render(page_path(build_dir, "man1/ticketlab.1"))
    for command in commands:
        assert f"ticketlab-{command}(1)" in text, command
