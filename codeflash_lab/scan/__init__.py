"""Static analysis of asyncio code: findings, rule registry, output formats."""

from __future__ import annotations

from codeflash_lab.scan.config import ScanConfig, load_config
from codeflash_lab.scan.engine import scan_paths, scan_source
from codeflash_lab.scan.finding import FileError, Finding, ScanResult
from codeflash_lab.scan.fixes import fix_for
from codeflash_lab.scan.output import format_json, format_sarif, format_text
from codeflash_lab.scan.registry import RULES, Hit, Rule, all_rules, register, select_rules

__all__ = [
    "RULES",
    "FileError",
    "Finding",
    "Hit",
    "Rule",
    "ScanConfig",
    "ScanResult",
    "all_rules",
    "fix_for",
    "format_json",
    "format_sarif",
    "format_text",
    "load_config",
    "register",
    "scan_paths",
    "scan_source",
    "select_rules",
]
