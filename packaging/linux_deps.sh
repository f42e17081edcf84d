#!/usr/bin/env bash
# System packages aischoco needs on a fresh minimal Debian 12 / Ubuntu 22.04+ (desktop or server).
#
# How the list was found: `ldd` on PySide6's Qt/plugins/platforms/libqxcb.so, Qt/lib/libQt6XcbQpa.so.6,
# libQt6Gui/Widgets/DBus and the xcb GL integration plugins in the venv, plus /proc/PID/maps of a
# window shown on the xcb platform under Xvfb; each library mapped to its package with `dpkg -S`.
# Checked in a `debootstrap --variant=minbase bookworm` chroot (see the README, "Linux packages").
#
#   bash packaging/linux_deps.sh          # install what is missing (uses sudo when not root)
#   bash packaging/linux_deps.sh --list   # print the package names, one per line
#   bash packaging/linux_deps.sh --check  # exit 1 and name what is missing, install nothing
set -euo pipefail

# Qt's xcb platform plugin (the window on X11 / XWayland)
QT_XCB=(libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
        libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1
        libxcb-xfixes0 libxcb-xkb1 libx11-6 libx11-xcb1 libxkbcommon0 libxkbcommon-x11-0)
# QtGui / QtCore / QtDBus themselves
QT_CORE=(libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3)
# A font with Hangul (a minimal system has no fonts at all: Korean would show as boxes) and a colour
# emoji font (the panic button ⛔, donations 💰 and chat emoji are boxes without one)
FONTS=(fonts-noto-cjk fonts-noto-color-emoji)
# Sound output (sounddevice needs PortAudio on Linux) and the offline voice (optional, GPL)
AUDIO=(libportaudio2 espeak-ng)
# Python with venv (Debian splits it out)
PYTHON=(python3 python3-venv)

PKGS=("${QT_XCB[@]}" "${QT_CORE[@]}" "${FONTS[@]}" "${AUDIO[@]}" "${PYTHON[@]}")

case "${1:-}" in
  --list) printf '%s\n' "${PKGS[@]}"; exit 0 ;;
esac

missing=()
for p in "${PKGS[@]}"; do
  # Ubuntu 24.04 renamed libglib2.0-0 to libglib2.0-0t64 (apt picks it for the old name)
  dpkg -s "$p" >/dev/null 2>&1 || dpkg -s "${p}t64" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then echo "all ${#PKGS[@]} packages are installed"; exit 0; fi
if [ "${1:-}" = "--check" ]; then echo "missing: ${missing[*]}"; exit 1; fi

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
