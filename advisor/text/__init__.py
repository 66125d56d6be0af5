"""The one way sentences for people are made: Jinja2 with Babel in a sandbox, details, inflection."""
