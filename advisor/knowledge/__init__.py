"""The rules directory read into knowledge: rule files, track-code formats, posts, providers, seasons, places."""
