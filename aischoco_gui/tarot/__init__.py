"""The tarot corner: a feature folder (engine, reading, deck, card art, overlay routes)."""
