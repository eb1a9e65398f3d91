"""What ffprobe says of an audio or video file: duration, streams and codecs, tags, place.

Why ffprobe (Debian's `ffmpeg`) and not mutagen: the voice memos and videos of a leak come as
m4a, mp3, ogg/opus, wav, amr, 3gp, mp4, mov, mkv/webm and avi. mutagen (pure Python, tags first)
reads none of amr, mkv/webm or avi, and no video codec or frame size; ffprobe reads all of them.
It costs about 145 MB of Debian packages, and runs as a separate process: a hostile file can
crash or hang only that process, which runs without network and within the unit's time limit.

ffprobe could follow references to other files or URLs (playlists, concat scripts, HLS):
only the demuxers of single media files are allowed, and only the `file` protocol.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from ...exc import ExtractionError, Truncated
from ...model import Extracted
from ..base import Context

# Demuxers of single media files; anything else (hls, concat, image2, tee, sdp…) is refused.
DEMUXERS = ("mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mp3,ogg,wav,w64,amr,amrnb,amrwb,flac,aac,asf,"
            "aiff,caf,mpeg,mpegts,flv,au,ape,wv,tta,dsf,mpc,mpc8,rm,ivf,m4v,h264,hevc,dv,nut,gsm,ac3,eac3,"
            "dts,mlp,truehd,xwma,voc,smjpeg")
MAX_TAG = 500  # characters kept of one tag value
# Tags that name the thing or who made it, in ffprobe's lower-cased keys, as document metadata.
_TAG_FIELDS = (("title", "title"), ("artist", "author"), ("author", "author"), ("album", "album"),
               ("comment", "description"), ("description", "description"), ("encoder", "creator"),
               ("com.apple.quicktime.software", "creator"), ("copyright", "copyright"))
# Stream tags that describe the track, not the recording.
_STREAM_ONLY = frozenset({"language", "handler_name", "vendor_id", "duration", "encoder"})
_ADDRESS = re.compile(r"^\[[^\]]*@ 0x[0-9a-f]+\]\s*")  # "[mp3 @ 0x55d1…]": a pointer, not a reason
_ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?")


def probe(path: Path, ctx: Context) -> dict[str, Any]:
    """ffprobe's JSON for the file; ExtractionError (or Truncated) when it cannot read it."""
    ffprobe = ctx.tool("ffprobe")
    given = f"file:{path}"  # never read as a protocol prefix such as "concat:" or "http:"
    result = ctx.run([ffprobe, "-v", "error", "-hide_banner", "-print_format", "json", "-show_format",
                      "-show_streams", "-protocol_whitelist", "file", "-format_whitelist", DEMUXERS, given])
    try:
        data = json.loads(result.stdout or b"{}")
    except ValueError:
        data = {}
    if result.returncode != 0 or "format" not in data:
        raise _failure(result.stderr.decode("utf-8", "replace").replace(given, "").replace(str(path), ""),
                       result.returncode)
    return data


def _failure(said: str, code: int) -> ExtractionError:
    """A stable, human reason from ffprobe's complaints (its last line names the cause)."""
    lines = [_ADDRESS.sub("", ln).strip(" :") for ln in said.splitlines()]
    lines = [ln for ln in lines if ln]
    text = " ".join(lines).lower()
    if "not on whitelist" in text or "unsafe file name" in text:
        return ExtractionError("unreadable media: a playlist or script naming other files, not read")
    if "end of file" in text or "truncat" in text:
        return Truncated()
    last = lines[-1] if lines else f"ffprobe exited {code}"
    if last.lower() in ("invalid argument", "invalid data found when processing input"):
        return ExtractionError("unreadable media: format not recognised")
    return ExtractionError(f"unreadable media: {last[:120]}")


def describe(data: dict[str, Any], doc: Extracted) -> str:
    """Fill doc's metadata from ffprobe's JSON; the kind found: `video` or `audio`.

    A video stream that is only a cover picture (an m4a's artwork) does not make a video."""
    fmt = data.get("format") or {}
    streams = [s for s in data.get("streams") or [] if isinstance(s, dict)]
    video = [s for s in streams if s.get("codec_type") == "video"
             and not (s.get("disposition") or {}).get("attached_pic")]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not video and not audio:
        raise ExtractionError("no audio or video stream")
    meta = doc.metadata
    duration = _number(fmt.get("duration")) or max((_number(s.get("duration")) or 0.0 for s in streams), default=0.0)
    if duration:
        meta["duration"] = round(duration, 3)
    meta["container"] = fmt.get("format_long_name") or fmt.get("format_name")
    bit_rate = _number(fmt.get("bit_rate"))
    if bit_rate:
        meta["bit_rate"] = int(bit_rate)
    if audio:
        a = audio[0]
        meta["audio_codec"] = a.get("codec_name")
        for key in ("sample_rate", "channels"):
            if _number(a.get(key)):
                meta[key] = int(_number(a.get(key)) or 0)
        if a.get("channel_layout"):
            meta["channel_layout"] = a["channel_layout"]
    if video:
        v = video[0]
        meta["video_codec"] = v.get("codec_name")
        if v.get("width") and v.get("height"):
            meta["width"], meta["height"] = int(v["width"]), int(v["height"])
        rate = _fraction(v.get("avg_frame_rate")) or _fraction(v.get("r_frame_rate"))
        if rate:
            meta["frame_rate"] = round(rate, 3)
    meta["streams"] = [_stream(s) for s in streams[:32]]
    # Ogg and FLAC keep their comments on the audio stream, not on the container
    stream_tags = {k: v for k, v in ((audio or video)[0].get("tags") or {}).items()
                   if str(k).lower() not in _STREAM_ONLY}
    _tags({**stream_tags, **(fmt.get("tags") or {})}, streams, meta)
    return "video" if video else "audio"


def _stream(s: dict[str, Any]) -> dict[str, Any]:
    out = {"type": s.get("codec_type"), "codec": s.get("codec_name")}
    language = (s.get("tags") or {}).get("language")
    if language and language != "und":
        out["language"] = language
    return out


def _tags(tags: dict[str, Any], streams: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    """Container tags by name, and what they say of title, author, date, device and place."""
    clean = {str(k).lower(): _text(v) for k, v in tags.items()}
    clean = {k: v for k, v in clean.items() if v}
    if clean:
        meta["tags"] = clean
    for key, field in _TAG_FIELDS:
        if clean.get(key) and field not in meta:
            meta[field] = clean[key]
    # iPhone videos and voice memos: creation_time (UTC), Apple's make/model and ISO 6709 place
    created = clean.get("com.apple.quicktime.creationdate") or clean.get("creation_time") or clean.get("date")
    if not created:
        created = next((_text((s.get("tags") or {}).get("creation_time")) for s in streams
                        if (s.get("tags") or {}).get("creation_time")), None)
    if created and not created.startswith("1904-01-01") and not created.startswith("1970-01-01"):
        meta["created"] = created.replace(".000000Z", "Z")  # QuickTime's zero date means "unset"
    make = clean.get("com.apple.quicktime.make") or clean.get("make") or ""
    model = clean.get("com.apple.quicktime.model") or clean.get("model") or ""
    if make or model:
        meta["device"] = model if make and model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    place = clean.get("com.apple.quicktime.location.iso6709") or clean.get("location")
    m = _ISO6709.match(place or "")
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
        if abs(lat) <= 90 and abs(lon) <= 180:
            meta["gps_latitude"], meta["gps_longitude"] = round(lat, 7), round(lon, 7)
            if m.group(3):
                meta["gps_altitude"] = round(float(m.group(3)), 2)


def _text(value: Any) -> str | None:
    if not isinstance(value, str | int | float):
        return None
    text = str(value).replace("\x00", "").strip()
    return text[:MAX_TAG] or None


def _number(value: Any) -> float | None:
    try:
        n = float(value)
    except (TypeError, ValueError):
        return None
    return n if math.isfinite(n) and n > 0 else None


def _fraction(value: Any) -> float | None:
    """'30000/1001' → 29.97; None for 0/0 and other nonsense."""
    if not isinstance(value, str) or "/" not in value:
        return _number(value)
    num, _, den = value.partition("/")
    top, bottom = _number(num), _number(den)
    return top / bottom if top and bottom else None
