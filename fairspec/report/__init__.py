"""Reports a reviewer can read: a train run as a self-contained HTML page or as Markdown.

A report shows the policy, each requirement's verdict with train and holdout values and their
intervals, per-group rates, the cost in model quality, the data summary and the audit record that
vouches for the run: the material of a model card or a bias-audit filing.
"""

from fairspec.report.render import render_html, render_markdown, write_report

__all__ = ["render_html", "render_markdown", "write_report"]
