"""The job_progress collection: where each sweep stands, one document per job, by name.

    {_id: "score_churn", version, pass_started_at, after, after_at, done, runs, finished_at,
     passes, last_run_at, held_until}

Every write is one insert or one update by `_id` and `version` (compare-and-set), which is
atomic on MongoDB and, with writes serialized per document, on FerretDB too. Two runs of one
job that start together both read the document; only one of them moves its version, and the
other leaves the job to it (`claim` answers None).
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from domain.sweeps import Position, SweepProgress
from storage.collection import Collection
from storage.documents import opt_utc


def progress_from_doc(doc: dict[str, Any]) -> SweepProgress:
    after = doc.get("after")
    return SweepProgress(
        job=doc["_id"],
        version=doc["version"],
        pass_started_at=opt_utc(doc.get("pass_started_at")),
        after=None if after is None else Position(after, opt_utc(doc.get("after_at"))),
        done=doc.get("done", 0),
        runs=doc.get("runs", 0),
        finished_at=opt_utc(doc.get("finished_at")),
        passes=doc.get("passes", 0),
        last_run_at=opt_utc(doc.get("last_run_at")),
        held_until=opt_utc(doc.get("held_until")),
    )


def progress_to_fields(progress: SweepProgress) -> dict[str, Any]:
    """Every field but `_id` and `version`."""
    after = progress.after
    return {
        "pass_started_at": progress.pass_started_at,
        "after": None if after is None else after.member_id,
        "after_at": None if after is None else after.at,
        "done": progress.done,
        "runs": progress.runs,
        "finished_at": progress.finished_at,
        "passes": progress.passes,
        "last_run_at": progress.last_run_at,
        "held_until": progress.held_until,
    }


class MongoSweepProgress:
    def __init__(self, progress: Collection) -> None:
        self._progress = progress

    async def get(self, job: str) -> SweepProgress | None:
        doc = await self._progress.find_one({"_id": job})
        return None if doc is None else progress_from_doc(doc)

    async def claim(self, job: str, now: datetime, until: datetime) -> SweepProgress | None:
        found = await self.get(job)
        if found is None:
            with contextlib.suppress(DuplicateKeyError):  # another run made it first
                await self._progress.insert_one(
                    {"_id": job, "version": 0, **progress_to_fields(SweepProgress(job))}
                )
            found = await self.get(job)
            assert found is not None, f"job_progress {job} vanished"
        if found.held_until is not None and found.held_until > now:
            return None
        return await self.save(dataclasses.replace(found, held_until=until))

    async def save(self, progress: SweepProgress) -> SweepProgress | None:
        result = await self._progress.update_one(
            {"_id": progress.job, "version": progress.version},
            {"$set": progress_to_fields(progress), "$inc": {"version": 1}},
        )
        if result.matched_count != 1:
            return None
        return dataclasses.replace(progress, version=progress.version + 1)
