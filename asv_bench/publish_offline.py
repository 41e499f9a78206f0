"""Make asv's published web report work without internet access.

asv 0.6 writes an ``index.html`` that loads jQuery, flot, bootstrap, stupidtable and blueimp-md5
from public CDNs; offline, the page stays blank ("One or more external (JavaScript) dependencies
of airspeed velocity failed to load"). This script copies the same libraries, vendored in
``asv_bench/www-vendor/`` (versions and licenses in its README), into the published directory and
points every page at them (with the Subresource Integrity hashes of the vendored files: some
are the unminified builds of the same versions). Run it after each ``asv publish``::

    asv publish && python asv_bench/publish_offline.py            # html_dir of asv.conf.json
    python asv_bench/publish_offline.py path/to/html               # or a given directory

It exits 1 (naming the URL) if a page still loads a script or stylesheet from the network, which
is what a newer asv with other CDN links would do: add the library to www-vendor/ and to CDN.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "www-vendor"

#: The CDN URL in asv 0.6's pages -> the vendored file that replaces it.
CDN = {
    "https://code.jquery.com/jquery-3.3.1.min.js": "jquery-3.3.1.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js": "jquery.flot.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js": "jquery.flot.time.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.selection.min.js": "jquery.flot.selection.js",
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.categories.min.js": "jquery.flot.categories.js",
    "https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js": "jquery.flot.orderBars.js",
    "https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js": "stupidtable.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js": "md5.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js": "bootstrap.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css": "bootstrap.min.css",
}
_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.I)
_URL = re.compile(r'\b(src|href)="(https?://[^"]+)"')
_INTEGRITY = re.compile(r'\bintegrity="[^"]*"')


def _sri(path: Path) -> str:
    """The Subresource Integrity value of a vendored file (the CDN's hash would not match it)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


def _localise(match: re.Match[str]) -> str:
    tag = match.group(0)
    found = _URL.search(tag)
    if found is None or found.group(2) not in CDN:
        return tag
    local = CDN[found.group(2)]
    tag = tag.replace(found.group(0), f'{found.group(1)}="vendor/{local}"')
    return _INTEGRITY.sub(f'integrity="{_sri(VENDOR / local)}"', tag)


_REMOTE_ASSET = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["'](https?://[^"']+)["']""", re.I)


def make_offline(html_dir: Path) -> list[str]:
    """Vendor the assets into ``html_dir/vendor`` and rewrite its pages; the remote assets left."""
    if not (html_dir / "index.html").is_file():
        raise FileNotFoundError(f"{html_dir}/index.html: run `asv publish` first")
    target = html_dir / "vendor"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(VENDOR, target, ignore=shutil.ignore_patterns("README.md"))
    left: list[str] = []
    for page in sorted(html_dir.glob("*.html")):
        text = _TAG.sub(_localise, page.read_text(encoding="utf-8"))
        page.write_text(text, encoding="utf-8")
        left += [f"{page.name}: {url}" for url in _REMOTE_ASSET.findall(text)]
    return left


def main(argv: list[str]) -> int:
    if argv:
        html_dir = Path(argv[0])
    else:
        config = json.loads((HERE.parent / "asv.conf.json").read_text())
        html_dir = HERE.parent / config.get("html_dir", "html")
    try:
        left = make_offline(html_dir)
    except FileNotFoundError as exc:
        print(f"publish_offline: error: {exc}", file=sys.stderr)
        return 1
    if left:
        print(
            "publish_offline: error: still loaded from the network (vendor them): " + ", ".join(left), file=sys.stderr
        )
        return 1
    print(f"publish_offline: {html_dir} works offline (assets in {html_dir / 'vendor'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
