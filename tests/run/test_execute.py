"""The execution cache, atomic writes, failures and country pages (imetbook.run.execute).

The tests that execute use real kernels on tiny notebooks written to tmp_path, reading tiny
tables from a private processed folder (IMETBOOK_PROCESSED, inherited by the kernels).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import notebook

from imetbook.data import schema
from imetbook.errors import ExecutionError
from imetbook.run import cache, cli, execute

REPO = Path(__file__).resolve().parents[2]
_real_code_files = execute.code_files
READS_TRAINING = 'from imetbook.data import datasets\nprint(len(datasets.load("training")))'
READS_FUNDING = 'from imetbook.data.datasets import load\nprint(len(load("funding")))'


def table(processed: Path, name: str, rows: int) -> None:
    pd.DataFrame({"value": range(rows)}).to_parquet(processed / f"{name}.parquet")


def run(chapters: Path, **kw) -> execute.Summary:
    return execute.execute_jobs(execute.chapter_jobs(chapters), workers=2, log=lambda _: None, **kw)


def label(path: Path) -> str:
    return execute.Job(path, path).label


def fixed_code_files(*args, **kwargs) -> dict[str, str]:
    # Other engineers may edit the package while the suite runs; that must not invalidate the
    # cache under test. The tests of package_copy check the real digests.
    return {"imetbook/__init__.py": "package code"}


@pytest.fixture(autouse=True)
def _stable_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "code_files", fixed_code_files)


def write_book(root: Path) -> Path:
    """Two tables and three chapters: one reads training, one funding, one no table."""
    (root / "processed").mkdir(parents=True)
    table(root / "processed", "training", 2)
    table(root / "processed", "funding", 3)
    for name, code in (
        ("a_training", READS_TRAINING),
        ("b_funding", READS_FUNDING),
        ("c_plain", "print(6 * 7)"),
    ):
        path = root / "chapters" / f"{name}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nbformat.writes(notebook(code)) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def executed_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, execute.Summary]:
    """The book executed once; tests work on copies (the hashes are of content, not paths)."""
    root = write_book(tmp_path_factory.mktemp("book"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IMETBOOK_PROCESSED", str(root / "processed"))
        mp.setattr(cache, "code_files", fixed_code_files)
        return root, run(root / "chapters")


@pytest.fixture
def chapters(executed_book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "book"
    shutil.copytree(executed_book[0], root)
    monkeypatch.setenv("IMETBOOK_PROCESSED", str(root / "processed"))
    return root / "chapters"


@pytest.fixture
def processed(chapters: Path) -> Path:
    return chapters.parent / "processed"


def stdout_of(path: Path) -> str:
    nb = nbformat.read(str(path), as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


# --- the cache -------------------------------------------------------------------------------


def test_first_run_executes_every_notebook_and_records_its_hash(executed_book) -> None:
    root, summary = executed_book
    chapters = root / "chapters"
    assert summary.executed == sorted(label(p) for p in chapters.glob("*.ipynb"))
    assert stdout_of(chapters / "b_funding.ipynb") == "3\n"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IMETBOOK_PROCESSED", str(root / "processed"))
        path = chapters / "a_training.ipynb"
        expected = execute.current_hash(execute.Job(path, path))
    assert execute.stored_hash(chapters / "a_training.ipynb") == expected
    record = execute.stored_record(path)
    assert record["tables"] == ["training"]
    assert "imetbook.data.datasets" in record["modules"]
    assert "imetbook.analysis.claims" not in record["modules"]
    assert execute.stored_record(chapters / "c_plain.ipynb") == {"modules": [], "tables": []}


def test_rebuild_with_nothing_changed_executes_nothing(chapters: Path) -> None:
    for p in chapters.glob("*.ipynb"):
        p.touch()  # a new mtime is not a change: the cache is keyed on content
    summary = run(chapters)
    assert summary.executed == []
    assert summary.count(execute.UP_TO_DATE) == 3
    assert summary.line().startswith("execute: nothing to execute, all 3 notebooks up to date")


def test_editing_one_notebook_re_executes_only_that_one(chapters: Path) -> None:
    nb = nbformat.read(str(chapters / "c_plain.ipynb"), as_version=4)
    nb.cells[1].source = "print(6 * 8)"
    nbformat.write(nb, str(chapters / "c_plain.ipynb"))
    summary = run(chapters)
    assert summary.executed == [label(chapters / "c_plain.ipynb")]
    assert stdout_of(chapters / "c_plain.ipynb") == "48\n"


def test_changing_a_table_re_executes_exactly_its_readers(chapters: Path, processed: Path) -> None:
    table(processed, "funding", 4)
    summary = run(chapters)
    assert summary.executed == [label(chapters / "b_funding.ipynb")]
    assert stdout_of(chapters / "b_funding.ipynb") == "4\n"


def test_re_executing_unchanged_inputs_gives_byte_identical_files(chapters: Path) -> None:
    path = chapters / "a_training.ipynb"
    before = path.read_bytes()
    job = execute.Job(path, path)
    summary = execute.execute_jobs([job], workers=1, force=True, log=lambda _: None)
    assert summary.executed == [job.label]
    assert path.read_bytes() == before
    text = before.decode()
    for volatile in ('"papermill"', "iopub.status", "shell.execute_reply", "start_time"):
        assert volatile not in text


# --- failures --------------------------------------------------------------------------------


def test_a_raising_cell_names_notebook_and_cell_and_leaves_the_file(
    chapters: Path, write_notebook
) -> None:
    bad = write_notebook(chapters / "c_plain.ipynb", "x = 1", 'raise ValueError("boom")')
    original = bad.read_bytes()
    with pytest.raises(ExecutionError) as err:
        run(chapters)
    message = str(err.value)
    assert "\n" not in message
    assert message == (f'{label(bad)}: cell 3 (raise ValueError("boom")) failed: ValueError: boom')
    assert bad.read_bytes() == original
    assert sorted(p.name for p in chapters.iterdir()) == [
        "a_training.ipynb",
        "b_funding.ipynb",
        "c_plain.ipynb",
    ]  # no temporary file left behind


def test_a_chapter_edited_while_executing_is_not_overwritten(
    tmp_path: Path, write_notebook
) -> None:
    # The cell plays a colleague saving an edit to the notebook while it runs.
    edit = (
        "import json\n"
        "nb = json.load(open('chapter.ipynb'))\n"
        "nb['cells'][0]['source'] = '# Edited meanwhile'\n"
        "json.dump(nb, open('chapter.ipynb', 'w'))"
    )
    path = write_notebook(tmp_path / "chapter.ipynb", edit)
    with pytest.raises(ExecutionError, match="edited while it was executing; not overwritten"):
        execute.execute_jobs([execute.Job(path, path)], workers=1, log=lambda _: None)
    assert nbformat.read(str(path), as_version=4).cells[0].source == "# Edited meanwhile"


def test_cell_numbers_ignore_the_injected_parameters_cell(tmp_path: Path, write_notebook) -> None:
    template = write_notebook(tmp_path / "t.ipynb", "raise ValueError(n)", parameters="n = 1")
    out = tmp_path / "out" / "t-5.ipynb"
    with pytest.raises(
        ExecutionError,
        match=r"cell 3 \(raise ValueError\(n\)\) failed: "
        r"ValueError: 5$",
    ):
        execute.execute_jobs([execute.Job(template, out, {"n": 5})], workers=1, log=print)
    assert not out.exists()


def test_cli_execute_failure_is_one_line_and_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, write_notebook
) -> None:
    monkeypatch.setenv("IMETBOOK_ROOT", str(tmp_path))
    write_notebook(tmp_path / "chapters" / "broken.ipynb", "1 / 0")
    assert cli.main(["execute", "-j", "1"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "error: chapters/broken.ipynb: cell 2 (1 / 0) failed: ZeroDivisionError: division by zero"
    ]


# --- templates and country pages -------------------------------------------------------------


def test_template_runs_fill_placeholders_and_hide_injected_values(
    tmp_path: Path, write_notebook
) -> None:
    template = write_notebook(
        tmp_path / "t.ipynb", "print(n)", markdown="# Page {{ n }}", parameters="n = 1"
    )
    nb = nbformat.read(str(template), as_version=4)
    nb.cells[1].metadata["tags"] = ["parameters", "remove-cell"]
    nbformat.write(nb, str(template))
    out = tmp_path / "pages" / "P.ipynb"
    execute.execute_jobs([execute.Job(template, out, {"n": 7})], workers=1, log=lambda _: None)
    nb = nbformat.read(str(out), as_version=4)
    assert nb.cells[0].source == "# Page 7"
    assert nb.cells[2].id == "injected-parameters"
    assert nb.cells[2].metadata["tags"] == ["injected-parameters", "remove-cell"]
    assert nb.metadata["imetbook"]["parameters"] == {"n": 7}
    assert nbformat.read(str(template), as_version=4).cells[0].source == "# Page {{ n }}"


def training_rows() -> pd.DataFrame:
    """Two countries, IMET and other programs, one actual year each way and a planned row."""
    return pd.DataFrame(
        {
            "iso3": ["IND", "IND", "NPL", "NPL", None],
            "country_name": ["India", "India", "Nepal", "Nepal", "Indochina (regional heading)"],
            "fiscal_year": [2001, 2002, 2002, 2002, 2001],
            "status": ["actual", "actual", "actual", "planned", "actual"],
            "is_imet": [True, False, True, True, True],
            "students": pd.array([3, 1, None, 9, 1], dtype="Int64"),
            "cost_usd": [100.0, 5.0, 20.0, 90.0, 1.0],
        }
    )


def test_country_pages_one_per_country_with_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_notebook
) -> None:
    monkeypatch.setenv("IMETBOOK_ROOT", str(tmp_path))
    monkeypatch.setenv("IMETBOOK_PROCESSED", str(tmp_path / "processed"))
    (tmp_path / "processed").mkdir()
    training_rows().to_parquet(tmp_path / "processed" / "training.parquet")
    # Turkey: IMET money of its own but no training record (the reports leave it out by law);
    # a region row and the training value add no page.
    pd.DataFrame(
        {
            "iso3": ["TUR", None, "IND"],
            "country_name": ["Turkey", "Europe", "India"],
            "scope": ["country", "region", "country"],
            "measure": ["obligation", "obligation", "training_value"],
        }
    ).to_parquet(tmp_path / "processed" / "funding.parquet")
    country = tmp_path / "chapters" / "country"
    country.mkdir(parents=True)
    # A stand-in for the real template, which reads every table: this test is the mechanism.
    write_notebook(
        country / "profile.ipynb",
        'from imetbook.data import datasets\nprint(len(datasets.load("training")))',
        markdown="# {{ country }}\n\nA page.",
        parameters='country = "India"',
    )
    (country / "PAK.ipynb").write_text("{}")  # a page for a country no longer in the data
    assert cli.main(["execute", "-j", "2"]) == 0
    assert sorted(p.name for p in country.iterdir()) == [
        "IND.ipynb",
        "NPL.ipynb",
        "TUR.ipynb",
        "index.md",
        "profile.ipynb",
    ]
    page = nbformat.read(str(country / "NPL.ipynb"), as_version=4)
    assert page.cells[0].source.startswith("# Nepal\n")
    index = (country / "index.md").read_text()
    assert "{doc}`India <IND>`" in index and "{doc}`Nepal <NPL>`" in index
    assert "| {doc}`Turkey <TUR>` | TUR | none (IMET money only) |" in index
    assert cli.main(["execute", "-j", "2"]) == 0  # and again: nothing to do
    page = execute.Job(country / "profile.ipynb", country / "IND.ipynb", {"country": "India"})
    assert execute.stored_hash(page.output) == execute.current_hash(page)


# --- hashing without kernels -----------------------------------------------------------------


def test_input_hash_ignores_outputs_counts_and_volatile_metadata() -> None:
    nb = notebook("print(1)")
    executed = nbformat.from_dict(json.loads(json.dumps(nb)))
    executed.cells[1].outputs = [nbformat.v4.new_output("stream", text="1\n")]
    executed.cells[1].execution_count = 1
    executed.cells[1].metadata["papermill"] = {"duration": 0.1}
    executed.cells[1].metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    executed.metadata["papermill"] = {"start_time": "2026-01-01"}
    executed.metadata["imetbook"] = {"input_hash": "x"}
    assert execute.input_hash(executed) == execute.input_hash(nb)


@pytest.mark.parametrize(
    "change",
    [
        lambda nb, p: nb.cells[1].__setitem__("source", "print(2)"),
        lambda nb, p: nb.cells[1].metadata.__setitem__("tags", ["remove-input"]),
        lambda nb, p: p.__setitem__("n", 2),
    ],
    ids=["source", "tags", "parameters"],
)
def test_input_hash_changes_with_source_tags_and_parameters(change) -> None:
    nb, params = notebook("print(1)"), {"n": 1}
    before = execute.input_hash(nb, params)
    change(nb, params)
    assert execute.input_hash(nb, params) != before


def test_data_inputs_are_found_from_the_source(tmp_path: Path) -> None:
    processed, raw = tmp_path / "p", tmp_path / "raw"
    (raw / "fmtr").mkdir(parents=True)
    (raw / "fmtr" / "MANIFEST.csv").write_text("x")

    def names(*code: str) -> list[str]:
        return [n for n, _ in execute.data_inputs(notebook(*code), processed, raw)]

    assert names('datasets.load("training")', "load('funding')", "json.load(fh)") == [
        "processed/funding.parquet",
        "processed/training.parquet",
    ]
    assert names("x = 1") == []
    assert len(names("for t in tables:\n    load(t)")) == len(schema.CONTRACTS)
    assert names("src.read_raw_sources()") == ["raw/fmtr/MANIFEST.csv"]
    assert names('budget.funding_gaps(paths.raw_dir() / "budget")') == ["raw/fmtr/MANIFEST.csv"]


def test_code_digest_covers_every_module(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "analysis").mkdir(parents=True)
    (package / "analysis" / "x.py").write_text("A = 1\n")
    before = execute.code_digest(None, _real_code_files(package, tmp_path))
    (package / "analysis" / "x.py").write_text("A = 2\n")
    assert execute.code_digest(None, _real_code_files(package, tmp_path)) != before


def test_parameter_slug_is_stable_and_file_safe() -> None:
    slug = execute.parameter_slug({"countries": ["Côte d'Ivoire", "Nepal"], "fy_start": 2010})
    assert slug == "countries-c-te-d-ivoire-nepal_fy-start-2010"
    assert execute.parameter_slug({}) == "defaults"
    long = execute.parameter_slug({"countries": [f"Country {i}" for i in range(40)]})
    assert len(long) == 80


# --- what a kernel used: modules and tables recorded during the run ---------------------------

USES_COUNTRIES = "from imetbook.data import countries\nprint(countries.__name__)"
USES_ERRORS = "from imetbook.errors import ImetbookError\nprint(ImetbookError.__name__)"
# Reads a table through a name the source scan cannot see: only the kernel's record knows.
HIDDEN_READ = (
    'from imetbook.data import datasets\nprint(len(getattr(datasets, "lo" + "ad")("funding")))'
)


@pytest.fixture
def package_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the package whose files the cache hashes (kernels import the real one)."""
    copy = tmp_path / "pkg"
    shutil.copytree(REPO / "src" / "imetbook", copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(execute.paths, "package_dir", lambda: copy)
    monkeypatch.setattr(cache, "code_files", _real_code_files)
    return copy


def test_touching_one_module_re_executes_only_the_notebooks_that_imported_it(
    tmp_path: Path, processed: Path, package_copy: Path, write_notebook
) -> None:
    book = tmp_path / "chapters"
    for name, code in (("a", USES_COUNTRIES), ("b", USES_ERRORS), ("c", "print(6 * 7)")):
        write_notebook(book / f"{name}.ipynb", code)
    jobs = execute.chapter_jobs(book)
    assert run(book).executed == [label(book / n) for n in ("a.ipynb", "b.ipynb", "c.ipynb")]
    modules = {j.output.stem: execute.stored_record(j.output)["modules"] for j in jobs}
    assert (
        "imetbook.data.countries" in modules["a"] and "imetbook.data.countries" not in modules["b"]
    )
    assert modules["c"] == []

    with (package_copy / "data" / "countries.py").open("a") as fh:
        fh.write("\n# touched\n")
    assert [j.output.stem for j in execute.stale_jobs(jobs)] == ["a"]
    assert run(book).executed == [label(book / "a.ipynb")]
    assert execute.stale_jobs(jobs) == []

    with (package_copy / "errors.py").open("a") as fh:
        fh.write("\n# touched\n")  # imported by b, and by a through countries
    stale = sorted(j.output.stem for j in execute.stale_jobs(jobs))
    assert stale == sorted(n for n, m in modules.items() if "imetbook.errors" in m)
    assert "b" in stale and "c" not in stale


def test_the_requirements_are_in_every_key(
    tmp_path: Path, processed: Path, package_copy: Path, write_notebook, monkeypatch
) -> None:
    book = tmp_path / "chapters"
    write_notebook(book / "c.ipynb", "print(6 * 7)")
    jobs = execute.chapter_jobs(book)
    run(book)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pandas==1\n")
    monkeypatch.setattr(execute.paths, "project_root", lambda: tmp_path)
    assert execute.stale_jobs(jobs) == jobs  # another pinned stack
    run(book)
    assert execute.stale_jobs(jobs) == []


def test_a_table_read_out_of_sight_of_the_source_is_recorded(
    tmp_path: Path, processed: Path, write_notebook
) -> None:
    table(processed, "funding", 3)
    table(processed, "training", 2)
    path = write_notebook(tmp_path / "chapters" / "hidden.ipynb", HIDDEN_READ)
    job = execute.Job(path, path)
    assert execute.data_inputs(nbformat.read(str(path), as_version=4)) == []
    run(path.parent)
    assert execute.stored_record(path)["tables"] == ["funding"]
    table(processed, "training", 5)
    assert execute.stale_jobs([job]) == []
    table(processed, "funding", 4)
    assert execute.stale_jobs([job]) == [job]
    run(path.parent)
    assert stdout_of(path) == "4\n"


def test_the_record_adds_no_cell_and_no_output(chapters: Path) -> None:
    nb = nbformat.read(str(chapters / "a_training.ipynb"), as_version=4)
    assert [c.source for c in nb.cells] == [c.source for c in notebook(READS_TRAINING).cells]
    assert [o["text"] for o in nb.cells[1].outputs] == ["2\n"]
    assert nb.cells[1].execution_count == 1


# --- warm kernels for page sets --------------------------------------------------------------

# A page that would show any state left over from an earlier page in the same kernel:
# variables, execution counts, open figures, warnings already shown, In/Out history.
LEAKY_PAGE = (
    "import warnings\n"
    "import matplotlib.pyplot as plt\n"
    "print(sorted(k for k in globals() if not k.startswith('_')))\n"
    "print(len(In), len(Out), plt.get_fignums())\n"
    "warnings.warn('shown on every page')\n"
    "leftover = n\n"
    "fig, ax = plt.subplots()\n"
    "lines = ax.plot([1, n])",
    "n * 2",
)


def test_a_warm_kernel_gives_the_bytes_of_a_fresh_kernel(tmp_path: Path, write_notebook) -> None:
    template = write_notebook(
        tmp_path / "t" / "template.ipynb",
        *LEAKY_PAGE,
        markdown="# Page {{ n }}",
        parameters="n = 1",
    )

    def pages(kind: str) -> list[execute.Job]:
        return [execute.Job(template, tmp_path / kind / f"{n}.ipynb", {"n": n}) for n in (2, 3, 4)]

    log: list[str] = []
    for kind, warm in (("fresh", False), ("warm", True)):
        execute.execute_jobs(pages(kind), workers=1, warm=warm, log=log.append)
    for fresh, warm in zip(pages("fresh"), pages("warm"), strict=True):
        assert warm.output.read_bytes() == fresh.output.read_bytes()
    nb = nbformat.read(str(pages("warm")[-1].output), as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "shown on every page" in text and "leftover" not in text.split("\n")[0]
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3, 4]


def test_a_failed_page_does_not_poison_the_next_one(tmp_path: Path, write_notebook) -> None:
    template = write_notebook(
        tmp_path / "template.ipynb", "assert n != 2, 'page two fails'\nprint(n)", parameters="n = 1"
    )
    jobs = [execute.Job(template, tmp_path / "out" / f"{n}.ipynb", {"n": n}) for n in (1, 2, 3)]
    with pytest.raises(ExecutionError, match="page two fails"):
        execute.execute_jobs(jobs, workers=1, log=lambda _: None)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["1.ipynb", "3.ipynb"]
    assert stdout_of(tmp_path / "out" / "3.ipynb") == "3\n"


# --- kills leave nothing behind --------------------------------------------------------------


def _processes() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, command line) of every process (Linux /proc)."""
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[int(d.name)] = (int(fields[1]), fields[0], cmd)
    return out


def _descendants(pid: int) -> dict[int, str]:
    procs, found, todo = _processes(), {}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _state, cmd) in procs.items():
            if ppid == parent and child not in found:
                found[child] = cmd
                todo.append(child)
    return found


def _running(pid: int) -> bool:
    info = _processes().get(pid)
    return info is not None and info[1] not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs Linux /proc")
def test_killing_execute_kills_its_workers_and_their_kernels(
    tmp_path: Path, write_notebook
) -> None:
    for name in ("a", "b"):
        write_notebook(tmp_path / "chapters" / f"{name}.ipynb", "import time\ntime.sleep(120)")
    env = dict(os.environ, IMETBOOK_ROOT=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "imetbook", "execute", "-j", "2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    tree: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            tree = _descendants(proc.pid)
            if sum("ipykernel" in cmd for cmd in tree.values()) == 2:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"execute did not start two kernels: {tree}")
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_running(p) for p in tree):
            time.sleep(0.2)
        left = {p: cmd for p, cmd in tree.items() if _running(p)}
        assert not left, f"still running after execute was killed: {left}"
    finally:
        proc.kill()
        now = _processes()
        for p, cmd in {**tree, **_descendants(proc.pid)}.items():
            if p in now and now[p][2] == cmd:  # still the process this test started
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p, signal.SIGKILL)


def test_temp_files_of_a_killed_run_are_removed_and_ignored_by_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, write_notebook
) -> None:
    monkeypatch.setenv("IMETBOOK_ROOT", str(tmp_path))
    write_notebook(tmp_path / "chapters" / "c.ipynb", "print(1)")
    (tmp_path / "chapters" / "country").mkdir()
    left = [
        tmp_path / "chapters" / ".c.ipynb.k2j4x9.tmp",  # as atomic.write_bytes names them
        tmp_path / "chapters" / "country" / ".IND.ipynb.a8c1qz.tmp",
    ]
    for p in left:
        p.write_text("{")
    assert cli.main(["execute", "-j", "1"]) == 0
    assert not any(p.exists() for p in left)
    assert "execute: removed chapters/.c.ipynb.k2j4x9.tmp (left by a killed run)" in (
        capsys.readouterr().out
    )
    names = [f"chapters/{p.relative_to(tmp_path / 'chapters').as_posix()}" for p in left]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *names], cwd=REPO, capture_output=True, text=True
    ).stdout.split()
    assert ignored == names
