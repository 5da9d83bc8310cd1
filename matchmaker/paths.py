"""Where the project's data and model folders are (see `settings` for the overrides)."""

from __future__ import annotations

from matchmaker.settings import ROOT, settings

DATA_DIR = settings().data_dir
REFERENCE_DIR = DATA_DIR / "reference"
DEMO_DIR = DATA_DIR / "demo"
MODELS_DIR = settings().models_dir

__all__ = ["ROOT", "DATA_DIR", "REFERENCE_DIR", "DEMO_DIR", "MODELS_DIR"]
