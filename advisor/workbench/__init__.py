"""Tools for rule editors: checks, cases, generated timelines, impact, coverage, tables."""
