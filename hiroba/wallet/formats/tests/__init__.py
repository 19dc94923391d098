from pathlib import Path

# The shared samples every Hiroba checkout and CI run has at ../shared from the project's root.
SHARED_SAMPLES = Path(__file__).resolve().parents[4].parent / "shared" / "samples"
