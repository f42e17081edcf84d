"""The overlay's donation/subscription alert entry: cleaned data, a push delta, in the snapshot, cleared."""

from __future__ import annotations

from aischoco_gui.overlay.state import OverlayState


def test_alert_is_cleaned_pushed_and_kept_in_the_snapshot():
    st = OverlayState(clock=lambda: 100.0)
    deltas: list[dict] = []
    st.listen(deltas.append)
    e = st.push_alert("donation", "\u202e악당\u200b" + "x" * 50, amount=50000, text="고마워\n\u2066요", duration_s=999)
    assert deltas[-1]["type"] == "alert" and deltas[-1]["entry"] is e
    assert e["user"] == "악당" + "x" * 30 and "\u202e" not in e["user"] and e["text"] == "고마워 요"
    assert e["amount"] == 50000 and e["duration_s"] == 60.0 and e["ts"] == 100.0
    assert st.snapshot()["alert"] == e
    s = st.push_alert("subscription", "구독자", tier_no=2, tier_name="골드", months=24, amount=True)
    assert (s["kind"], s["tier_no"], s["tier_name"], s["months"], s["amount"]) == ("subscription", 2, "골드", 24,
                                                                                    None)
    assert s["id"] != e["id"]
    assert st.push_alert("weird", "n")["kind"] == "donation"  # unknown kinds do not reach the page's class names
    st.clear()
    assert st.snapshot()["alert"] is None
