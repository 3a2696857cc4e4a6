"""Release checks behind ``nox -s build``: the changelog, the built wheel's contents, and a smoke test.

Subcommands (each exits 1 with one line per problem):

    changelog                 the version in _version.py has a dated section in CHANGELOG.md
    wheel WHEEL               the wheel holds both packages with py.typed, the console script, the pytest
                              plugin, the license file and complete metadata
    same WHEEL WHEEL          two wheels hold the same file list (one built from the sdist, one directly)
    smoke                     run inside a virtualenv that has the wheel installed, outside the checkout:
                              imports, ``influxdb-replications --version``, the demo, a user test
                              with the plugin

Everything but ``smoke`` uses the standard library only, so the session's own environment can run it.
"""

from __future__ import annotations

import argparse
import email.parser
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("influxdb_replications", "influxdb_replications_api")
SCRIPT = "influxdb-replications"


def read_version(root: Path = ROOT) -> str:
    """The version written in _version.py, its one source."""
    text = (root / "wrapper" / "influxdb_replications" / "_version.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if match is None:
        raise ValueError('_version.py does not set __version__ = "..."')
    return match.group(1)


def changelog_problems(changelog: str, version: str) -> list[str]:
    """What keeps ``version`` from being built: a missing or undated section, or a section left empty.

    Keep a Changelog 1.1: each release is ``## [VERSION] - YYYY-MM-DD`` and lists its changes below.
    """
    headings = list(re.finditer(r"^## \[([^\]]+)\](.*)$", changelog, re.MULTILINE))
    for index, heading in enumerate(headings):
        if heading.group(1) != version:
            continue
        if not re.fullmatch(r" - \d{4}-\d{2}-\d{2}", heading.group(2).rstrip()):
            return [
                f"CHANGELOG.md: the section for {version} needs a release date: ## [{version}] - YYYY-MM-DD"
            ]
        end = headings[index + 1].start() if index + 1 < len(headings) else len(changelog)
        if not re.search(r"^- ", changelog[heading.end() : end], re.MULTILINE):
            return [f"CHANGELOG.md: the section for {version} lists no change"]
        return []
    return [
        f"CHANGELOG.md has no section for version {version} (from _version.py): "
        f"add ## [{version}] - YYYY-MM-DD with its changes, or change the version"
    ]


def supported_pythons(pyproject: dict[str, object]) -> list[str]:
    """The ``3.X`` versions named by the classifiers: the Pythons the suite runs on."""
    project = pyproject["project"]
    assert isinstance(project, dict)
    found = [re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c) for c in project["classifiers"]]
    return [match.group(1) for match in found if match]


def wheel_problems(wheel: Path, pyproject: dict[str, object], version: str) -> list[str]:
    """What a published wheel must hold and does not."""
    problems = []
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = f"influxdb_replications-{version}.dist-info"
        for package in PACKAGES:
            for needed in ("__init__.py", "py.typed"):
                if f"{package}/{needed}" not in names:
                    problems.append(f"{wheel.name}: {package}/{needed} is missing")
        stray = sorted(n for n in names if n.split("/")[0] not in (*PACKAGES, dist_info))
        stray += sorted(n for n in names if "__pycache__" in n or n.endswith(".pyc"))
        if stray:
            problems.append(f"{wheel.name}: unexpected files {stray[:5]}")
        if f"{dist_info}/licenses/LICENSE" not in names:
            problems.append(f"{wheel.name}: the license file is missing ({dist_info}/licenses/LICENSE)")
        try:
            entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
            metadata = email.parser.Parser().parsestr(archive.read(f"{dist_info}/METADATA").decode())
        except KeyError as exc:
            return [*problems, f"{wheel.name}: {exc.args[0]}"]
    if f"{SCRIPT} = influxdb_replications.cli:main" not in entry_points:
        problems.append(f"{wheel.name}: no {SCRIPT} console script")
    if "[pytest11]" not in entry_points or "influxdb_replications.testing.pytest_plugin" not in entry_points:
        problems.append(f"{wheel.name}: the pytest plugin is not registered under pytest11")

    project = pyproject["project"]
    assert isinstance(project, dict)
    expected = {
        "Name": "influxdb-replications",
        "Version": version,
        "Summary": project["description"],
        "Requires-Python": project["requires-python"],
        "License-Expression": project["license"],
        "Description-Content-Type": "text/markdown",
    }
    for field, value in expected.items():
        if metadata.get(field) != value:
            problems.append(f"{wheel.name}: metadata {field} is {metadata.get(field)!r}, expected {value!r}")
    if len(metadata.get_payload() or "") < 200:
        problems.append(f"{wheel.name}: the long description (README) is missing")
    classifiers = set(metadata.get_all("Classifier") or [])
    for python in supported_pythons(pyproject):
        if f"Programming Language :: Python :: {python}" not in classifiers:
            problems.append(f"{wheel.name}: no classifier for Python {python}")
    if "Typing :: Typed" not in classifiers:
        problems.append(f"{wheel.name}: no Typing :: Typed classifier")
    extras = set(metadata.get_all("Provides-Extra") or [])
    optional = project.get("optional-dependencies", {})
    assert isinstance(optional, dict)
    if extras != set(optional):
        problems.append(f"{wheel.name}: extras {sorted(extras)}, expected {sorted(optional)}")
    requires = metadata.get_all("Requires-Dist") or []
    dependencies = project["dependencies"]
    assert isinstance(dependencies, list)
    for dependency in dependencies:
        name = re.split(r"[<>=!~ \[;]", dependency, maxsplit=1)[0]
        if not any(r.startswith(name) for r in requires):
            problems.append(f"{wheel.name}: Requires-Dist lacks {name}")
    return problems


def same_files(first: Path, second: Path) -> list[str]:
    """The difference between two wheels' file lists (the RECORD hashes may differ, the names may not)."""
    with zipfile.ZipFile(first) as a, zipfile.ZipFile(second) as b:
        only_first = sorted(set(a.namelist()) - set(b.namelist()))
        only_second = sorted(set(b.namelist()) - set(a.namelist()))
    problems = []
    if only_first:
        problems.append(f"only in {first}: {only_first}")
    if only_second:
        problems.append(f"only in {second}: {only_second}")
    return problems


SMOKE_TEST = '''
async def test_plugin_from_the_wheel(replication_client, fake_influxdb):
    """The fixtures come from the installed wheel's pytest11 entry point."""
    assert await replication_client.remotes.list() == []
    assert fake_influxdb.request_log
'''


def smoke(version: str) -> list[str]:
    """Use the installed wheel as a user would; run by the smoke virtualenv's Python, outside the checkout."""
    import influxdb_replications
    import influxdb_replications_api
    from influxdb_replications.demo import main as demo

    problems = []
    for module in (influxdb_replications, influxdb_replications_api):
        where = Path(module.__file__ or "").resolve()
        if ROOT in where.parents or "site-packages" not in where.parts:
            problems.append(f"{module.__name__} was imported from {where}, not from the installed wheel")
    if influxdb_replications.__version__ != version:
        problems.append(f"influxdb_replications.__version__ is {influxdb_replications.__version__}")
    script = Path(sys.executable).parent / SCRIPT
    shown = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    if shown.returncode != 0 or shown.stdout.strip() != f"{SCRIPT} {version}":
        problems.append(f"{SCRIPT} --version said {shown.stdout.strip()!r} {shown.stderr.strip()!r}")
    if demo(["--points", "200"]) != 0:
        problems.append("the demo failed")
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "test_smoke.py").write_text(SMOKE_TEST, encoding="utf-8")
        ran = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-o",
                "asyncio_mode=auto",
                folder,
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=folder,
        )
        if ran.returncode != 0:
            problems.append(f"a user test with the plugin failed:\n{ran.stdout}{ran.stderr}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="check_dist.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("changelog")
    commands.add_parser("wheel").add_argument("wheel", type=Path)
    same = commands.add_parser("same")
    same.add_argument("first", type=Path)
    same.add_argument("second", type=Path)
    commands.add_parser("smoke").add_argument("--version", required=True)
    args = parser.parse_args(argv)

    if args.command == "smoke":
        problems = smoke(args.version)
    else:
        version = read_version()
        pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        if args.command == "changelog":
            problems = changelog_problems((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), version)
        elif args.command == "wheel":
            problems = wheel_problems(args.wheel, pyproject, version)
        else:
            problems = same_files(args.first, args.second)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not problems:
        print(f"{args.command}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
