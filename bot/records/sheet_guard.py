"""Refuse a zip bomb before a spreadsheet is parsed.

An .xlsx is a zip archive, and a 1 MB archive can hold a part that unpacks to a gigabyte: parsing
it took openpyxl ~10 s and ~1.7 GB. `check_archive` looks at the archive's directory (member
count, declared sizes, compression ratio) and then inflates every member with a bound of its
declared size, because the directory is written by whoever made the file and may lie. The
inflated bytes are counted and dropped, so the check itself never holds more than one chunk.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from bot.records.sheet_reader import ImportRefused

MAX_UNPACKED_BYTES = 20 * 1024 * 1024
# A workbook is a dozen parts; one with a few sheets and pictures a few dozen.
MAX_MEMBERS = 500
# Spreadsheet XML deflates 5-20 times (15 times for a 2,000-row sheet); a bomb of one
# repeated string, over 1,000 times. Small parts are exempt: a short run of blanks can
# compress far better without costing anything.
MAX_RATIO = 100
RATIO_EXEMPT_BYTES = 1024 * 1024

_CHUNK = 64 * 1024
_ENCRYPTED = 0x1
# A member's local header (APPNOTE 4.3.7): its name and extra field lengths are the last two.
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"


def check_archive(content: bytes) -> None:
    """Raises ImportRefused unless `content` is a zip whose members unpack within the limits."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except Exception as exc:  # zipfile raises many kinds on a broken directory; all mean the same
        raise ImportRefused("imp.unreadable") from exc
    if len(members) > MAX_MEMBERS:
        raise ImportRefused("imp.too_complex")
    total = 0
    for member in members:
        total += member.file_size
        if total > MAX_UNPACKED_BYTES:
            raise _too_big()
        if member.file_size > RATIO_EXEMPT_BYTES and member.file_size > MAX_RATIO * member.compress_size:
            raise _too_big()
    for member in members:
        _check_stream(content, member)


def _too_big() -> ImportRefused:
    return ImportRefused("imp.unpacked_too_big", max_mb=MAX_UNPACKED_BYTES // (1024 * 1024))


def _check_stream(content: bytes, member: zipfile.ZipInfo) -> None:
    """The member's data must inflate to exactly its declared size.

    zipfile (and so openpyxl) cuts its output at the declared size, but only a stream that
    matches its header is a sound file; counting here also keeps the inflating bounded by what
    the directory promised, whatever the stream holds.
    """
    if member.flag_bits & _ENCRYPTED:
        raise ImportRefused("imp.unreadable")
    data = _member_data(content, member)
    if member.compress_type == zipfile.ZIP_STORED:
        if member.compress_size != member.file_size:
            raise ImportRefused("imp.unreadable")
        return
    if member.compress_type != zipfile.ZIP_DEFLATED:
        raise ImportRefused("imp.unreadable")  # Excel, WPS and LibreOffice only ever deflate
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = 0
    try:
        for start in range(0, len(data), _CHUNK):
            pending = data[start : start + _CHUNK]
            while pending:
                # Never more than one byte past the declared size: enough to know it lies.
                room = member.file_size - produced + 1
                produced += len(inflater.decompress(pending, min(room, _CHUNK)))
                if produced > member.file_size:
                    raise ImportRefused("imp.unreadable")
                pending = inflater.unconsumed_tail
                if inflater.eof:
                    break
            if inflater.eof:
                break
    except zlib.error as exc:
        raise ImportRefused("imp.unreadable") from exc
    if not inflater.eof or produced != member.file_size:
        raise ImportRefused("imp.unreadable")


def _member_data(content: bytes, member: zipfile.ZipInfo) -> bytes:
    """The member's compressed bytes, found through its local header as zipfile finds them."""
    start = member.header_offset
    header = content[start : start + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        raise ImportRefused("imp.unreadable")
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _LOCAL_SIGNATURE:
        raise ImportRefused("imp.unreadable")
    begin = start + _LOCAL_HEADER.size + fields[-2] + fields[-1]
    end = begin + member.compress_size
    if end > len(content):
        raise ImportRefused("imp.unreadable")
    return content[begin:end]
