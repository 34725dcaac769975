"""The `fairspec` command: parse arguments, call the Python API, render the result. No logic of its own.

Exit codes: 0 ok · 1 a hard requirement does not hold · 2 bad policy or data · 3 infeasible
hard requirements · 4 an audit ledger or model artifact failed verification.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from fairspec.commands.console import err, fails_cleanly, out, print_whole
from fairspec.errors import EXIT_INPUT, FairspecError

def _load(policy_file: str):
    """The checked policy; its warnings go to stderr (errors raise PolicyError)."""
    from fairspec.language import load_policy_with_warnings

    policy, warnings = load_policy_with_warnings(policy_file)
    for warning in warnings:
        err.print(warning.render(policy.origin.text, policy_file), markup=False)
    return policy


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fairspec")
def main() -> None:
    """fairspec: declare fairness requirements in a policy file; train, measure and audit models."""


@main.command()
@click.argument("policy_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@fails_cleanly
def check(policy_files: tuple[str, ...]) -> None:
    """Parse and check policies; report every error with FILE:LINE:COL, a caret and a hint."""
    from fairspec.compiler import compile_policy
    from fairspec.language import PolicyError, load_policy_with_warnings

    failed = 0
    for path in policy_files:
        try:
            policy, warnings = load_policy_with_warnings(path)
            compile_policy(policy)
        except PolicyError as exc:
            err.print(exc.render(), markup=False)
            failed += 1
            continue
        except FairspecError as exc:
            err.print(f"{path}: {exc.render()}", markup=False)
            failed += 1
            continue
        for warning in warnings:
            err.print(warning.render(policy.origin.text, path), markup=False)
        count = len(policy.requirements)
        out.print(f"{path}: ok ({count} requirement{'s' if count != 1 else ''}"
                  + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else "") + ")",
                  markup=False)
    if failed:
        sys.exit(EXIT_INPUT)


@main.command()
@click.argument("policy_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Exit 1 if a file is not formatted; change nothing.")
@fails_cleanly
def fmt(policy_files: tuple[str, ...], check_only: bool) -> None:
    """Rewrite policies in canonical form (idempotent; comments kept)."""
    from fairspec.language.formatter import format_policy
    from fairspec.language.load import check_text, read_policy_text

    unformatted = 0
    for path in policy_files:
        text = read_policy_text(path)
        policy, _ = check_text(text, path)
        formatted = format_policy(policy)
        if formatted == text:
            continue
        unformatted += 1
        if check_only:
            err.print(f"{path}: would reformat", markup=False)
        else:
            Path(path).write_text(formatted, encoding="utf-8")
            out.print(f"{path}: formatted", markup=False)
    if check_only and unformatted:
        sys.exit(1)


@main.command(name="compile")
@click.argument("policy_file", type=click.Path(dir_okay=False))
@click.option("--explain", is_flag=True, help="Print each requirement's lowering and why (the default).")
@click.option("--json", "as_json", is_flag=True, help="Print the IR as JSON.")
@click.option("--emit", type=click.Choice(["cvxpy"]), help="Print the backend program (needs the data).")
@click.option("--seed", type=int, default=None, help="Override the policy's seed.")
@fails_cleanly
def compile_command(policy_file: str, explain: bool, as_json: bool, emit: str | None, seed: int | None) -> None:
    """Compile a policy to its IR: what each requirement lowers to, on which backend."""
    from fairspec.compiler import compile_policy, explain as explain_program

    program = compile_policy(_load(policy_file), seed=seed)
    if emit == "cvxpy":
        from fairspec.data import prepare
        from fairspec.backends.convex import emit_cvxpy
        out.print(emit_cvxpy(program.fit_request(), prepare(program.data).train), markup=False)
    elif as_json:
        out.print_json(json.dumps(program.to_json()))
    else:
        out.print(explain_program(program), markup=False)


@main.command()
@fails_cleanly
def schema() -> None:
    """Print the JSON Schema of a checked policy."""
    from fairspec.language import Policy

    out.print_json(json.dumps(Policy.model_json_schema()))


@main.command(name="train")
@click.argument("policy_file", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", default="runs", show_default=True, type=click.Path(file_okay=False),
              help="Folder for run folders (model, manifest, result).")
@click.option("--seed", type=int, default=None, help="Override the policy's seed.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option("--no-audit", is_flag=True, help="Do not append a record to the audit ledger.")
@click.option("--resamples", default=1000, show_default=True, help="Bootstrap resamples per interval.")
@fails_cleanly
def train_command(policy_file: str, out_dir: str, seed: int | None, as_json: bool, no_audit: bool,
                  resamples: int) -> None:
    """Compile, train, measure every requirement on train and holdout, save, and audit."""
    from fairspec.pipeline import train

    result = train(_load(policy_file), seed=seed, out=out_dir, audit=not no_audit, n_resamples=resamples)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        _print_train(result)
    sys.exit(result.exit_code)


def _fmt(value, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _print_train(result) -> None:
    data = result.to_json()
    out.print(f"[bold]{data['policy']['name']}[/]  model {data['model']['family']} · backend "
              f"{data['model']['backend']} · seed {data['seed']}")
    perf = Table(title="cost: model quality", title_justify="left")
    for col in ("split", "accuracy", "log-loss", "AUC", "selected", "rows"):
        perf.add_column(col, justify="right" if col != "split" else "left")
    for split in ("train", "holdout"):
        p = data["performance"][split]
        perf.add_row(split, _fmt(p.get("accuracy")), _fmt(p.get("log_loss")), _fmt(p.get("auc")),
                     _fmt(p.get("selection_rate"), 3), str(p.get("n")))
    out.print(perf)
    table = Table(title="requirements", title_justify="left")
    for col in ("id", "requirement", "mode", "train", "holdout [95% CI]", "verdict", "lowering"):
        table.add_column(col)
    for r in result.requirements:
        j = r.to_json()
        ci = j["holdout_ci"]
        holdout = _fmt(j["holdout"]) + (f" [{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else "")
        colour = {"holds": "green", "fails": "red"}.get(j["verdict"], "yellow")
        table.add_row(j["id"], r.requirement.describe(), j["mode"], _fmt(j["train"]), holdout,
                      f"[{colour}]{j['verdict']}[/]", j["lowering"] if j["status"] == "enforced" else "not enforced")
    out.print(table)
    if result.certificate is not None:
        _print_certificate(result.certificate)
    for proxy in data["proxies"]:
        out.print(f"[yellow]proxy[/]: {proxy['feature']} predicts {proxy['attribute']} "
                  f"(AUC {proxy['auc']:.3f}): {proxy['detail']}")
    for note in data["notes"]:
        out.print(f"note: {note}", markup=False)
    if data["run_dir"]:
        out.print(f"model saved in {data['run_dir']}", markup=False)
    if data["audit"]:
        out.print(f"audit record #{data['audit']['index']} appended to {data['audit']['ledger']}", markup=False)
    if not result.hard_requirements_hold:
        failing = [r.requirement.id for r in result.requirements
                   if r.requirement.mode == "hard" and not r.holds]
        err.print(f"hard requirement{'s' if len(failing) > 1 else ''} not met on training data: "
                  f"{', '.join(failing)}", markup=False)


def _print_certificate(certificate) -> None:
    table = Table(title=f"certificate: all hold on unseen data with probability >= "
                        f"{certificate.joint_confidence:.4g} ({certificate.budget_rule})", title_justify="left")
    for col in ("id", "requirement", "δ", "method", "safety rows", "safety value", "certified bound", "result"):
        table.add_column(col)
    for c in certificate.requirements:
        table.add_row(c.requirement, c.metric, f"{c.delta:.4g} (test {c.test_delta:.4g})", c.method, str(sum(c.safety_rows.values())),
                      _fmt(c.safety_value), _fmt(c.certified_bound),
                      "[green]certified[/]" if c.passed else "[red]not certified[/]")
    out.print(table)


@main.group()
def audit() -> None:
    """Verify, show and compare the records of an audit ledger."""


@audit.command("verify")
@click.argument("ledger", type=click.Path(dir_okay=False))
@fails_cleanly
def audit_verify(ledger: str) -> None:
    """Exit 0 if the hash chain is intact; else name the first bad record and exit 4."""
    from fairspec.audit.ledger import Ledger

    if not Path(ledger).is_file():
        raise FairspecError(f"no ledger at {ledger}")
    verification = Ledger(ledger).verify()
    verification.raise_if_bad()
    out.print(f"{ledger}: {verification.count} records, chain intact", markup=False)


@audit.command("show")
@click.argument("ledger", type=click.Path(dir_okay=False))
@click.option("--requirement", default=None, help="Only this requirement's column.")
@fails_cleanly
def audit_show(ledger: str, requirement: str | None) -> None:
    """A table of every run in the ledger: measured values and verdicts per requirement."""
    from fairspec.audit.inspect import show_table
    from fairspec.audit.ledger import Ledger

    print_whole(show_table(list(Ledger(ledger).records()), requirement=requirement))


@audit.command("diff")
@click.argument("ledger", type=click.Path(dir_okay=False))
@click.argument("a")
@click.argument("b")
@fails_cleanly
def audit_diff(ledger: str, a: str, b: str) -> None:
    """What changed between two runs (record index or run id): policy, data, metrics, verdicts."""
    from fairspec.audit.inspect import diff_records, render_diff
    from fairspec.audit.lookup import find_record
    from fairspec.audit.ledger import Ledger

    records = list(Ledger(ledger).records())
    out.print(render_diff(diff_records(find_record(records, a), find_record(records, b))), markup=False)


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.argument("data_file", type=click.Path(dir_okay=False, exists=True))
@click.option("--ledger", type=click.Path(dir_okay=False), default=None,
              help="The audit ledger that must list this model (default: the run's policy ledger).")
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write predictions as CSV here.")
@fails_cleanly
def predict(run_dir: str, data_file: str, ledger: str | None, output: str | None) -> None:
    """Predict with a saved model after checking its hash against the audit ledger."""
    from fairspec.predict import predict_file

    frame = predict_file(Path(run_dir), Path(data_file), Path(ledger) if ledger else None)
    if output:
        frame.to_csv(output, index=False)
        out.print(f"{len(frame)} predictions written to {output}", markup=False)
    else:
        click.echo(frame.to_csv(index=False), nl=False)


def _register_commands() -> None:
    from fairspec.commands.frontier import explore, frontier, select
    from fairspec.commands.report import report

    for command in (frontier, select, explore, report):
        main.add_command(command)


_register_commands()

if __name__ == "__main__":
    main()
