"""The audit trail: a hash-chained ledger of runs, record schemas, safe artifacts, run folders.

Modules: `canonical` (canonical JSON), `ledger` (append/verify), `schema` (JSON Schemas),
`record` (result digest, environment), `artifacts` (manifests, safe formats), `runs` (atomic run
folders), `durable` (fsync), `inspect` (tables and diffs of runs), `errors`; `publish` and `lookup` connect them to
the train pipeline and the CLI.
"""
