"""`fairspec predict`: score new rows with a saved model, after proving the model is the audited one."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fairspec.audit.artifacts import verify_artifact
from fairspec.audit.errors import ArtifactTamperedError
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


def _refuse_unadopted_frontier(run_dir: Path) -> None:
    """A `fairspec frontier` run whose model is intact but unrecorded has no adopted point yet:
    say so (exit 2) rather than let the missing record read as tampering."""
    frontier = run_dir / "frontier.json"
    if not frontier.is_file():
        return
    try:
        adopted = json.loads(frontier.read_text(encoding="utf-8")).get("adopted")
        verify_artifact(run_dir, trusted_types=trusted_types)       # the files themselves are intact
    except (OSError, ValueError, AttributeError, ArtifactTamperedError):
        return
    if adopted is None:
        raise FairspecError(f"{run_dir} is a frontier run with no adopted point: its model is not "
                            "in the audit ledger yet",
                            hint="adopt a point first: fairspec select RUN --point K --because "
                                 '"why this trade-off"')


def predict_file(run_dir: Path, data_file: Path, ledger: Path | None = None) -> pd.DataFrame:
    """Verify the run's model against its manifest and the ledger, then predict every row of `data_file`."""
    import fairspec.backends  # noqa: F401  (registers the model loaders)

    ledger_path = ledger or _ledger_of(run_dir)
    if not ledger_path.is_file():
        _refuse_unadopted_frontier(run_dir)
        raise FairspecError(f"no ledger at {ledger_path}", hint="pass the ledger with --ledger LEDGER")
    try:
        check = verify_artifact(run_dir, Ledger(ledger_path), trusted_types)
    except ArtifactTamperedError:
        _refuse_unadopted_frontier(run_dir)
        raise
    model = load_model(check.model_path, check.format)
    preprocessor = Preprocessor.from_json(check.manifest["preprocessor"])
    X = preprocessor.transform(read_file(data_file))
    return pd.DataFrame({"score": model.predict_score(X), "prediction": model.predict(X)})
