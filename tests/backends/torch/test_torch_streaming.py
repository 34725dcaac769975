"""The synthetic generator, the Parquet writer and reader, and training from a stream."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from fairspec.backends.base import FitRequest, ModelSpec
from fairspec.backends.torch import fit_stream
from fairspec.backends.torch.relaxations import measure
from fairspec.data.streaming import TableTransform, iter_batches, read_sample
from fairspec.data.synthetic import synthetic, write_parquet
from fairspec.errors import FairspecError

FEATURES = tuple(f"x{j}" for j in range(6))


def test_synthetic_is_seeded_biased_and_intersectional():
    frame = synthetic(40_000, n_features=6, bias=1.0, seed=2)
    assert frame.equals(synthetic(40_000, n_features=6, bias=1.0, seed=2))
    assert frame["x0"].dtype == np.float32 and frame["y"].dtype == np.int8
    shares = frame["race"].value_counts(normalize=True)
    assert shares["race0"] > shares["race1"] > shares["race2"]
    rate = frame.groupby(["sex", "race"], observed=True)["y"].mean()
    assert rate["sex0", "race0"] > rate["sex1", "race0"] > rate["sex1", "race2"]
    # the last cell is worse off than the two attribute effects alone predict (log-odds are additive)
    logit = np.log(rate / (1 - rate))
    additive = logit["sex1", "race0"] + logit["sex0", "race2"] - logit["sex0", "race0"]
    assert logit["sex1", "race2"] < additive - 0.1


def test_parquet_writer_writes_chunks_of_the_same_design(tmp_path):
    path = write_parquet(tmp_path / "s.parquet", 2_500, chunk_rows=1_000, n_features=6, seed=1)
    parquet = pq.ParquetFile(path)
    assert parquet.metadata.num_rows == 2_500 and parquet.metadata.num_row_groups == 3
    first = parquet.read_row_group(0).to_pandas()
    assert first.equals(synthetic(1_000, n_features=6, seed=1))


@pytest.fixture(scope="module")
def stream(tmp_path_factory):
    path = write_parquet(tmp_path_factory.mktemp("stream") / "s.parquet", 6_000, chunk_rows=2_000,
                         n_features=6, bias=1.5, seed=3)
    transform = TableTransform.fit(read_sample(path, 2_000), FEATURES, "y", 1,
                                   {"sex": "sex", "race": "race"})
    return path, transform


def test_batches_are_bounded_and_transformed(stream):
    path, transform = stream
    sizes = [batch.X.shape for batch in iter_batches(path, transform, batch_rows=1_500)]
    assert max(rows for rows, _ in sizes) <= 1_500 and sum(rows for rows, _ in sizes) == 6_000
    first = next(iter_batches(path, transform, batch_rows=1_500))
    assert first.X.dtype == np.float32 and set(first.codes) == {"sex", "race"}


def test_fit_stream_trains_and_measures_exactly(stream, make_term):
    path, transform = stream
    term = make_term(mode="soft", weight=1.0)
    request = FitRequest(ModelSpec("mlp", {"epochs": 2, "hidden": [8], "batch_size": 256}), (term,))
    result = fit_stream(request, lambda: iter_batches(path, transform, batch_rows=2_000),
                        transform.partition_labels)
    everything = transform(pq.read_table(path).to_pandas())
    expected = measure(term.expression, result.model.decision_function(everything.X), everything.y,
                       everything.codes["sex"], 2)
    assert result.terms[0].detail == f"train value {expected:.4f} (streamed)"
    assert "streamed" in result.solver


def test_fit_stream_refuses_hard_terms(stream, make_term):
    path, transform = stream
    request = FitRequest(ModelSpec("mlp", {"epochs": 1}), (make_term(mode="hard", bound=0.05),))
    with pytest.raises(FairspecError, match="in memory"):
        fit_stream(request, lambda: iter_batches(path, transform), transform.partition_labels)
