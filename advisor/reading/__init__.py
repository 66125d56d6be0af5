"""What the buyer or a tracker gives, read: facts, pasted pages, payloads, status lines, places, the code."""
