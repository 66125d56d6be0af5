"""Facts derived for the rules and the rules run on durable_rules."""
