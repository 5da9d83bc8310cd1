"""Where the project's data and model folders are."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MATCHMAKER_DATA", ROOT / "data"))
REFERENCE_DIR = DATA_DIR / "reference"
DEMO_DIR = DATA_DIR / "demo"
MODELS_DIR = Path(os.environ.get("MATCHMAKER_MODELS", ROOT / "models"))
