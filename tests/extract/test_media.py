"""Audio and video read by ffprobe, on files written here: WAV by the `wave` module, AMR by hand,
the others by ffmpeg's real encoders (Debian's ffmpeg, the package that brings ffprobe)."""

from __future__ import annotations

import dataclasses
import math
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import pytest
from conftest import IN_CI

from faisceau import settings as settings_mod
from faisceau.exc import ExtractionError, Skipped
from faisceau.extract.base import Context, Probe, choose
from faisceau.extract.identify import probe as make_probe
from faisceau.extract.media.audio import AudioExtractor
from faisceau.extract.media.video import VideoExtractor
from faisceau.model import Extracted


def need(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        if IN_CI:
            pytest.fail(f"{tool} not installed (required under CI=true)")
        pytest.skip(f"{tool} not installed")
    return found


def ffmpeg(out: Path, *args: str, video: bool = False, seconds: float = 2.0) -> Path:
    """Encode `seconds` of a 440 Hz tone (and a test picture) with ffmpeg's encoders."""
    inputs = ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    if video:
        inputs = ["-f", "lavfi", "-i", f"testsrc=size=320x240:rate=25:duration={seconds}", *inputs]
    subprocess.run([need("ffmpeg"), "-v", "error", "-y", *inputs, *args, str(out)], check=True, timeout=120)
    return out


def run(path: Path, ctx: Context) -> Extracted:
    """The extract stage's way: probe, choose, extract, with the MIME libmagic found."""
    pr = make_probe(path, path.name)
    cls = choose(pr)
    assert cls is not None, pr.mime
    doc = Extracted(mime=pr.mime, kind=cls.KIND)
    assert list(cls().extract(path, doc, ctx)) == []
    return doc


@pytest.fixture
def media_ctx(ctx: Context) -> Context:
    need("ffprobe")
    return ctx


def test_wav_written_by_the_wave_module(tmp_path: Path, media_ctx: Context) -> None:
    path = tmp_path / "appel.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 5))) for i in range(8000 * 3)))
    doc = run(path, media_ctx)
    m = doc.metadata
    assert doc.kind == "audio" and doc.text == ""
    assert m["duration"] == 3.0 and m["audio_codec"] == "pcm_s16le"
    assert (m["sample_rate"], m["channels"]) == (8000, 1)
    assert m["streams"] == [{"type": "audio", "codec": "pcm_s16le"}]


@pytest.mark.parametrize("name, args, codec", [
    ("memo.m4a", ("-c:a", "aac"), "aac"),
    ("call.mp3", ("-c:a", "libmp3lame"), "mp3"),
    ("note.ogg", ("-c:a", "libvorbis"), "vorbis"),
    ("voice.opus", ("-c:a", "libopus"), "opus"),
    ("memo.flac", ("-c:a", "flac"), "flac"),
])
def test_voice_memo_formats(tmp_path: Path, media_ctx: Context, name: str, args: tuple[str, ...],
                            codec: str) -> None:
    tags = ("-metadata", "title=Mémo du 3 mars", "-metadata", "artist=Jeanne Martin")
    doc = run(ffmpeg(tmp_path / name, *args, *tags), media_ctx)
    m = doc.metadata
    assert doc.kind == "audio" and m["audio_codec"] == codec
    assert m["duration"] == pytest.approx(2.0, abs=0.06)
    assert m["title"] == "Mémo du 3 mars" and m["author"] == "Jeanne Martin"
    assert "video_codec" not in m


def test_amr_voice_memo_written_by_hand(tmp_path: Path, media_ctx: Context) -> None:
    """AMR-NB storage format (RFC 4867 §5): the magic, then 20 ms frames; NO_DATA frames are one byte."""
    path = tmp_path / "rec.amr"
    path.write_bytes(b"#!AMR\n" + b"\x7c" * 150)
    doc = run(path, media_ctx)
    assert doc.kind == "audio" and doc.metadata["audio_codec"] == "amr_nb"
    assert doc.metadata["duration"] == pytest.approx(3.0, abs=0.05) and doc.metadata["sample_rate"] == 8000


@pytest.mark.parametrize("name, args, vcodec, acodec", [
    ("clip.mp4", ("-c:v", "libx264", "-c:a", "aac"), "h264", "aac"),
    ("clip.mov", ("-c:v", "libx264", "-c:a", "aac"), "h264", "aac"),
    ("clip.mkv", ("-c:v", "libx264", "-c:a", "libvorbis"), "h264", "vorbis"),
    ("clip.webm", ("-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus"), "vp9", "opus"),
    ("clip.avi", ("-c:v", "mpeg4", "-c:a", "libmp3lame"), "mpeg4", "mp3"),
    ("clip.3gp", ("-c:v", "libx264", "-c:a", "aac"), "h264", "aac"),
])
def test_video_formats(tmp_path: Path, media_ctx: Context, name: str, args: tuple[str, ...], vcodec: str,
                       acodec: str) -> None:
    doc = run(ffmpeg(tmp_path / name, *args, video=True), media_ctx)
    m = doc.metadata
    assert doc.kind == "video"
    assert (m["video_codec"], m["audio_codec"], m["width"], m["height"]) == (vcodec, acodec, 320, 240)
    assert m["frame_rate"] == 25.0 and m["duration"] == pytest.approx(2.0, abs=0.15)
    assert [s["type"] for s in m["streams"]] == ["video", "audio"]


def test_iphone_video_date_device_and_place(tmp_path: Path, media_ctx: Context) -> None:
    path = ffmpeg(tmp_path / "IMG_0042.MOV", "-c:v", "libx264", "-c:a", "aac", "-movflags", "use_metadata_tags",
                  "-metadata", "location=+43.2960+005.3700+038.250/", "-metadata", "creation_time=2023-11-04T17:22:07Z",
                  "-metadata", "make=Apple", "-metadata", "model=iPhone 13 mini", video=True, seconds=1)
    m = run(path, media_ctx).metadata
    assert m["created"] == "2023-11-04T17:22:07Z" and m["device"] == "Apple iPhone 13 mini"
    assert (m["gps_latitude"], m["gps_longitude"], m["gps_altitude"]) == (43.296, 5.37, 38.25)


def test_sound_only_mp4_is_audio(tmp_path: Path, media_ctx: Context) -> None:
    path = ffmpeg(tmp_path / "recording.mp4", "-c:a", "aac")
    assert choose(make_probe(path, path.name)) is VideoExtractor  # its name and MIME say video…
    doc = run(path, media_ctx)
    assert doc.kind == "audio" and "video_codec" not in doc.metadata  # …its streams say audio


def test_hostile_and_broken_media(tmp_path: Path, media_ctx: Context) -> None:
    script = tmp_path / "evil.mp3"  # an ffconcat script would make ffprobe open another file
    script.write_bytes(b"ffconcat version 1.0\nfile /etc/passwd\n")
    with pytest.raises(ExtractionError) as err:
        AudioExtractor().extract(script, Extracted(), media_ctx).__next__()
    assert err.value.reason == "unreadable media: a playlist or script naming other files, not read"
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(ExtractionError) as err:
        AudioExtractor().extract(junk, Extracted(), media_ctx).__next__()
    assert err.value.reason.startswith("unreadable media: ")
    assert str(tmp_path) not in err.value.reason and "0x" not in err.value.reason


def test_missing_ffprobe_is_a_skip(tmp_path: Path, ctx: Context) -> None:
    path = tmp_path / "a.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000), w.writeframes(bytes(1600))
    cfg = settings_mod.load(environ={"FAISCEAU_FFPROBE": "/nonexistent/ffprobe"})
    with pytest.raises(Skipped) as err:
        AudioExtractor().extract(path, Extracted(), dataclasses.replace(ctx, settings=cfg)).__next__()
    assert err.value.reason == "ffprobe not installed"


def test_match() -> None:
    def probe(name: str, mime: str, head: bytes) -> Probe:
        return Probe(name=name, mime=mime, head=head, size=len(head))

    assert AudioExtractor.match(probe("x", "application/octet-stream", b"RIFF\0\0\0\0WAVEfmt ")) > 0
    assert AudioExtractor.match(probe("x", "application/octet-stream", b"RIFF\0\0\0\0WEBPVP8 ")) == 0
    assert VideoExtractor.match(probe("x", "application/octet-stream", b"RIFF\0\0\0\0AVI LIST")) > 0
    assert VideoExtractor.match(probe("x", "application/octet-stream", b"\0\0\0\x18ftypheic")) == 0
    assert VideoExtractor.match(probe("x", "application/octet-stream", b"\x1a\x45\xdf\xa3\x01")) > 0
