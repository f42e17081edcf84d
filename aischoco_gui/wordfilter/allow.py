"""The allow-list shipped by default: ordinary Korean words that contain a common banned string.

A hit that lies inside one of these is not a hit (``시발점`` is "starting point", not the swear word).
The streamer edits the list in the settings dialog (``WORD_FILTER_ALLOW``); this is its default.
A space inside an entry may be there or not in the text (``수박씨 발라`` also covers ``수박씨발라``).
"""

from __future__ import annotations

DEFAULT_ALLOW: tuple[str, ...] = (
    # 시발 (始發, "first departure"): the starting point, the first station, the N o'clock train …
    "시발점", "시발역", "시발택시", "시발 자동차", "시발차", "시발 열차", "시발 버스", "시발지", "시발편", "시발 전철",
    "시발착", "시발 시각", "시발 시간",
    # 다시 + 발…: again found / applied / announced / issued (chat drops the space: 다시발견)
    "다시 발견", "다시 발라", "다시 발표", "다시 발급", "다시 발송", "다시 발매", "다시 발생", "다시 발음", "다시 발사",
    *(f"{d}시발" for d in "0123456789"),
    # 병신 (丙申): a year, month or day of the sexagenary cycle
    "병신년", "병신월", "병신일", "병신생", "병신 양요",
    # 씨 + 발…: seeds picked out, someone's foot
    "수박씨 발라", "포도씨 발라", "참외씨 발라", "씨 발라 먹", "씨 발라내", "아저씨 발", "아가씨 발", "솜씨 발휘",
    "맵씨 발", "말씨 발",
    # 닥쳐오다 (to draw near)
    "닥쳐오", "닥쳐온", "닥쳐올",
    # English
    "shitake", "scunthorpe",
)
