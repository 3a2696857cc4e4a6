"""The project's single entry point: every check, the demo and code generation run through nox.

nox -s tests                  the whole test suite on every supported Python that is installed (what CI runs)
nox -s demo                   the main job: edge -> cloud replication on two embedded servers
nox -s lint / typecheck       ruff; mypy --strict on wrapper/ and tests/, relaxed on generated/
nox -s generate               regenerate generated/ from the pinned spec (-- --from FILE, -- --update);
                              adopt a new spec file offline: -- --from new.yml --repin [--commit SHA]
nox -s generated_up_to_date   fail if generated/ differs from a fresh generation
nox -s integration            the integration tests against a real server (INFLUX_HOST/TOKEN/ORG)
nox -s floors                 the suite with every runtime dependency and extra at its lowest allowed version
nox -s docs                   the docs site into site/ (mkdocs, strict: a warning fails; -- serve to preview)
nox -s build                  sdist and wheel into dist/, checked; the wheel smoke-tested in a fresh venv
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import nox
from packaging.requirements import Requirement

nox.options.sessions = ["tests"]
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
# a machine without some supported Python still runs the suite on the others; nox names each skipped one
# ("Skipping tests-3.13: Python interpreter 3.13 not found") and lists it as skipped in its summary
nox.options.error_on_missing_interpreters = False

PYPROJECT = nox.project.load_toml("pyproject.toml")
# the supported Pythons are the pyproject classifiers: what the package says is exactly what is tested
PYTHONS = [
    match.group(1)
    for classifier in PYPROJECT["project"]["classifiers"]
    if (match := re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", classifier))
]
TEST_DEPS = nox.project.dependency_groups(PYPROJECT, "test")
BENCH_DEPS = nox.project.dependency_groups(PYPROJECT, "bench")
GENERATE_DEPS = nox.project.dependency_groups(PYPROJECT, "generate")
DOCS_DEPS = nox.project.dependency_groups(PYPROJECT, "docs")
BUILD_DEPS = ["build>=1.2", "twine>=6.1"]
TYPECHECK_DEPS = ["mypy==2.4.1", "types-python-dateutil", "types-PyYAML", "pyyaml>=6"]


def _expose_pyenv_versions() -> None:
    """Let nox find every supported Python that pyenv installed, not only pyenv's active one.

    pyenv's shims answer only for the active versions (`python3.12` fails while 3.11 is the global one).
    Naming the installed supported versions in PYENV_VERSION, the active one first so that `python3` stays
    what it was, is pyenv's own way of making several versions visible at once (`pyenv shell A B`).
    """
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    if not Path(root, "versions").is_dir():
        return
    # pyenv's shim that started nox has set PYENV_VERSION to the active versions already
    active = os.environ.get("PYENV_VERSION", "")
    if not active:
        try:
            active = subprocess.run(
                ["pyenv", "version-name"], capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return
    installed = [path.name for path in Path(root, "versions").glob("3.*") if path.is_dir()]
    names = [name for name in active.split(":") if name]
    for python in PYTHONS:
        patches = [name for name in installed if re.fullmatch(rf"{re.escape(python)}\.\d+", name)]
        if patches:
            names.append(max(patches, key=lambda name: int(name.rsplit(".", 1)[1])))
    os.environ["PYENV_VERSION"] = ":".join(dict.fromkeys(names))


_expose_pyenv_versions()


def _install_project(session: nox.Session, *extras: str) -> None:
    target = f".[{','.join(extras)}]" if extras else "."
    session.install("-e", target)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole test suite (unit, generated, conformance, integration, plugin) on one supported Python."""
    _install_project(session, "testing")
    session.install(*TEST_DEPS, *GENERATE_DEPS)
    session.run("pytest", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """Start an edge and a cloud instance, replicate points between them, print the status."""
    _install_project(session, "testing")
    session.run("python", "-m", "influxdb_replications.demo", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff over everything hand-written (generated/ is formatted by the generator itself)."""
    session.install(*[d for d in GENERATE_DEPS if d.startswith("ruff")])
    session.run("ruff", "check", "wrapper", "tests", "scripts", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on wrapper/ and tests/; generated/ is checked with relaxed settings."""
    # every extra and the generator: the tests import all of them (tests/generated renders the templates)
    _install_project(session, "testing", "aiohttp", "prometheus")
    session.install(*TEST_DEPS, *GENERATE_DEPS, *TYPECHECK_DEPS)
    session.run("mypy")
    session.run("mypy", "--ignore-missing-imports", "generated/influxdb_replications_api")


@nox.session
def generate(session: nox.Session) -> None:
    """Fetch (or --from, or adopt with --from FILE --repin), trim, overlay and generate into generated/."""
    session.install(*GENERATE_DEPS)
    session.run("python", "scripts/codegen.py", "generate", *session.posargs)


@nox.session
def generated_up_to_date(session: nox.Session) -> None:
    """Regenerate into a scratch folder from the pinned spec and fail on any difference with generated/."""
    session.install(*GENERATE_DEPS)
    session.run("python", "scripts/codegen.py", "check", *session.posargs)


@nox.session
def integration(session: nox.Session) -> None:
    """Run tests/integration against a real InfluxDB 2.x named by INFLUX_HOST/INFLUX_TOKEN/INFLUX_ORG."""
    missing = [name for name in ("INFLUX_HOST", "INFLUX_TOKEN", "INFLUX_ORG") if not os.environ.get(name)]
    if missing:
        session.skip(f"set {', '.join(missing)} to run the integration tests against a real server")
    _install_project(session, "testing")
    session.install(*TEST_DEPS)
    session.run("pytest", "tests/integration", "--real-server", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmark our client against raw httpx, the generated layer, aiohttp and influxdb-client."""
    _install_project(session, "aiohttp")
    session.install(*BENCH_DEPS)
    session.run("python", "scripts/bench/run.py", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the docs site into site/ in strict mode: a broken link, reference or missing page fails it."""
    # the pinned ruff formats the rendered signatures
    session.install(*DOCS_DEPS, *[d for d in GENERATE_DEPS if d.startswith("ruff")])
    session.env["NO_MKDOCS_2_WARNING"] = "1"  # Material's end-of-life banner, printed on every build
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", "--strict", *session.posargs[1:])
    else:
        session.run("mkdocs", "build", "--strict", *session.posargs)


def _floor_pins(requirements: list[str]) -> list[str]:
    """``name[extras]==X`` for each ``name[extras]>=X``: the lowest version pyproject.toml allows."""
    pins = []
    for text in requirements:
        requirement = Requirement(text)
        floors = [spec.version for spec in requirement.specifier if spec.operator in (">=", "==", "~=")]
        if len(floors) != 1:
            raise ValueError(f"{text!r} needs exactly one lower bound (>=) for nox -s floors to test")
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        marker = f"; {requirement.marker}" if requirement.marker else ""
        pins.append(f"{requirement.name}{extras}=={floors[0]}{marker}")
    return sorted(set(pins))


@nox.session(python=PYTHONS[0])
def floors(session: nox.Session) -> None:
    """The suite with every runtime dependency and extra at the lowest version pyproject.toml allows.

    The test tools are resolved around those pins; of the code-generation tools only PyYAML is installed (the
    tests that need the generator skip), since what the generator needs says nothing about the library.
    """
    project = PYPROJECT["project"]
    declared = [
        *project["dependencies"],
        *(d for ds in project["optional-dependencies"].values() for d in ds),
    ]
    pins = _floor_pins(declared)
    session.install("--no-deps", "-e", ".")
    session.install(*pins, *TEST_DEPS, *[d for d in GENERATE_DEPS if d.startswith("pyyaml")])
    session.run("python", "-m", "pip", "check")
    session.run("python", "-m", "pip", "freeze")  # the versions tested, for the record
    session.run("pytest", *session.posargs)


def _clean_checkout(session: nox.Session, target: Path) -> None:
    """Copy the files git tracks, as they are in the work tree, to ``target``: no caches or stray files."""
    listed = session.run("git", "ls-files", "-z", external=True, silent=True, log=False)
    assert isinstance(listed, str)
    for name in filter(None, listed.split("\0")):
        source = Path(name)
        if source.is_file():  # a tracked file deleted in the work tree is left out, as a commit would
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel into dist/ from a clean checkout, check both, smoke-test the wheel.

    The wheel in dist/ is built from the sdist (as pip would build it); a second wheel built straight from the
    checkout must hold the same files. The smoke test installs the wheel, not the source tree, into a fresh
    virtualenv outside the checkout.
    """
    session.run("python", "scripts/check_dist.py", "changelog")  # refuses a version the changelog lacks
    session.install(*BUILD_DEPS)
    dist = Path("dist")
    shutil.rmtree(dist, ignore_errors=True)
    scratch = Path(tempfile.mkdtemp(prefix="influxdb-replications-build-"))
    try:
        source = scratch / "checkout"
        _clean_checkout(session, source)
        session.run("python", "-m", "build", "--outdir", str(dist.resolve()), str(source))
        session.run("python", "-m", "build", "--wheel", "--outdir", str(scratch / "direct"), str(source))
        (sdist,) = dist.glob("*.tar.gz")
        (wheel,) = dist.glob("*.whl")
        (direct,) = (scratch / "direct").glob("*.whl")
        session.run("twine", "check", "--strict", str(sdist), str(wheel))
        session.run("python", "scripts/check_dist.py", "wheel", str(wheel))
        session.run("python", "scripts/check_dist.py", "same", str(wheel), str(direct))

        venv = scratch / "smoke-venv"
        session.run("python", "-m", "venv", str(venv))
        python = str(venv / "bin" / "python")
        session.run(python, "-m", "pip", "install", "--quiet", f"{wheel.resolve()}[testing]", external=True)
        checker = str(Path("scripts/check_dist.py").resolve())
        with session.chdir(scratch):  # nothing of the checkout on sys.path
            session.run(python, checker, "smoke", "--version", wheel.name.split("-")[1], external=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
