"""Build the one-folder app with PyInstaller and smoke-test the result.

    python packaging/build.py               # dist/aischoco/aischoco(.exe), then --smoke it
    python packaging/build.py --skip-build  # only smoke-test an existing bundle
    python packaging/build.py --worker      # also build dist/aischoco-tts (torch + qwen-tts; needs the [qwen] extra)

The smoke test runs the frozen app with ``--smoke`` in a throw-away ``AISCHOCO_HOME`` (offscreen Qt,
overlay on a free port, no audio device), requires exit code 0 and ``ready in`` in its log, fails on
any import error in the log, and checks that ``<exe> --tts-worker`` starts the TTS worker.
Exit code: 0 when everything passed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import aischoco_bundle as B  # noqa: E402

ROOT = B.ROOT
IMPORT_ERRORS = ("ModuleNotFoundError", "No module named", "ImportError", "cannot import name")


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def run_pyinstaller(spec: Path, dist: Path, work: Path) -> float:
    t0 = time.monotonic()
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work), str(spec)]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)
    return time.monotonic() - t0


def smoke_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CHZZK_", "GROQ_", "LLM_", "TTS_", "VTS_", "OVERLAY_"))}
    env.update(AISCHOCO_HOME=str(home), OVERLAY_PORT="0", TTS_OUTPUT_DEVICE="null", QT_QPA_PLATFORM="offscreen",
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    return env


def smoke(exe: Path, timeout: float = 90.0) -> list[str]:
    """Problems found (empty = passed)."""
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="aischoco-smoke-") as tmp:
        home = Path(tmp)
        t0 = time.monotonic()
        try:
            r = subprocess.run([str(exe), "--smoke", "--smoke-timeout", "40"], env=smoke_env(home),
                               capture_output=True, text=True, timeout=timeout, encoding="utf-8", errors="replace")
        except subprocess.TimeoutExpired:
            return [f"--smoke did not finish in {timeout:.0f} s"]
        took = time.monotonic() - t0
        log_text = ""
        log_file = home / "logs" / "aischoco.log"
        if log_file.exists():
            log_text = log_file.read_text(encoding="utf-8", errors="replace")
        out = (r.stdout or "") + (r.stderr or "")
        print(out.strip())
        print(f"smoke: exit code {r.returncode} in {took:.1f} s")
        if r.returncode != 0:
            problems.append(f"--smoke exit code {r.returncode}")
        # Windowed Windows builds have no stdout: the log line is the portable signal.
        if "aischoco ready" not in out and "ready in" not in log_text:
            problems.append("the app never reported 'aischoco ready'")
        for line in (out + "\n" + log_text).splitlines():
            if any(m in line for m in IMPORT_ERRORS):
                problems.append(f"import error: {line.strip()}")
        crash = sorted((home / "logs").glob("crash-*.txt"))
        if crash:
            problems.append(f"crash report written: {crash[0].read_text(encoding='utf-8')[:2000]}")
    return problems


def check_worker(exe: Path, timeout: float = 60.0) -> list[str]:
    """``<exe> --tts-worker --engine fake`` must print its port line and exit when stdin closes."""
    with tempfile.TemporaryDirectory(prefix="aischoco-worker-") as tmp:
        proc = subprocess.Popen([str(exe), "--tts-worker", "--engine", "fake", "--port", "0", "--exit-on-stdin-eof"],
                                env=smoke_env(Path(tmp)), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + timeout
            line = ""
            while time.monotonic() < deadline:
                line = proc.stdout.readline() if proc.stdout else ""
                if not line or line.startswith("AISCHOCO_TTS_PORT="):
                    break
            if not line.startswith("AISCHOCO_TTS_PORT="):
                err = proc.stderr.read() if proc.stderr and proc.poll() is not None else ""
                return [f"--tts-worker printed no port line (got {line!r}) {err[-1500:]}"]
            print(f"tts worker: {line.strip()}")
            proc.stdin.close()  # type: ignore[union-attr]
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            return ["--tts-worker did not exit after stdin closed"]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return []


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--skip-build", action="store_true", help="smoke-test the existing dist/ bundle")
    p.add_argument("--no-smoke", action="store_true")
    p.add_argument("--worker", action="store_true", help="also build the cloned-voice worker (aischoco-tts)")
    p.add_argument("--dist", default=str(ROOT / "dist"))
    p.add_argument("--work", default=str(ROOT / "build" / "pyinstaller"))
    p.add_argument("--report", default="", help="write build time, size and checks as JSON here")
    args = p.parse_args(argv)
    dist, work = Path(args.dist), Path(args.work)
    report: dict[str, object] = {"platform": sys.platform, "version": B.package_version()}
    if not args.skip_build:
        report["build_s"] = round(run_pyinstaller(ROOT / "packaging" / "aischoco.spec", dist, work), 1)
        print(f"build: {report['build_s']} s")
        if args.worker:
            report["worker_build_s"] = round(run_pyinstaller(ROOT / "packaging" / "aischoco-tts.spec", dist, work), 1)
    app = dist / B.APP_NAME
    exe = app / B.exe_name()
    if not exe.is_file():
        print(f"FAILED: {exe} not found", file=sys.stderr)
        return 1
    size = folder_size(app)
    report["bundle_bytes"] = size
    print(f"bundle: {app} {size / 1e6:.1f} MB in {sum(1 for _ in app.rglob('*'))} entries")
    problems: list[str] = []
    if not args.no_smoke:
        problems += smoke(exe)
        problems += check_worker(exe)
    report["problems"] = problems
    if args.report:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(json.dumps(report, indent=2), encoding="utf-8")
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print("build OK" if args.no_smoke else "build OK: frozen app reported 'aischoco ready'; --tts-worker works")
    return 0


if __name__ == "__main__":
    sys.exit(main())
