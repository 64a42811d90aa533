"""What the grading kernel can see: an allow-list, never "everything but the secrets".

The kernel gets, read-only: the operating system (``/usr``, ``/etc``, the
top-level library links), the Python installation (its prefix folders: the
interpreter, the standard library, site-packages) and a *staged copy* of this
package holding only its code, data and message catalogues. Every folder named
``mali_ssr`` inside the Python installation is covered: by the staged copy
where Python imports the package from, by an empty folder elsewhere. So the
course notebooks that an install puts inside the package (``mali_ssr/notebooks``
in a wheel, in site-packages for an editable install) are never visible, and
neither is any folder of the course: the course root and its parents are never
bound, and nothing else from ``sys.path`` is.
"""

from __future__ import annotations

import atexit
import compileall
import os
import shutil
import site
import sys
import sysconfig
import tempfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # the folder Python imports mali_ssr from
STAGED_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".geojson", ".mo", ".css", ".txt"}
NOT_STAGED = {"notebooks", "__pycache__", "tests"}

_stage: Path | None = None


def python_folders(course_root: Path) -> list[str]:
    """The Python installation's own folders (prefixes and scheme paths), never one holding the course."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    candidates |= set(site_folders())
    for scheme in (sysconfig.get_paths(), sysconfig.get_paths(vars={"base": sys.base_prefix,
                                                                      "platbase": sys.base_prefix})):
        candidates |= {scheme[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in scheme}
    out = []
    for path in sorted(candidates):
        if not os.path.isdir(path):
            continue
        real = os.path.realpath(path)
        if real.startswith(("/usr/", "/etc/")) or real in ("/usr", "/"):
            continue  # bound whole already
        if _contains(real, course_root):
            continue  # binding it would expose the course folder
        out.append(real)
    return [p for p in out if not any(p != q and p.startswith(q + os.sep) for q in out)]


def _contains(folder: str, path: Path) -> bool:
    try:
        path.resolve().relative_to(folder)
        return True
    except ValueError:
        return False


def site_folders() -> list[str]:
    """Every folder packages are installed in: the environment's, the user's (``pip install --user``), and any
    other ``site-packages`` on sys.path (an environment that borrows another's). Never the working folder."""
    sites = set(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    sites |= {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    if site.ENABLE_USER_SITE:
        sites.add(site.getusersitepackages())
    sites |= {p for p in sys.path if p and os.path.basename(os.path.normpath(p)) in ("site-packages", "dist-packages")}
    return sorted(p for p in sites if os.path.isdir(p))


def package_copies() -> list[str]:
    """Every ``mali_ssr`` folder inside the Python installation's site folders (some hold course notebooks)."""
    sites = set(site_folders())
    found = {os.path.realpath(os.path.join(s, "mali_ssr")) for s in sites if os.path.isdir(os.path.join(s, "mali_ssr"))}
    found.discard(str(PACKAGE))
    return sorted(found)


#: installed packages a grading kernel never needs; hidden, so that the kernel does not import them at start
#: (ipykernel loads its debugger, debugpy, in every kernel when it can: about a quarter of its start-up)
NOT_FOR_GRADING = ("debugpy",)


def unused_packages() -> list[str]:
    """The folders of :data:`NOT_FOR_GRADING` in the Python installation's site folders (covered by empty ones)."""
    sites = set(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    sites |= {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    return sorted({os.path.realpath(os.path.join(s, name)) for s in sites for name in NOT_FOR_GRADING
                   if os.path.isdir(os.path.join(s, name))})


def staged_package() -> Path:
    """A copy of the package's code, data and catalogues only (made once per process, removed at exit)."""
    global _stage
    if _stage is not None and _stage.is_dir():
        return _stage / "mali_ssr"
    stage = Path(tempfile.mkdtemp(prefix="mali-ssr-pkg-"))
    os.chmod(stage, 0o755)
    target = stage / "mali_ssr"
    for path in sorted(PACKAGE.rglob("*")):
        rel = path.relative_to(PACKAGE)
        if NOT_STAGED & set(rel.parts) or path.is_symlink() or not path.is_file() or path.suffix not in STAGED_SUFFIXES:
            continue
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
    compileall.compile_dir(str(target), quiet=1, workers=1)  # the kernel cannot write bytecode in a read-only view
    for folder in [stage, *(p for p in stage.rglob("*") if p.is_dir())]:
        os.chmod(folder, 0o755)
    for file in (p for p in stage.rglob("*") if p.is_file()):
        os.chmod(file, 0o644)
    _stage = stage
    atexit.register(shutil.rmtree, stage, True)
    return target


def discard_stage() -> None:
    """Remove the staged copy now (a grading run ends; the next one stages afresh)."""
    global _stage
    if _stage is not None:
        shutil.rmtree(_stage, ignore_errors=True)
        _stage = None


def describe(course_root: Path) -> list[str]:
    """What the kernel can read, one line a place: for the docs and for `mali-ssr grade --show-sandbox`."""
    lines = ["/usr, /etc, /bin, /lib* (the operating system, read-only)"]
    lines += [f"{p} (the Python installation, read-only)" for p in python_folders(course_root)]
    lines.append(f"{PACKAGE} (a copy of the package's code, data and catalogues only, read-only)")
    lines += [f"{p} (hidden: an empty folder)" for p in package_copies() + unused_packages()]
    lines.append("/tmp and the working folder (empty private file systems, size-capped)")
    return lines
