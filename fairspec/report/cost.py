"""The cost sections: model quality on train and holdout, what each enforced requirement cost, and
the trade-off frontier when the run searched one."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from fairspec.report.document import Cell, Figure, Paragraph, Section, Table
from fairspec.report.frontier import Frontier
from fairspec.report.svg import frontier_chart
from fairspec.report.wording import MISSING, number, statement

PERFORMANCE_ROWS = (("accuracy", "accuracy"), ("error rate", "error_rate"), ("log-loss", "log_loss"),
                    ("AUC", "auc"), ("selection rate", "selection_rate"))


def cost_section(performance: Mapping[str, Any], requirements: Sequence[Mapping[str, Any]]) -> Section:
    splits = {split: performance.get(split) or {} for split in ("train", "holdout")}
    quality = Table(
        columns=("measure", "train", "holdout"),
        rows=tuple((label, number(splits["train"].get(key)), number(splits["holdout"].get(key)))
                   for label, key in PERFORMANCE_ROWS if any(key in s for s in splits.values()))
        + (("rows", _rows(splits["train"]), _rows(splits["holdout"])),),
        caption="Model quality of the deterministic 0/1 predictions (log-loss and AUC: of the scores).",
        numeric=(False, True, True))
    blocks: list = [quality]
    priced = [r for r in requirements if r.get("price") is not None or r.get("unconstrained_value") is not None]
    if priced:
        blocks.append(Table(
            columns=("id", "requirement", "unconstrained value", "trained value", "price of fairness"),
            rows=tuple((Cell(str(r.get("id")), mono=True), Cell(statement(r), mono=True),
                        number(r.get("unconstrained_value")), number(r.get("train")), number(r.get("price")))
                       for r in priced),
            caption="Unconstrained value: the metric on training data for the model trained without "
                    "fairness terms. Price: the rise in training loss per unit the bound is tightened.",
            numeric=(False, False, True, True, True)))
    else:
        blocks.append(Paragraph("The backend reported no price of fairness or unconstrained value "
                                "for any requirement."))
    return Section("Cost", "cost", tuple(blocks))


def _rows(split: Mapping[str, Any]) -> str:
    n = split.get("n")
    return str(n) if isinstance(n, int) and not isinstance(n, bool) else MISSING


def frontier_section(frontier: Frontier) -> Section:
    """The frontier's points as a table, the chosen and adopted ones marked, and a plot of its
    first two axes on the training data."""
    if frontier.problem:
        return Section("Trade-off frontier", "frontier",
                       (Paragraph(f"The run folder has a frontier file, but {frontier.problem}."),))
    blocks: list = []
    if frontier.rule:
        blocks.append(Paragraph(f"Choice rule: {frontier.rule}"))
    if frontier.note:
        blocks.append(Paragraph(f"Outcome: {frontier.note}"))
    x_name, y_name = (frontier.objectives + ("", ""))[:2]
    chart = frontier_chart(frontier.objectives, frontier.values, frontier.chosen, frontier.pareto,
                           f"Frontier of {x_name} against {y_name}")
    if chart is not None:
        joined = "the training Pareto front joined" if frontier.pareto else "points joined in x order"
        blocks.append(Figure(chart, caption=f"Each point is one trained model: {x_name} (x) against "
                                            f"{y_name} (y) on the training data; {joined}; the "
                                            "chosen point ringed.",
                             alt=f"Scatter plot of {len(frontier.values)} frontier points"))
    blocks.append(_frontier_table(frontier))
    return Section("Trade-off frontier", "frontier", tuple(blocks))


def _frontier_table(frontier: Frontier) -> Table:
    extras = [(title, texts) for title, texts in (("status", frontier.status), ("plan", frontier.plans))
              if any(texts)]
    columns = ["point", *(title for title, _ in extras)]
    columns += [f"{name} (train / holdout)" if frontier.holdout else name for name in frontier.objectives]
    columns += (["Pareto (train)"] if frontier.pareto else []) + ["choice"]
    rows = []
    for i, row in enumerate(frontier.values):
        cells: list = [str(frontier.labels[i]), *(texts[i] or MISSING for _, texts in extras)]
        cells += [f"{number(value)} / {number(frontier.holdout[i][k])}" if frontier.holdout else number(value)
                  for k, value in enumerate(row)]
        cells += (["yes" if i in frontier.pareto else ""] if frontier.pareto else []) + [_choice(frontier, i)]
        rows.append(tuple(cells))
    chosen = "no point was chosen" if frontier.chosen is None else \
        f"point {frontier.labels[frontier.chosen]} is the one the policy's rule chose"
    adopted = "" if frontier.adopted is None else f"; point {frontier.labels[frontier.adopted]} was adopted later"
    values = len(columns) - 1 - len(extras) - 1 - bool(frontier.pareto)
    numeric = (True, *(False,) * len(extras), *(True,) * values, *(False,) * (1 + bool(frontier.pareto)))
    return Table(tuple(columns), tuple(rows), caption=f"{len(rows)} points; {chosen}{adopted}.",
                 numeric=numeric)


def _choice(frontier: Frontier, position: int) -> Cell | str:
    marks = [word for word, at in (("chosen", frontier.chosen), ("adopted", frontier.adopted)) if at == position]
    return Cell(" and ".join(marks), "good") if marks else ""
