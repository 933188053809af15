"""Related lines of a blocking ``open()``: only the uses of the file object it binds."""

from __future__ import annotations

from codeflash_lab.scan import scan_source

UPLOAD = """\
import aiofiles


async def upload_then_import(request, tmp, importer):
    async with aiofiles.open(tmp, "wb") as f:
        async for chunk in request.stream():
            await f.write(chunk)
    with open(tmp, "rb") as f:
        header = f.read(4)
        return header, await importer(f)
"""


def test_a_name_reused_from_an_earlier_with_block_is_not_a_use() -> None:
    found = [f for f in scan_source(UPLOAD, "upload.py").findings if f.code == "CFL103"]
    assert [(f.line, f.related) for f in found] == [(8, (9,))]


def test_uses_after_an_assigned_open_are_listed() -> None:
    source = (
        "async def dump(path, rows):\n"
        "    fh = open(path, 'w')\n"
        "    for row in rows:\n"
        "        fh.write(row)\n"
        "    fh.close()\n"
    )
    found = [f for f in scan_source(source, "dump.py").findings if f.code == "CFL103"]
    assert [(f.line, f.related) for f in found] == [(2, (4, 5))]
