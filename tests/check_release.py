"""``tox -e release``: build the sdist and the wheel as a release would, and check what a user and a packager get.

1. ``python -m build``: the sdist, then the wheel built from the sdist (so the sdist builds);
2. ``twine check --strict`` on both, ``check-wheel-contents`` on the wheel;
3. the wheel's metadata: the version (``pytest_thingsgraph.__version__``), the classifiers, Project-URLs and
   keywords, no extra of test tools, the entry points and ``py.typed``;
4. the sdist: it carries every file of ``tests/``, ``docs/``, ``examples/`` and ``benchmarks/`` and the
   documents, nothing cached; unpacked, pytest collects its tests with no error, as many as this checkout's,
   and its ``tests/test_release.py`` passes, both against the wheel (unpacked onto ``PYTHONPATH``);
5. the README's examples, each in a clean virtual environment holding only what the README's Install table
   says to install for what it imports; the hypothesis one ``--hypothesis-runs`` times (5), each in a fresh
   directory, under hypothesis' default settings.

Run from the project's root in an environment with build, twine, check-wheel-contents and the test tools
(``tests/requirements/test.txt``): the release env. Exits 1, naming each failed check, if any fails.
"""

from __future__ import annotations

import argparse
import ast
import email.parser
import os
import re
import shlex
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Folders the sdist ships whole, so that its tests, tox envs and documents work.
SHIPPED_FOLDERS = ("tests", "docs", "examples", "benchmarks")
SHIPPED_FILES = ("README.md", "LICENSE", "CHANGELOG.md", "CONTRIBUTING.md", "pyproject.toml", "tox.ini", ".ci/run")
#: Nothing a build or a run leaves behind belongs in the sdist.
STRAY = re.compile(r"(^|/)(__pycache__|\.hypothesis|\.mypy_cache|\.pytest_cache|node_modules)(/|$)|\.py[cod]$")
CLASSIFIER_PREFIXES = ("Development Status :: ", "Intended Audience :: ", "Topic :: ")
CLASSIFIERS = (
    "Framework :: Pytest",
    "Typing :: Typed",
    *(f"Programming Language :: Python :: 3.{n}" for n in (10, 11, 12, 13)),
)
#: Test tools: none of them may be a published requirement or extra.
DEVELOPER_TOOLS = ("mypy", "moto", "pytest-randomly", "pytest-xdist", "boto3-stubs", "types-", "requests-aws4auth")

failures: list[str] = []


def check(condition: bool, what: str) -> None:
    print(f"  {'ok  ' if condition else 'FAIL'} {what}", flush=True)
    if not condition:
        failures.append(what)


def run(command: Sequence[str | Path], *, cwd: Path = ROOT, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``command``; return its exit status and its stdout and stderr, together."""
    completed = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    return completed.returncode, completed.stdout + completed.stderr


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


# --- 1-3: build, twine, check-wheel-contents, metadata ----------------------------------------------------------


def build(dist: Path) -> tuple[Path, Path]:
    step("python -m build")
    status, output = run([sys.executable, "-m", "build", "--outdir", dist, ROOT])
    check(status == 0, "python -m build builds the sdist, then the wheel from it" + ("" if status == 0 else output))
    if status != 0:
        raise SystemExit(report())
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    return sdist, wheel


def check_tools(sdist: Path, wheel: Path) -> None:
    step("twine check --strict; check-wheel-contents")
    status, output = run([sys.executable, "-m", "twine", "check", "--strict", sdist, wheel])
    check(status == 0, "twine check --strict passes" + ("" if status == 0 else f":\n{output}"))
    status, output = run([sys.executable, "-m", "check_wheel_contents", wheel])
    check(status == 0, "check-wheel-contents passes" + ("" if status == 0 else f":\n{output}"))


def source_version() -> str:
    """``__version__`` as pytest_thingsgraph/__init__.py writes it (read, not imported)."""
    tree = ast.parse((ROOT / "pytest_thingsgraph" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__version__" for t in node.targets):
            return str(ast.literal_eval(node.value))
    raise SystemExit("pytest_thingsgraph/__init__.py has no __version__")


def check_metadata(wheel: Path) -> None:
    step("the wheel's metadata and contents")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = next(name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(info).decode("utf-8"))
        entry_points = archive.read(info.replace("METADATA", "entry_points.txt")).decode("utf-8")
    version = source_version()
    check(metadata["Version"] == version, f"Version {metadata['Version']} is __version__ ({version})")
    check(wheel.name.startswith(f"pytest_thingsgraph-{version}-"), f"the wheel is named for {version}")
    classifiers = metadata.get_all("Classifier") or []
    for prefix in CLASSIFIER_PREFIXES:
        check(any(c.startswith(prefix) for c in classifiers), f"a classifier '{prefix}...'")
    for classifier in CLASSIFIERS:
        check(classifier in classifiers, f"the classifier '{classifier}'")
    urls = metadata.get_all("Project-URL") or []
    check(bool(urls), f"Project-URLs: {len(urls)}")
    for entry in urls:
        label, _, url = entry.partition(", ")
        check(bool(label) and re.fullmatch(r"https://[^\s]+", url) is not None, f"Project-URL {entry!r} is https")
    keywords = [word for word in re.split(r"[,\s]+", metadata.get("Keywords", "")) if word]
    check("pytest" in keywords and len(keywords) >= 5, f"keywords: {', '.join(keywords)}")
    extras = metadata.get_all("Provides-Extra") or []
    check(sorted(extras) == ["aio", "graphql", "hypothesis"], f"extras {extras}: the users' only, no test tools")
    requirements = metadata.get_all("Requires-Dist") or []
    tools = [r for r in requirements if r.lower().startswith(DEVELOPER_TOOLS)]
    check(not tools, f"no developer tool among the requirements {tools}")
    check("pytest_thingsgraph/py.typed" in names, "py.typed is in the wheel")
    check(not [n for n in names if n.startswith(("tests/", "docs/", "examples/"))], "the wheel holds the package only")
    check("thingsgraph = pytest_thingsgraph.plugin" in entry_points, "the pytest11 entry point")
    check("thingsgraph-server = pytest_thingsgraph.server:run" in entry_points, "the thingsgraph-server script")


# --- 4: the sdist ----------------------------------------------------------------------------------------------


def project_files() -> set[str]:
    """The files the sdist must carry: git's, or (outside a git checkout) the tree's, less what is stray."""
    status, output = run(["git", "ls-files", "--", *SHIPPED_FOLDERS, *SHIPPED_FILES])
    if status == 0 and output.strip():
        listed = set(output.split("\n")) - {""}
    else:
        listed = {str(p.relative_to(ROOT)) for f in SHIPPED_FOLDERS for p in (ROOT / f).rglob("*") if p.is_file()}
        listed |= set(SHIPPED_FILES)
    return {name for name in listed if not STRAY.search(name) and (ROOT / name).is_file()}


def check_sdist(sdist: Path, wheel: Path, work: Path) -> None:
    step("the sdist: what it carries; its tests, collected against the wheel")
    with tarfile.open(sdist) as archive:
        members = [m.name.split("/", 1)[1] for m in archive.getmembers() if m.isfile() and "/" in m.name]
        if sys.version_info >= (3, 12):
            archive.extractall(work, filter="data")
        else:
            archive.extractall(work)  # our own sdist, just built; 3.12 and later filter it too
    missing = sorted(project_files() - set(members))
    check(not missing, f"every file of {', '.join(SHIPPED_FOLDERS)} and the documents ({', '.join(missing) or 'all'})")
    stray = sorted(name for name in members if STRAY.search(name))
    check(not stray, f"nothing cached or built ({', '.join(stray) or 'none'})")
    (unpacked,) = (path for path in work.iterdir() if path.is_dir())
    # the wheel, unpacked onto PYTHONPATH: what its tests import and load as a plugin, this environment untouched
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(work / "wheel")
    environment = {**os.environ, "PYTHONPATH": str(work / "wheel")}
    pytest = Path(sys.executable).with_name("pytest")  # not python -m pytest: the unpacked tree is not on sys.path
    collect = [pytest, "--collect-only", "-q", "-p", "no:randomly", "tests"]
    status, output = run(collect, cwd=unpacked, env=environment)
    counts = [collected(output), collected(run(collect, env=environment)[1])]
    check(
        status == 0 and counts[0] == counts[1] > 0,
        f"the sdist's tests collect with no error: {counts[0]} tests, as many as here ({counts[1]})"
        + ("" if status == 0 else f"\n{output[-3000:]}"),
    )
    release_tests = [pytest, "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "tests/test_release.py"]
    status, output = run(release_tests, cwd=unpacked, env=environment)
    check(
        status == 0,
        "the sdist's tests/test_release.py passes against the wheel" + ("" if status == 0 else f"\n{output[-3000:]}"),
    )


def collected(output: str) -> int:
    match = re.search(r"^(\d+) tests? collected", output, flags=re.M)
    return int(match.group(1)) if match else -1


# --- 5: the README's examples, in clean virtual environments ----------------------------------------------------


def readme_sections() -> dict[str, str]:
    """The README's ``## `` sections by heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))


def install_table(install: str) -> tuple[dict[str, list[str]], str]:
    """The Install section's table: the install command for an example importing each module; the default row's."""
    rows: dict[str, list[str]] = {}
    default = ""
    for module, note, command in re.findall(r"^\| `([\w.]+)`([^|]*)\| `(pip install [^`]+)` \|$", install, flags=re.M):
        rows[module] = shlex.split(command)
        if "every other example" in note:
            default = module
    if not rows or not default:
        raise SystemExit("README.md: the Install section has no table of install commands with a default row")
    return rows, default


def imports(block: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(block)):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.partition(".")[0])
    return names


def examples() -> Iterator[tuple[str, str, str]]:
    """Each Python example of the README: (its section, its code, the table row that installs its imports)."""
    sections = readme_sections()
    rows, default = install_table(sections["Install"])
    for heading, body in sections.items():
        for number, block in enumerate(re.findall(r"```python\n(.*?)```", body, flags=re.S)):
            special = sorted(imports(block) & (set(rows) - {default}))
            if len(special) > 1:
                raise SystemExit(f"README.md, {heading}: one example imports {special}: give it a row of its own")
            yield f"{heading} #{number + 1}", block, special[0] if special else default


def virtual_environment(command: list[str], wheel: Path, where: Path) -> Path:
    """A new venv holding what ``command`` (``pip install . boto3``, say) installs, ``.`` being the wheel."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", where], check=True)
    python = where / "bin" / "python"
    arguments = [f"{wheel}{argument[1:]}" if argument.startswith(".") else argument for argument in command[2:]]
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--disable-pip-version-check"]
    status, output = run([*pip, *arguments])
    check(status == 0, f"{shlex.join(command)} installs in a clean venv" + ("" if status == 0 else f":\n{output}"))
    return python


def user_environment(python: Path, home: Path) -> dict[str, str]:
    """What a user's shell gives: the venv first on PATH, a home of its own (no AWS config), no test settings."""
    keep = {"PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
    environment = {name: value for name, value in os.environ.items() if name in keep}
    environment.update(PATH=f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}", HOME=str(home))
    return environment


def run_example(name: str, block: str, python: Path, folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "home").mkdir()
    environment = user_environment(python, folder / "home")
    started = time.perf_counter()
    test = "def test_" in block  # as tests/test_readme.py tells them apart
    (folder / ("test_example.py" if test else "example.py")).write_text(block, encoding="utf-8")
    command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"] if test else [python, "example.py"]
    completed = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, timeout=600)
    output = completed.stdout + completed.stderr
    summary = (completed.stdout.strip().splitlines() or [""])[-1] if test else "ran"
    passed = completed.returncode == 0 and (not test or re.fullmatch(r"\d+ passed(, \d+ warnings?)? in .*", summary))
    seconds = time.perf_counter() - started
    check(bool(passed), f"{name}: {summary} ({seconds:.1f} s)" + ("" if passed else f"\n{output[-4000:]}"))
    warned = re.findall(r"^\S*: (\w+Warning): (.*)$", output, flags=re.M)
    for category, message in sorted(set(warned)):
        print(f"       note: {category}: {message[:150]}")


def check_examples(wheel: Path, work: Path, hypothesis_runs: int) -> None:
    step("the README's examples, each with only what the README says to install for it")
    found = list(examples())
    rows, _ = install_table(readme_sections()["Install"])
    for module, command in rows.items():
        chosen = [(name, block) for name, block, row in found if row == module]
        check(bool(chosen), f"the row for examples importing {module} has examples")
        python = virtual_environment(command, wheel, work / module / "venv")
        for name, block in chosen:
            for attempt in range(hypothesis_runs if "hypothesis" in imports(block) else 1):
                label = f"{name} (run {attempt + 1})" if "hypothesis" in imports(block) else name
                run_example(label, block, python, work / module / f"example-{len(list((work / module).iterdir()))}")


def report() -> int:
    print()
    if failures:
        print(
            f"{len(failures)} release check(s) failed:", *(f"- {what.splitlines()[0]}" for what in failures), sep="\n"
        )
        return 1
    print("every release check passed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hypothesis-runs", type=int, default=5, help="runs of the README's hypothesis example")
    parser.add_argument("--skip-examples", action="store_true", help="leave out step 5 (the slowest)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="thingsgraph-release-") as folder:
        work = Path(folder)
        sdist, wheel = build(work / "dist")
        check_tools(sdist, wheel)
        check_metadata(wheel)
        check_sdist(sdist, wheel, work / "sdist")
        if not arguments.skip_examples:
            check_examples(wheel, work / "examples", arguments.hypothesis_runs)
    return report()


if __name__ == "__main__":
    sys.exit(main())
