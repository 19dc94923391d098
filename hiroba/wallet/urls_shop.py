"""Placeholder: filled by the wallet pages work."""

urlpatterns: list[object] = []
