"""Django-free step importers: each reads one kind of export as a stream and yields per-day totals per source.

Nothing here knows about residents or the database. The health services turn `DayTotal`s into stored step days.
"""
