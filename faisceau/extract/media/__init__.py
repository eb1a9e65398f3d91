"""Extractors of the media family: audio and video, described by ffprobe (no transcription yet)."""
