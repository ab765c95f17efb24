"""The report's score tables: autograded and manually graded points kept apart.

A percentage of the autograded points is what the histogram shows; manually graded items
(answers a person reads in Formgrader) are counted on their own, with how many are graded so
far, so an assignment with a written answer does not seem to top out below 100% before
manual grading.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from course_lib._pipeline.log import GradeOutcome

__all__ = ["SCORE_COLUMNS", "score_stats", "score_table"]

SCORE_COLUMNS = [
    "assignment",
    "student",
    "auto_score",
    "auto_max_score",
    "percent",
    "manual_score",
    "manual_max_score",
    "manual_pending",
    "status",
]


def _points(scores: pd.DataFrame, graded_by: str) -> pd.Series:
    """Points per assignment of the items graded ``graded_by`` (``auto`` or ``manual``)."""
    part = scores[scores["graded_by"] == graded_by]
    return part.groupby(["assignment", "item"])["max_score"].max().groupby("assignment").sum()


def score_table(scores: pd.DataFrame, outcomes: Sequence[GradeOutcome]) -> pd.DataFrame:
    """One row per submission: autograded score and points, ``percent`` of the autograded
    points, manual score and points, ``manual_pending`` (items still to grade by hand) and
    ``status`` (``graded`` or ``failed: <reason>``; a failed submission scores 0).

    ``scores`` holds one row per graded item (``item_scores``); ``outcomes`` come from the
    grading log, so a submission nbgrader could not grade at all is listed too.
    """
    keys = ["assignment", "student"]
    by_outcome = {(o.assignment, o.student): o for o in outcomes}
    graded_assignments = set(scores["assignment"])
    pairs = set(zip(scores["assignment"], scores["student"], strict=True))
    pairs |= {key for key in by_outcome if key[0] in graded_assignments}
    table = pd.DataFrame(sorted(pairs), columns=keys)
    for graded_by in ("auto", "manual"):
        part = scores[scores["graded_by"] == graded_by]
        sums = part.groupby(keys)["score"].sum().rename(f"{graded_by}_score")
        table = table.merge(sums.reset_index(), on=keys, how="left")
        points = _points(scores, graded_by)
        table[f"{graded_by}_max_score"] = table["assignment"].map(points).fillna(0.0)
        table[f"{graded_by}_score"] = table[f"{graded_by}_score"].fillna(0.0)
    manual = scores[scores["graded_by"] == "manual"]
    pending = manual.groupby(keys)["needs_manual_grade"].sum().rename("manual_pending")
    table = table.merge(pending.reset_index(), on=keys, how="left")
    table["manual_pending"] = table["manual_pending"].fillna(0).astype(int)
    status = []
    for assignment, student in zip(table["assignment"], table["student"], strict=True):
        outcome = by_outcome.get((str(assignment), str(student)))
        status.append("graded" if outcome is None or outcome.ok else f"failed: {outcome.reason}")
    table["status"] = status
    failed = table["status"] != "graded"
    table.loc[failed, ["auto_score", "manual_score"]] = 0.0
    table.loc[failed, "manual_pending"] = 0
    auto_max = table["auto_max_score"].where(table["auto_max_score"] > 0)
    table["percent"] = 100 * table["auto_score"] / auto_max
    return table.reindex(columns=SCORE_COLUMNS).sort_values(keys, ignore_index=True)


def score_stats(scores: pd.DataFrame) -> pd.DataFrame:
    """Per assignment: trainees, autograded points and the spread of the percentage earned,
    manual points, how many graded submissions have every manual item graded ("hand-graded",
    k of n) and their mean manual score."""
    rows = []
    for assignment, part in scores.groupby("assignment"):
        percent = part["percent"].dropna()
        has_manual = bool((part["manual_max_score"] > 0).any())
        graded = part[part["status"] == "graded"]
        done = graded[graded["manual_pending"] == 0]
        rows.append(
            {
                "assignment": assignment,
                "trainees": len(part),
                "autograded points": float(part["auto_max_score"].max()),
                "mean %": float(percent.mean()) if len(percent) else float("nan"),
                "min %": float(percent.min()) if len(percent) else float("nan"),
                "median %": float(percent.median()) if len(percent) else float("nan"),
                "max %": float(percent.max()) if len(percent) else float("nan"),
                "manual points": float(part["manual_max_score"].max()) if has_manual else 0.0,
                "hand-graded": f"{len(done)} of {len(graded)}" if has_manual else "no manual items",
                "mean manual score": (
                    float(done["manual_score"].mean()) if has_manual and len(done) else float("nan")
                ),
            }
        )
    return pd.DataFrame(rows)
