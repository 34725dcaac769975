"""`fairspec predict`: score new rows with a saved model, after proving the model is the audited one."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fairspec.audit.artifacts import verify_artifact
from fairspec.audit.ledger import Ledger
from fairspec.backends.base import load_model, trusted_types
from fairspec.data.loading import read_file
from fairspec.data.preprocess import Preprocessor
from fairspec.errors import FairspecError


def _ledger_of(run_dir: Path) -> Path:
    """The ledger the run was recorded in, as its manifest names it."""
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        ledger = (manifest.get("extra") or {}).get("ledger")
    except (OSError, ValueError, AttributeError):
        ledger = None
    if not ledger:
        raise FairspecError(f"{run_dir} names no audit ledger", hint="pass the ledger with --ledger LEDGER")
    return Path(ledger)


def predict_file(run_dir: Path, data_file: Path, ledger: Path | None = None) -> pd.DataFrame:
    """Verify the run's model against its manifest and the ledger, then predict every row of `data_file`."""
    import fairspec.backends  # noqa: F401  (registers the model loaders)

    ledger_path = ledger or _ledger_of(run_dir)
    if not ledger_path.is_file():
        raise FairspecError(f"no ledger at {ledger_path}", hint="pass the ledger with --ledger LEDGER")
    check = verify_artifact(run_dir, Ledger(ledger_path), trusted_types)
    model = load_model(check.model_path, check.format)
    preprocessor = Preprocessor.from_json(check.manifest["preprocessor"])
    X = preprocessor.transform(read_file(data_file))
    return pd.DataFrame({"score": model.predict_score(X), "prediction": model.predict(X)})
