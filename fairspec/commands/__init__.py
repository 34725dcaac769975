"""CLI commands that live in their own modules; `fairspec.cli` registers each on the main group."""
