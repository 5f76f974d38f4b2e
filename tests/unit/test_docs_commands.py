"""Every command the README and docs/ show in a code block exists (issue 18, item 2), so the docs cannot drift
from the command line: an ``alpr ...``, ``.venv/bin/alpr ...`` or ``alpr-agent ...`` line names subcommands
that ``alpr.cli.build_parser()`` has (walked in-process, up to the first option or argument), and a
``make X`` line names a target of the Makefile. Commands in inline code spans (`` `alpr hotlist add` ``) are
checked too, except that they may name a group of commands (`` `alpr agent` ``). Likewise every relative
link between these pages points at a file that exists and, with ``#anchor``, at a heading of it (GitHub's
heading ids).
"""

from __future__ import annotations

import argparse
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from alpr.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Words that end one shell command and start another on the same line.
SEPARATORS = {";", "&&", "||", "|", "&", "(", ")"}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
LINK = re.compile(r"\]\(([^)\s]+)\)")
MAKE_TARGET = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)\s*:(?!=)", re.MULTILINE)


@dataclass(frozen=True)
class Command:
    file: str
    line: int
    program: str  # "alpr" or "make" ("alpr-agent X" is walked as "alpr agent X", which it is)
    words: tuple[str, ...]
    fenced: bool = True  # in a code block (a whole command), or an inline code span (it may name a group)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.program} {' '.join(self.words)}"


INLINE_COMMAND = re.compile(r"`((?:\S*/)?(?:alpr|alpr-agent|make) [^`]+)`")


def code_lines(text: str) -> list[tuple[int, str, bool]]:
    """The lines inside ``` fences and the inline code spans that start with a command, with their line
    numbers (1-based) and whether they were fenced."""
    inside, lines = False, []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            inside = not inside
        elif inside:
            lines.append((number, line, True))
        else:
            lines.extend((number, span, False) for span in INLINE_COMMAND.findall(line))
    return lines


def shell_words(line: str) -> list[str]:
    """The line's words as a shell reads them: quotes removed, comments dropped, ``;``/``&&``/``|`` apart."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote (a line continued elsewhere): its plain words still count
        return line.split("#", 1)[0].split()


def commands_in(name: str, text: str) -> list[Command]:
    found = []
    for number, line, fenced in code_lines(text):
        segment: list[str] = []
        for word in [*shell_words(line), ";"]:
            if word not in SEPARATORS:
                segment.append(word)
                continue
            while segment and ASSIGNMENT.match(segment[0]):  # FOO=bar alpr ...
                segment.pop(0)
            if segment:
                program = Path(segment[0]).name
                if program in ("alpr", "make"):
                    found.append(Command(name, number, program, tuple(segment[1:]), fenced))
                elif program == "alpr-agent":
                    found.append(Command(name, number, "alpr", ("agent", *segment[1:]), fenced))
            segment = []
    return found


def subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:  # type: ignore[type-arg]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def alpr_problem(parser: argparse.ArgumentParser, words: tuple[str, ...], whole: bool = True) -> str | None:
    """Why the words do not name a command of the parser, or None: each word up to the first option or
    argument must be a subcommand of the one before (and, for a whole command, the last one a command)."""
    path = ["alpr"]
    for word in words:
        choices = subcommands(parser)
        if choices is None:
            return None  # a whole command: what follows are its options and arguments
        if word not in choices.choices:
            known = ", ".join(sorted(choices.choices))
            return f"`{' '.join(path)}` has no subcommand {word!r} (it has: {known})"
        parser = choices.choices[word]
        path.append(word)
    choices = subcommands(parser)
    if whole and choices is not None and choices.required:
        return f"`{' '.join(path)}` needs a subcommand (one of: {', '.join(sorted(choices.choices))})"
    return None


def make_targets(makefile: str) -> set[str]:
    return set(MAKE_TARGET.findall(makefile))


def make_problem(targets: set[str], words: tuple[str, ...]) -> str | None:
    named = [w for w in words if not w.startswith("-") and not ASSIGNMENT.match(w)]
    missing = [w for w in named if w not in targets]
    return f"the Makefile has no target {', '.join(missing)}" if missing else None


def problems(files: list[tuple[str, str]], makefile: str) -> list[str]:
    parser, targets = build_parser(), make_targets(makefile)
    found = []
    for name, text in files:
        for command in commands_in(name, text):
            if command.program == "alpr":
                problem = alpr_problem(parser, command.words, whole=command.fenced)
            else:
                problem = make_problem(targets, command.words)
            if problem:
                found.append(f"{command}\n    {problem}")
    return found


def test_every_documented_command_exists() -> None:
    files = [(str(path.relative_to(ROOT)), path.read_text()) for path in DOC_FILES]
    commands = [c for name, text in files for c in commands_in(name, text)]
    # The docs do show commands (a parser that found none would pass anything).
    assert sum(c.program == "alpr" for c in commands) > 50
    assert {c.words[0] for c in commands if c.program == "make"} >= {"run", "test"}
    wrong = problems(files, (ROOT / "Makefile").read_text())
    assert not wrong, "commands in the docs that do not exist:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("alpr hotlist ad 7ABC123 --reason x", "`alpr hotlist` has no subcommand 'ad'"),
        (".venv/bin/alpr --json frames", "`alpr` has no subcommand '--json'"),
        ("export A=b; alpr share list && alpr shares list", "`alpr` has no subcommand 'shares'"),
        ("alpr-agent stats --spool /tmp/s   # comment", "`alpr agent` has no subcommand 'stats'"),
        ("alpr audit", "`alpr audit` needs a subcommand"),
        ("AWS_REGION=us-west-2 make check-infa CDK_ARGS=x", "the Makefile has no target check-infa"),
    ],
)
def test_a_wrong_command_is_named_with_its_file_and_line(line: str, expected: str) -> None:
    text = f"# Page\n\n```sh\nalpr frames\n{line}\n```\n\nThe `alpr agent` commands; `alpr`; `make`\n"
    wrong = problems([("docs/page.md", text)], "run:\n\techo\ncheck-infra: $(STAMP)\n")
    assert len(wrong) == 1
    assert wrong[0].startswith("docs/page.md:5: ")
    assert expected in wrong[0]


def heading_id(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation but ``-`` and ``_`` dropped, spaces as ``-``."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def link_problems(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        for target in LINK.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue  # https:, mailto:
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            where = f"{path.relative_to(ROOT)}:{number}: ({target})"
            if not linked.exists():
                found.append(f"{where} no such file")
            elif anchor and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", linked.read_text(), re.MULTILINE)
                if anchor not in {heading_id(h) for h in headings}:
                    found.append(f"{where} no heading with that id in {linked.name}")
    return found


def test_every_link_between_the_pages_resolves() -> None:
    wrong = [problem for path in DOC_FILES for problem in link_problems(path)]
    assert not wrong, "broken links in the docs:\n" + "\n".join(wrong)


def test_a_heading_id_is_githubs() -> None:
    assert heading_id("Sightings (`alpr/domain/sightings.py`)") == "sightings-alprdomainsightingspy"
    assert heading_id("A five-minute tour") == "a-five-minute-tour"


def test_an_inline_command_is_checked_but_may_name_a_group() -> None:
    text = "See `alpr agent` and `alpr-agent run`, then `.venv/bin/alpr hotlist serch X` or `make tset`.\n"
    wrong = problems([("docs/page.md", text)], "test:\n\techo\n")
    assert [w.split("\n")[0] for w in wrong] == [
        "docs/page.md:1: alpr hotlist serch X",
        "docs/page.md:1: make tset",
    ]


def test_the_commands_make_run_suggests_run_as_printed() -> None:
    """`make run` prints a tour of its own: each command parses, and each gated command names its member (the
    banner, unlike the README, sets no ALPR_MEMBER first: `alpr frames` alone was refused with exit 3)."""
    from types import SimpleNamespace

    from alpr.cli.common import _ungated, command_paths
    from alpr.cli.local import _local_banner

    stack = SimpleNamespace(
        demo_keys={"demo-fixed-1": "k"},
        demo_staff={"officer": "p"},
        demo_authenticators={"officer": "s"},
        config=SimpleNamespace(host="127.0.0.1", state_dir=ROOT / ".alpr-local"),
        endpoint="http://127.0.0.1:5000",
        api=SimpleNamespace(url="http://127.0.0.1:8080"),
    )
    banner = _local_banner(stack)
    suggested = [shell_words(line)[1:] for line in banner.splitlines() if line.strip().startswith(".venv/bin/alpr")]
    assert len(suggested) >= 5, banner
    parser = build_parser()
    leaves = [path.split() for path, _ in command_paths(parser)]
    for words in suggested:
        args = parser.parse_args(words)
        [path] = [" ".join(leaf) for leaf in leaves if words[: len(leaf)] == leaf]
        if not _ungated(path):
            assert getattr(args, "member", None), f"`alpr {' '.join(words)}` names no member"
