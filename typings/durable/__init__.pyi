# durable_rules 2.0.28 ships no types; advisor.engine uses only `durable.engine` (see engine.pyi).
