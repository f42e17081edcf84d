# ruff: noqa: E501  (a table of UI text: Korean lines are read whole, not wrapped)
"""The viewer memory's text for the streamer (Korean first, English second)."""

from __future__ import annotations

from aischoco_gui.i18n import register

register({
    # errors (the store, the command line, the panel)
    "viewers.error.unknown": ("그런 시청자가 없어요: {id} (aischoco viewers list 로 ID를 확인하세요)",
                              "No such viewer: {id} (see aischoco viewers list for the IDs)"),
    "viewers.error.ambiguous": ("ID {id}에 해당하는 시청자가 여럿이에요: {keys} — 전체 ID를 쓰세요",
                                "{id} matches several viewers: {keys} — use the whole ID"),
    "viewers.error.no_file": ("시청자 기억 파일이 아직 없어요: {path}", "There is no viewer memory file yet: {path}"),
    "viewers.error.newer": ("{path}는 더 새 버전의 앱이 만든 파일이에요 (스키마 {version}, 이 앱은 {ours}). 앱을 업데이트하세요.",
                            "{path} was written by a newer app (schema {version}; this app knows {ours}). Update the app."),
    "viewers.error.corrupt": ("시청자 기억 파일을 읽을 수 없어요: {path} ({error})",
                              "Cannot read the viewer memory file: {path} ({error})"),
    "viewers.error.empty_fact": ("빈 내용은 기억할 수 없어요", "An empty fact cannot be remembered"),
    "viewers.error.fact_changed": ("그 사이에 이 시청자의 기억이 바뀌었어요. 다시 열어 보세요.",
                                   "This viewer's facts changed meanwhile. Open the card again."),
    "viewers.error.off": ("시청자 기억이 꺼져 있어요 (VIEWER_MEMORY=off)", "Viewer memory is off (VIEWER_MEMORY=off)"),
    "viewers.error.not_ready": ("시청자 기억 파일을 여는 중이에요. 잠시 후 다시 해 보세요.",
                                "The viewer memory file is still opening. Try again in a moment."),
    "viewers.error.import": ("가져올 파일이 올바르지 않아요 ({path}): {error}", "The file to import is not valid ({path}): {error}"),
    "viewers.error.read": ("파일을 읽을 수 없어요 ({path}): {error}", "Cannot read the file ({path}): {error}"),
    "viewers.error.write": ("파일을 쓸 수 없어요 ({path}): {error}", "Cannot write the file ({path}): {error}"),
    # notices from the running memory
    "viewers.notice.set_aside": (
        "시청자 기억 파일을 쓸 수 없어서 ({why}) 옆으로 옮겨 두고 새 파일로 시작했어요: {path} — 원래 파일은 지우지 않았어요.",
        "The viewer memory file could not be used ({why}); it was moved aside and a new one started: {path} — nothing was deleted."),
    "viewers.why.corrupt": ("손상됨", "damaged"),
    "viewers.why.newer": ("더 새 버전의 앱이 만든 파일", "written by a newer app"),
    "viewers.why.foreign": ("시청자 기억 파일이 아님", "not a viewer memory file"),
    "viewers.notice.open_failed": ("시청자 기억을 열 수 없어요 ({error}). 이번 방송은 기억 없이 진행해요.",
                                   "Viewer memory could not be opened ({error}); this show runs without it."),
    "viewers.notice.damaged": ("시청자 기억 파일이 손상됐어요 ({error}). 이번 방송의 기록은 저장되지 않고, 다음에 시작할 때 파일을 옆으로 옮기고 새로 시작해요.",
                               "The viewer memory file is damaged ({error}). This show is not saved; at the next start the file is moved aside and a new one started."),
    "viewers.notice.write_failed": ("시청자 기억을 저장하지 못했어요 ({error}). 잠시 후 다시 시도해요.",
                                    "Viewer memory could not be saved ({error}); trying again shortly."),
    "viewers.notice.checkpoint_busy": ("잊은 시청자의 기록이 아직 로그(WAL)에 남아 있어요: 다른 프로그램이 파일을 읽는 중이에요. 다음 저장 때 다시 지워요.",
                                       "The forgotten viewer's data is still in the write-ahead log: another program is reading the file. It is erased at the next save."),
})

# the command line and the card as text (the panel shows the same lines)
register({
    "viewers.cli.help": ("시청자 기억 (history/viewers.sqlite3) 보기와 관리", "See and manage viewer memory (history/viewers.sqlite3)"),
    "viewers.cli.none": ("기억하는 시청자가 없어요 ({path})", "No viewers remembered ({path})"),
    "viewers.cli.header": ("ID\t닉네임\t마지막 방문\t방송\t메시지\t후원\t고정",
                           "ID\tnickname\tlast seen\tshows\tmessages\tdonated\tpinned"),
    "viewers.cli.more": ("… 처음 {n}명만 보여요 (--limit)", "… showing the first {n} (--limit)"),
    "viewers.cli.noted": ("메모를 저장했어요: {nick} ({id})", "Note saved: {nick} ({id})"),
    "viewers.cli.note_cleared": ("메모를 지웠어요: {nick} ({id})", "Note cleared: {nick} ({id})"),
    "viewers.cli.forgotten": ("잊었어요: {nick} ({id}) — 카드, 사실, 닉네임 기록을 지웠어요",
                              "Forgotten: {nick} ({id}) — card, facts and nicknames deleted"),
    "viewers.cli.checkpoint_busy": ("다른 프로그램이 파일을 읽는 중이라 로그(WAL)는 앱의 다음 저장 때 정리돼요",
                                    "Another program is reading the file; the write-ahead log is cleaned at the app's next save"),
    "viewers.cli.exported": ("{n}명을 내보냈어요: {path}", "Exported {n} viewers: {path}"),
    "viewers.cli.imported": ("가져왔어요: 새로 {added}명, 바꿈 {replaced}명 ({path})",
                             "Imported: {added} new, {replaced} replaced ({path})"),
    "viewers.card.id": ("ID", "ID"),
    "viewers.card.nicknames": ("닉네임", "Nicknames"),
    "viewers.card.first_seen": ("처음 본 날", "First seen"),
    "viewers.card.last_seen": ("마지막 방문", "Last seen"),
    "viewers.card.shows": ("방송 수", "Shows"),
    "viewers.card.messages": ("메시지", "Messages"),
    "viewers.card.donations": ("후원", "Donations"),
    "viewers.card.donation_value": ("₩{total:,} ({count}회)", "₩{total:,} ({count}×)"),
    "viewers.card.subscription": ("구독", "Subscription"),
    "viewers.card.sub_value": ("{tier}단계 {name} · {months}개월", "tier {tier} {name} · {months} months"),
    "viewers.card.note": ("메모", "Note"),
    "viewers.card.pinned": ("고정", "Pinned"),
    "viewers.card.facts": ("기억하는 사실", "Facts"),
    "viewers.card.fact_line": ("{text} — {when}, “{source}”에서", "{text} — {when}, from “{source}”"),
    "viewers.card.fact_typed": ("{text} — {when}, 직접 입력", "{text} — {when}, typed in"),
    "viewers.card.yes": ("예", "yes"),
    "viewers.card.no": ("아니요", "no"),
    "viewers.card.none": ("—", "—"),
    "viewers.card.line_id": ("{nick} · {id}", "{nick} · {id}"),
    "viewers.card.rehearsal": ("리허설 시청자", "rehearsal viewer"),
    "viewers.card.line_visits": ("처음 {first} · 마지막 {last} · 방송 {shows}회 · 메시지 {messages}",
                                 "first {first} · last {last} · {shows} shows · {messages} messages"),
})
