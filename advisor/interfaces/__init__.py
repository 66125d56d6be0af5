"""The ways in: the CLI, question mode, the page, HTTP, batch, the watch list."""
