"""Named pattern groups (``--exclude-group temporary``, ``--include-group office``).

This module owns the group table and nothing else; it imports nothing from cargobay. A group
expands, at its position among the other rules, into one rule per pattern with the action the
flag asks for. Patterns use the ordinary rule syntax (see :mod:`cargobay.select.patterns`): all
are unanchored, so they match at any depth; names are matched case-sensitively, so the common
upper-case spellings of extensions are listed too.

Groups:

``office``
    word-processor, spreadsheet, presentation and PDF documents
    (``*.doc*``, ``*.xls*``, ``*.ppt*``, ``*.odt``/``ods``/``odp``, ``*.rtf``, ``*.pdf``, ...).
``images``
    raster and vector images and camera raw files (``*.jpg``, ``*.png``, ``*.heic``, ``*.svg``,
    ``*.cr2``, ...).
``audio``
    ``*.mp3``, ``*.flac``, ``*.wav``, ``*.ogg``, ``*.m4a``, ...
``video``
    ``*.mp4``, ``*.mkv``, ``*.mov``, ``*.avi``, ``*.webm``, ...
``media``
    ``images`` + ``audio`` + ``video``.
``source``
    source code and build scripts of common languages (``*.py``, ``*.c``, ``*.rs``, ``*.go``,
    ``*.java``, ``*.ts``, ``*.sh``, ``Makefile``, ...).
``archives``
    ``*.zip``, ``*.tar``, ``*.tar.gz``, ``*.7z``, ``*.rar``, ...
``temporary``
    temporary files and regenerable caches: editor swap and backup files (``*~``, ``*.swp``,
    ``#*#``), ``*.tmp``, partial downloads, OS litter (``.DS_Store``, ``Thumbs.db``), compiled
    bytecode and cache directories (``__pycache__/``, ``.pytest_cache/``, ``.mypy_cache/``,
    ``.cache/``). Dependency trees such as ``node_modules/`` are *not* in it: they are not
    temporary and are not always reproducible.
"""

from __future__ import annotations

__all__ = ["GROUPS", "group_names", "group_patterns"]


def _ext(*exts: str) -> tuple[str, ...]:
    """``*.ext`` and ``*.EXT`` for each extension."""
    out: list[str] = []
    for e in exts:
        out.append(f"*.{e}")
        if e.upper() != e:
            out.append(f"*.{e.upper()}")
    return tuple(out)


_IMAGES = _ext(
    "jpg",
    "jpeg",
    "png",
    "gif",
    "bmp",
    "tif",
    "tiff",
    "webp",
    "heic",
    "heif",
    "svg",
    "ico",
    "psd",
    "xcf",
    "raw",
    "cr2",
    "cr3",
    "nef",
    "arw",
    "dng",
    "orf",
    "rw2",
)
_AUDIO = _ext("mp3", "flac", "wav", "ogg", "oga", "opus", "m4a", "aac", "wma", "aiff", "aif", "mid", "midi")
_VIDEO = _ext("mp4", "m4v", "mkv", "mov", "avi", "wmv", "webm", "flv", "mpg", "mpeg", "3gp", "mts", "m2ts")

GROUPS: dict[str, tuple[str, ...]] = {
    "office": _ext(
        "doc",
        "docx",
        "docm",
        "dot",
        "dotx",
        "xls",
        "xlsx",
        "xlsm",
        "xlsb",
        "xlt",
        "xltx",
        "csv",
        "ppt",
        "pptx",
        "pptm",
        "pps",
        "ppsx",
        "odt",
        "ods",
        "odp",
        "odg",
        "ott",
        "ots",
        "otp",
        "rtf",
        "pdf",
        "pages",
        "numbers",
        "key",
        "epub",
        "one",
        "vsd",
        "vsdx",
        "pub",
    ),
    "images": _IMAGES,
    "audio": _AUDIO,
    "video": _VIDEO,
    "media": _IMAGES + _AUDIO + _VIDEO,
    "source": (
        *_ext(
            "py",
            "pyi",
            "pyx",
            "c",
            "h",
            "cc",
            "cpp",
            "cxx",
            "hh",
            "hpp",
            "hxx",
            "rs",
            "go",
            "java",
            "kt",
            "kts",
            "scala",
            "cs",
            "fs",
            "vb",
            "swift",
            "m",
            "mm",
            "js",
            "mjs",
            "cjs",
            "jsx",
            "ts",
            "tsx",
            "rb",
            "php",
            "pl",
            "pm",
            "lua",
            "r",
            "jl",
            "hs",
            "ml",
            "mli",
            "ex",
            "exs",
            "erl",
            "clj",
            "dart",
            "zig",
            "nim",
            "sh",
            "bash",
            "zsh",
            "fish",
            "ps1",
            "bat",
            "cmd",
            "sql",
            "asm",
            "s",
            "f90",
            "cmake",
            "gradle",
            "proto",
        ),
        "Makefile",
        "makefile",
        "GNUmakefile",
        "CMakeLists.txt",
        "Dockerfile",
        "Jenkinsfile",
        "Rakefile",
        "Gemfile",
    ),
    "archives": (
        *_ext("zip", "tar", "tgz", "tbz2", "txz", "gz", "bz2", "xz", "zst", "lz", "lz4", "7z", "rar"),
        "*.tar.gz",
        "*.tar.bz2",
        "*.tar.xz",
        "*.tar.zst",
    ),
    "temporary": (
        *_ext("tmp", "temp", "swp", "swo", "swn", "bak", "old", "orig", "rej", "part", "partial"),
        "*.crdownload",
        "*.download",
        "*~",
        "~$*",
        "#*#",
        ".#*",
        ".~lock.*#",
        "*.pyc",
        "*.pyo",
        ".DS_Store",
        "._*",
        "Thumbs.db",
        "ehthumbs.db",
        "desktop.ini",
        ".Trash-*/",
        "__pycache__/",
        ".pytest_cache/",
        ".mypy_cache/",
        ".ruff_cache/",
        ".hypothesis/",
        ".cache/",
        ".sass-cache/",
        ".parcel-cache/",
    ),
}


def group_names() -> tuple[str, ...]:
    return tuple(sorted(GROUPS))


def group_patterns(name: str) -> tuple[str, ...]:
    """The patterns of group ``name``; ``KeyError`` if there is no such group."""
    return GROUPS[name]
