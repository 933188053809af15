"""Scan files and sources: collect files, consult the cache, analyse in parallel, assemble.

Files are analysed in worker processes (one per core) when there are enough of
them; every problem with a single file becomes a ``FileError`` and the scan goes on.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from codeflash_lab.categories import category
from codeflash_lab.errors import ScanError
from codeflash_lab.scan.analyze import Facts, RawError, RawFinding, analyse, analyse_text
from codeflash_lab.scan.cache import ScanCache, content_key
from codeflash_lab.scan.config import load_config
from codeflash_lab.scan.crossmodule import module_name
from codeflash_lab.scan.files import collect_files, read_file
from codeflash_lab.scan.finding import CONFIDENCES, FileError, Finding, ScanResult
from codeflash_lab.scan.fixes import parse_version
from codeflash_lab.scan.follow import follow_imports
from codeflash_lab.scan.grammar import needs_newer_message, project_interpreter_note
from codeflash_lab.scan.lifespan import lower_start_up, start_up_targets
from codeflash_lab.scan.registry import Rule, all_rules, rule_set_id, select_rules
from codeflash_lab.scan.testfiles import TestLayout, load_test_layout

__all__ = ["scan_paths", "scan_source"]

_PARALLEL_MIN_FILES = 48
_CHUNK = 24

#: ``(path, content key or None, findings, errors, facts)``.
FileResult = tuple[str, bytes | None, list[RawFinding], list[RawError], Facts]


def _analyse_path(path: str, key: bytes | None, target: tuple[int, int]) -> FileResult:
    data = read_file(path)
    if isinstance(data, FileError):
        return path, None, [], [(data.message, 0, 0)], ()
    findings, errors, facts = analyse(data, path, target_version=target)
    return path, key, findings, errors, facts


def _analyse_chunk(
    chunk: list[tuple[str, bytes | None]], target: tuple[int, int]
) -> list[FileResult]:
    return [_analyse_path(path, key, target) for path, key in chunk]


def _workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _run_parallel(
    jobs: list[tuple[str, bytes | None]], target: tuple[int, int], workers: int
) -> list[FileResult]:
    if workers <= 1 or len(jobs) < _PARALLEL_MIN_FILES:
        return _analyse_chunk(jobs, target)
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    method = "fork" if threading.active_count() == 1 else "forkserver"
    chunks = [jobs[i : i + _CHUNK] for i in range(0, len(jobs), _CHUNK)]
    out: list[FileResult] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method)) as pool:
        for part in pool.map(_analyse_chunk, chunks, [target] * len(chunks)):
            out.extend(part)
    return out


def _to_findings(
    path: str, raw: list[RawFinding], rules: dict[str, Rule], target: tuple[int, int]
) -> list[Finding]:
    out = []
    fixes: dict[str, str] = {}
    for line, col, code, message, fix, confidence, gain, related in raw:
        rule = rules.get(code)
        if rule is None:
            continue
        if code not in fixes:
            fixes[code] = rule.fix(target)
        cat = category(rule.category)
        out.append(
            Finding(
                path,
                line,
                col,
                code,
                rule.name,
                cat.slug,
                cat.impact,
                message,
                fix or fixes[code],
                confidence,
                gain,
                tuple(related),
            )
        )
    return out


def _resolve_target(
    target_version: str | tuple[int, int] | None, default: tuple[int, int]
) -> tuple[int, int]:
    if target_version is None:
        return default
    if isinstance(target_version, tuple):
        return target_version
    return parse_version(target_version)


def _collect(
    paths: list[str], layout: TestLayout, exclude: list[str]
) -> tuple[list[str], set[str], list[FileError]]:
    """Files to scan, the test files among them that may be hidden, and walk errors."""
    files: list[str] = []
    tests: set[str] = set()
    errors: list[FileError] = []
    for root in paths:
        found, errs = collect_files([root], exclude=exclude)
        errors.extend(errs)
        if os.path.isdir(root) and not layout.is_test(root, base=root):
            tests.update(f for f in found if layout.is_test(f, base=root))
        files.extend(found)
    return files, tests, errors


def scan_paths(
    paths: Sequence[str | os.PathLike[str]],
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    target_version: str | tuple[int, int] | None = None,
    cache: bool = True,
    workers: int | None = None,
    exclude: Sequence[str] = (),
    include_tests: bool = False,
    min_confidence: str = "medium",
) -> ScanResult:
    """Scan files and folders for asyncio antipatterns.

    Args:
        paths: files and directories (directories are walked for ``*.py``/``*.pyi``).
        select: codes, code prefixes, rule names or categories to run (default: the
            project's ``[tool.codeflash-lab] select``, else every default rule).
        ignore: the same, to skip (added to the project's ``ignore``).
        target_version: Python version for fix templates (``"3.10"``); default from
            the project (``.codeflash/setup.md``, then ``requires-python``).
        cache: reuse results of unchanged files (content hash) and store new ones.
        workers: processes to use (default: one per core).
        exclude: extra file or folder names to skip while walking (added to the
            project's ``exclude`` and the defaults such as ``.git`` and ``.venv``).
        include_tests: also show findings in test files met while walking a folder
            (files named in ``paths`` are always shown).
        min_confidence: the least confidence shown: ``"high"``, ``"medium"`` (default)
            or ``"low"`` (everything).

    Returns:
        A :class:`ScanResult`; unreadable or unparsable files are in ``errors``, files
        that need a newer Python than the scanner's in ``needs_newer``, and the numbers
        of findings left out in ``hidden_tests`` and ``hidden_low``.

    Raises:
        ScanError: ``paths`` is empty.
        ValueError: a select/ignore entry matches no rule, a bad target version, or an
            unknown confidence.
    """
    if not paths:
        raise ScanError("no paths to scan")
    if min_confidence not in CONFIDENCES:
        raise ValueError(f"min_confidence: expected one of {', '.join(CONFIDENCES)}")
    str_paths = [os.fspath(p) for p in paths]
    config = load_config(Path(str_paths[0]))
    chosen = select_rules(list(select or config.select) or None, [*config.ignore, *(ignore or ())])
    target = _resolve_target(target_version, config.target_version)
    layout = load_test_layout(config.root)
    files, tests, walk_errors = _collect(str_paths, layout, [*config.exclude, *exclude])
    store = ScanCache(rule_set_id(all_rules())) if cache else None
    results: list[FileResult] = []
    jobs: list[tuple[str, bytes | None]] = []
    keys: dict[str, bytes] = {}
    for path in files:
        if store is None:
            jobs.append((path, None))
            continue
        try:
            st = os.stat(path)
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        key = store.key_for(os.path.abspath(path), *stamp) if stamp else None
        hit = store.get(key) if key is not None else None
        if hit is not None and key is not None:
            keys[path] = key
            results.append((path, None, list(hit[0]), list(hit[1]), hit[2]))
            continue
        data = read_file(path)
        if isinstance(data, FileError):
            results.append((path, None, [], [(data.message, 0, 0)], ()))
            continue
        key = content_key(data)
        keys[path] = key
        if stamp is not None:
            store.remember(os.path.abspath(path), *stamp, key)
        hit = store.get(key)
        if hit is not None:
            results.append((path, None, list(hit[0]), list(hit[1]), hit[2]))
        else:
            jobs.append((path, key))
    for res in _run_parallel(jobs, target, workers or _workers()):
        results.append(res)
        if store is not None and res[1] is not None:
            store.put(res[1], (tuple(res[2]), tuple(res[3]), res[4]))
    cross = follow_imports(results, store, keys, target)
    packages: dict[str, bool] = {}
    merged = {r[0]: [*r[2], *cross.get(r[0], ())] for r in results}
    lower_start_up(
        merged,
        {r[0]: module_name(r[0], packages) for r in results},
        tests,
        _cached_targets(store, keys),
    )
    for r in results:  # a call into another module is lowered with its caller's own findings
        r[2][:] = merged[r[0]][: len(r[2])]
        if r[0] in cross:
            cross[r[0]] = merged[r[0]][len(r[2]) :]
    if store is not None:
        store.save()
    view = _View(tests if not include_tests else set(), CONFIDENCES.index(min_confidence))
    if any(_needs_newer(e[0], target) for r in results for e in r[3]):
        view.note = project_interpreter_note(config.root, target)
    return _assemble(results, walk_errors, chosen, target, len(files), view, cross)


def _cached_targets(
    store: ScanCache | None, keys: dict[str, bytes]
) -> Callable[[str, str], tuple[tuple[str, str], ...]]:
    """:func:`start_up_targets`, cached by the file's content key and module name."""

    def facts(path: str, module: str) -> tuple[tuple[str, str], ...]:
        key = keys.get(path)
        if store is None or key is None:
            return start_up_targets(path, module)
        slot = key + b"L" + module.encode()
        found = store.get(slot)
        if found is None:
            found = start_up_targets(path, module)
            store.put(slot, found)
        return tuple(found)

    return facts


class _View:
    """What the default view leaves out: test files and findings below a confidence."""

    def __init__(self, tests: set[str], level: int) -> None:
        self.tests = tests
        self.level = level
        self.note = "no project interpreter looked for"


def _needs_newer(message: str, target: tuple[int, int]) -> bool:
    return message.startswith("syntax error") and target > sys.version_info[:2]


def _assemble(
    results: list[FileResult],
    walk_errors: list[FileError],
    chosen: list[Rule],
    target: tuple[int, int],
    n_files: int,
    view: _View | None = None,
    cross: dict[str, list[RawFinding]] | None = None,
) -> ScanResult:
    view = view or _View(set(), len(CONFIDENCES))
    rules = {r.code: r for r in chosen}
    findings: list[Finding] = []
    errors = list(walk_errors)
    newer: list[FileError] = []
    hidden_tests = hidden_low = 0
    for path, _, raw, raw_errors, _facts in results:
        extra = (cross or {}).get(path, [])
        for f in _to_findings(path, [*raw, *extra], rules, target):
            if path in view.tests:
                hidden_tests += 1
            elif CONFIDENCES.index(f.confidence) > view.level:
                hidden_low += 1
            else:
                findings.append(f)
        for msg, line, col in raw_errors:
            if _needs_newer(msg, target):
                why = needs_newer_message(target, msg, view.note)
                newer.append(FileError(path, why, line, col))
            elif path not in view.tests:
                errors.append(FileError(path, msg, line, col))
    findings.sort(key=lambda f: (f.path, f.line, f.col, f.code))
    errors.sort(key=lambda e: (e.path, e.line))
    return ScanResult(
        tuple(findings),
        tuple(errors),
        n_files,
        target,
        hidden_tests=hidden_tests,
        hidden_low=hidden_low,
        needs_newer=tuple(newer),
    )


def scan_source(
    source: str,
    path: str = "<string>",
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    target_version: str | tuple[int, int] | None = None,
) -> ScanResult:
    """Scan one piece of source code (no files, no cache).

    Args:
        source: Python source text.
        path: the name to show in findings.
        select: as in :func:`scan_paths` (no project configuration is read).
        ignore: as in :func:`scan_paths`.
        target_version: Python version for fix templates (default: the running one).

    Returns:
        A :class:`ScanResult` with ``files_scanned == 1``.
    """
    import sys

    target = _resolve_target(target_version, (sys.version_info.major, sys.version_info.minor))
    chosen = select_rules(select, ignore)
    if "\x00" in source:
        raw: list[RawFinding] = []
        raw_errors: list[RawError] = [("not scanned: the source contains NUL bytes", 0, 0)]
    else:
        raw, raw_errors = analyse_text(source, path, target_version=target)
    return _assemble([(path, None, raw, raw_errors, ())], [], chosen, target, 1)
