"""Lockdown (잠금): protect the stream in one action, lift it back (README "Lockdown")."""
