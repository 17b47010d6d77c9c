"""Where a wish came from: the kinds of people who bring a need to the community first (网格员,
楼长, 社区医生, the resident themself, or someone else) and, optionally, who. A wish's source is
shown to its community's coordinators only (bot/wishes/sources.py reads and writes it)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class SourceKind(StrEnum):
    GRID_WORKER = "grid_worker"  # 网格员
    BUILDING_HEAD = "building_head"  # 楼长
    DOCTOR = "doctor"  # 社区医生
    SELF_REPORTED = "self_reported"  # 居民自报
    OTHER = "other"


class WishSource(BaseModel):
    """A kind and, optionally, a name (or, for "other", what the source was)."""

    model_config = ConfigDict(frozen=True)

    kind: SourceKind
    name: str | None = None
