"""Hiroba wallet: regional currency accounts, merchants and payments."""
