"""Fired rules made into the typed advice, and the plan's guarantees."""
