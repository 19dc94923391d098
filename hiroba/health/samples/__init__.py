"""Fictional sample files in real formats (Apple Health exports, 特定健診 archives, screening CSVs) for tests and
the demo. Django-free."""
