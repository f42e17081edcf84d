"""``python -m aischoco_gui.wordfilter``: regenerate ``lookalikes_table.py`` (needs ``confusable-homoglyphs``)."""

from aischoco_gui.wordfilter.lookalikes import write_table

if __name__ == "__main__":
    print(write_table())
