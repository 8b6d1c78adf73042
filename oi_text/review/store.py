"""The review store: the source of truth for analysts' decisions.

A *run* holds the items of one classification (``oi-text classify`` output joined with the
texts): per ecosystem, every flagged record, the unflagged records just under the threshold, and
records where keywords and classifier disagree. Decisions are an append-only log (accept /
reject with a reason code / unsure; undo is a new event that points at the one it cancels).
Every write is one transaction through :class:`~oi_text.review.db.Database`, committed before
the call returns.

Sampling is kept apart by purpose (each decision remembers which):

- **audit**: items are drawn at random within strata (score bands of the flagged items, and the
  near-miss band under the threshold), keeping the reviews proportional to the strata; only
  audit decisions feed the estimates;
- **learning**: the most uncertain items and keyword/classifier disagreements, to improve the
  model; they never enter the estimates.

Two reviewers never hold the same item: serving an item claims it for 15 minutes.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..errors import ConfigError, OiTextError, did_you_mean
from .db import Database, now
from .estimate import Estimate, Stratum, estimate, reviews_needed

logger = logging.getLogger(__name__)

Kind = Literal["accept", "reject", "unsure"]
Purpose = Literal["audit", "learning"]

#: reason codes for rejections (the web page offers them; free text goes in the note)
REASONS = {
    "mentions-only": "mentions the technology but does not develop or research it (e.g. an app that uses AI)",
    "other-ecosystem": "belongs to another ecosystem",
    "boilerplate": "only programme boilerplate; no real content",
    "too-vague": "too little text to tell",
    "not-rd": "not research, development or innovation",
    "other": "other (see note)",
}
NEAR_MISS_BAND = 0.15
CLAIM_SECONDS = 15 * 60
FLAGGED_BANDS = 3
#: the classifier's own vote, for "keywords and classifier disagree": its calibrated probability
#: at 0.5 (the item threshold is on the blended score's scale, not the probability's)
CLASSIFIER_VOTE = 0.5


class ReviewError(OiTextError):
    """A request the store cannot honour; ``status`` is the HTTP status the web layer uses."""

    status = 400


class NotFound(ReviewError):
    status = 404


class Conflict(ReviewError):
    status = 409


class Forbidden(ReviewError):
    status = 403


@dataclass
class RunInfo:
    id: int
    name: str
    created_at: str
    ecosystems: list[str]
    thresholds: dict[str, float]


class ReviewStore:
    """Runs, items, decisions and reviewers in SQLite (default) or PostgreSQL.

    Examples
    --------
    >>> import tempfile, os
    >>> store = ReviewStore(os.path.join(tempfile.mkdtemp(), "review.sqlite"))
    >>> token = store.add_reviewer("anna")
    >>> store.reviewer(token)
    'anna'
    """

    def __init__(self, url: str | Path) -> None:
        self.db = Database(url)

    def close(self) -> None:
        self.db.close()

    # -----------------------------------------------------------------------------------------
    # reviewers

    def add_reviewer(self, name: str) -> str:
        """Register a reviewer; returns their token (shown once)."""
        name = name.strip()
        if not name:
            raise ConfigError("a reviewer needs a name")
        token = secrets.token_urlsafe(18)
        try:
            with self.db.transaction():
                self.db.execute("INSERT INTO reviewers (token, name, created_at) VALUES (?, ?, ?)", (token, name, now()))
        except self.db.integrity_errors:
            raise Conflict(f"a reviewer named {name!r} exists already; pick another name") from None
        return token

    def reviewer(self, token: str | None) -> str | None:
        """The reviewer's name for ``token``, or None."""
        if not token:
            return None
        rows = self.db.query("SELECT name FROM reviewers WHERE token = ? AND active = 1", (token,))
        return rows[0]["name"] if rows else None

    def reviewers(self) -> list[str]:
        return [r["name"] for r in self.db.query("SELECT name FROM reviewers WHERE active = 1 ORDER BY name")]

    # -----------------------------------------------------------------------------------------
    # runs and items

    def create_run(
        self,
        name: str,
        scores: Any,  # DataFrame: id, ecosystem, score, predicted, matched_terms, classifier_score, keyword_match
        texts: dict[str, str],
        *,
        thresholds: dict[str, float] | None = None,
        model_card: dict[str, Any] | None = None,
        source: str | None = None,
        seed: int = 0,
        learning_per_ecosystem: int = 200,
    ) -> RunInfo:
        """Load classification scores into a new run (items for review, audit strata, order)."""
        import pandas as pd

        if self.db.query("SELECT id FROM runs WHERE name = ?", (name,)):
            raise Conflict(f"a run named {name!r} exists already; choose another --run name")
        needed = {"id", "ecosystem", "score", "predicted"}
        missing = needed - set(scores.columns)
        if missing:
            raise ConfigError(f"scores lack column(s) {sorted(missing)}; give the output of 'oi-text classify'")
        thresholds = dict(thresholds or {})
        rng = np.random.default_rng(seed)
        rows: list[tuple[Any, ...]] = []
        for eco, g in scores.groupby("ecosystem", sort=True):
            pred = g.predicted.astype(bool).to_numpy()
            score = g.score.to_numpy(dtype=float)
            if eco in thresholds:
                t = float(thresholds[eco])
                if (pred & (score < t - 1e-6)).any() or (~pred & (score >= t + 1e-6)).any():
                    raise ConfigError(
                        f"{eco}: the scores' decisions do not follow the model's threshold {t:.3f} (flagged items "
                        "score below it, or unflagged ones above): these scores come from another model than "
                        "--model; give the model that classified them")
            else:  # no model given: the threshold the decisions imply (the lowest flagged score)
                t = float(score[pred].min()) if pred.any() else 0.5
            thresholds[eco] = t
            g = g.copy()
            g["stratum"] = None
            flagged = g[g.predicted.astype(bool)]
            if len(flagged):
                k = min(FLAGGED_BANDS, len(flagged))
                edges = np.quantile(flagged.score, np.linspace(0, 1, k + 1))
                band = np.clip(np.searchsorted(edges[1:-1], flagged.score, side="right"), 0, k - 1)
                labels = [f"flagged {edges[b]:.2f}-{edges[b + 1]:.2f}" for b in range(k)]
                g.loc[flagged.index, "stratum"] = [labels[b] for b in band]
            near = g[~g.predicted.astype(bool) & (g.score >= t - NEAR_MISS_BAND)]
            g.loc[near.index, "stratum"] = "near-miss"
            cls = g.get("classifier_score")
            kw = g.get("keyword_match")
            uncertain = (g.score - t).abs()
            disagree = (cls.notna() & (kw.astype(bool) != (cls >= CLASSIFIER_VOTE))
                        if cls is not None and kw is not None else pd.Series(False, index=g.index))
            learn = g[g.stratum.isna()].assign(u=uncertain - disagree.astype(float)).nsmallest(learning_per_ecosystem, "u")
            keep = g[g.stratum.notna()].index.union(learn.index)
            g = g.loc[keep]
            ranks = np.zeros(len(g), dtype=np.int64)
            for s in g.stratum.dropna().unique():
                idx = np.where(g.stratum.to_numpy() == s)[0]
                ranks[idx] = rng.permutation(len(idx))
            for (_, r), rank in zip(g.iterrows(), ranks):
                rid = str(r["id"])
                if rid not in texts:
                    raise ConfigError(f"record {rid!r} of the scores has no text; pass the records file the scores were made from")
                terms = r.get("matched_terms")
                terms = list(terms) if terms is not None and not isinstance(terms, str) else ([] if terms is None else [terms])
                cs = r.get("classifier_score")
                rows.append((rid, eco, texts[rid], _hash(texts[rid]), float(r["score"]),
                             None if cs is None or cs != cs else float(cs),
                             int(bool(r.get("keyword_match", False))), int(bool(r["predicted"])), t,
                             json.dumps(terms, ensure_ascii=False), r["stratum"],
                             int(rank) if r["stratum"] is not None else None))
        with self.db.transaction():
            run_id = self.db.insert(
                "INSERT INTO runs (name, created_at, source, encoder_id, taxonomy_hash, model_card, thresholds) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, now(), source, (model_card or {}).get("encoder_id"), (model_card or {}).get("taxonomy_hash"),
                 json.dumps(model_card or {}, default=str), json.dumps(thresholds)))
            self.db.executemany(
                "INSERT INTO items (run_id, record_id, ecosystem, text, text_hash, score, classifier_score, "
                "keyword_match, predicted, threshold, matched_terms, stratum, audit_rank) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, *r) for r in rows])
        return self.run(name)

    def run(self, name: str) -> RunInfo:
        rows = self.db.query("SELECT * FROM runs WHERE name = ?", (name,))
        if not rows:
            known = [r["name"] for r in self.db.query("SELECT name FROM runs ORDER BY id")]
            raise NotFound(f"no run named {name!r}; runs in this database: {known or 'none (load one with oi-text review load)'}")
        r = rows[0]
        ecos = [x["ecosystem"] for x in self.db.query(
            "SELECT DISTINCT ecosystem FROM items WHERE run_id = ? ORDER BY ecosystem", (r["id"],))]
        return RunInfo(int(r["id"]), r["name"], r["created_at"], ecos, json.loads(r["thresholds"] or "{}"))

    def run_card(self, name: str) -> dict[str, Any]:
        """The model card a run's scores came from (keywords, thresholds, encoder)."""
        rows = self.db.query("SELECT model_card FROM runs WHERE name = ?", (name,))
        if not rows:
            self.run(name)  # raises NotFound with the list of runs
        return json.loads(rows[0]["model_card"] or "{}")

    def runs(self) -> list[RunInfo]:
        return [self.run(r["name"]) for r in self.db.query("SELECT name FROM runs ORDER BY id")]

    def item(self, item_id: int) -> dict[str, Any]:
        rows = self.db.query("SELECT * FROM items WHERE id = ?", (item_id,))
        if not rows:
            raise NotFound(f"no item {item_id}")
        item = rows[0]
        item["matched_terms"] = json.loads(item["matched_terms"])
        return item

    def _items(self, run_id: int) -> dict[int, dict[str, Any]]:
        """Every item of a run by id, in one query (texts included)."""
        return {r["id"]: r for r in self.db.query(
            "SELECT id, record_id, ecosystem, text, score, matched_terms, predicted FROM items WHERE run_id = ?",
            (run_id,))}

    # -----------------------------------------------------------------------------------------
    # decisions

    def _current(self, run_id: int, ecosystem: str | None = None) -> dict[int, dict[str, Any]]:
        """The standing decision per item (after undos)."""
        sql = ("SELECT d.* FROM decisions d JOIN items i ON i.id = d.item_id WHERE i.run_id = ?"
               + (" AND i.ecosystem = ?" if ecosystem else "") + " ORDER BY d.id")
        return _standing(self.db.query(sql, (run_id, ecosystem) if ecosystem else (run_id,)))

    def _standing(self, item_id: int) -> dict[str, Any] | None:
        """The standing decision on one item (after undos), or None."""
        events = self.db.query("SELECT * FROM decisions WHERE item_id = ? ORDER BY id", (item_id,))
        return _standing(events).get(item_id)

    def decide(self, item_id: int, kind: Kind, reviewer: str, *, event_id: str | None = None,
               reason: str | None = None, note: str | None = None, purpose: Purpose | None = None) -> int:
        """Record a decision (one transaction). Returns the decision id.

        A repeated ``event_id`` (a replayed request) is refused with :class:`Conflict`, so a
        decision is never counted twice.
        """
        if kind not in ("accept", "reject", "unsure"):
            raise ReviewError(f"decision must be accept, reject or unsure, got {kind!r}")
        if reason is not None and reason not in REASONS:
            raise ReviewError(f"unknown reason code {reason!r}; use one of {', '.join(REASONS)}")
        item = self.item(item_id)
        event_id = event_id or uuid.uuid4().hex
        with self.db.transaction():
            claim = self.db.query("SELECT reviewer, purpose, expires_at FROM claims WHERE item_id = ?", (item_id,))
            if claim and claim[0]["reviewer"] != reviewer and claim[0]["expires_at"] > time.time():
                raise Conflict(f"item {item_id} is being reviewed by {claim[0]['reviewer']}")
            if not (claim and claim[0]["reviewer"] == reviewer):
                # no claim of the caller's (e.g. a page left open past its claim): never replace
                # another reviewer's standing decision
                standing = self._standing(item_id)
                if standing is not None and standing["reviewer"] != reviewer:
                    raise Conflict(f"item {item_id} was decided by {standing['reviewer']} meanwhile; "
                                   "reload the page for the next item")
            if purpose is None:
                purpose = claim[0]["purpose"] if claim else ("audit" if item["stratum"] else "learning")
            if purpose == "audit" and not item["stratum"]:
                raise ReviewError(f"item {item_id} is not in the audit sample; record it with purpose 'learning'")
            if purpose == "learning" and item["stratum"]:
                # recorded as learning, an audit item would silently leave the estimate's sample
                raise ReviewError(f"item {item_id} is in the audit sample ({item['stratum']}); record it with "
                                  "purpose 'audit'")
            try:
                did = self.db.insert(
                    "INSERT INTO decisions (event_id, item_id, kind, reason, note, reviewer, purpose, stratum, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (event_id, item_id, kind, reason, note, reviewer, purpose,
                     item["stratum"] if purpose == "audit" else None, now()))
            except self.db.integrity_errors as exc:
                if self.db.is_unique_violation(exc):
                    raise Conflict(f"decision {event_id} was recorded already (a replayed request); "
                                   "nothing was changed") from None
                raise
            self.db.execute("DELETE FROM claims WHERE item_id = ?", (item_id,))
        return did

    def undo(self, reviewer: str, *, event_id: str | None = None, decision_id: int | None = None,
             run: str | None = None, ecosystem: str | None = None) -> dict[str, Any]:
        """Cancel ``decision_id`` (default: the reviewer's latest standing decision in ``run``,
        and in ``ecosystem`` when given: the queue the reviewer is looking at), as a new event.
        Returns the undone decision."""
        event_id = event_id or uuid.uuid4().hex
        with self.db.transaction():
            if self.db.query("SELECT id FROM decisions WHERE event_id = ?", (event_id,)):
                raise Conflict(f"undo {event_id} was recorded already (a replayed request); nothing was changed")
            if decision_id is None:
                params: tuple[Any, ...] = (reviewer,)
                sql = ("SELECT d.* FROM decisions d JOIN items i ON i.id = d.item_id JOIN runs r ON r.id = i.run_id "
                       "WHERE d.reviewer = ? AND d.kind != 'undo' "
                       "AND d.id NOT IN (SELECT undoes FROM decisions WHERE undoes IS NOT NULL)")
                if run:
                    sql += " AND r.name = ?"
                    params += (run,)
                if ecosystem:
                    sql += " AND i.ecosystem = ?"
                    params += (ecosystem,)
                rows = self.db.query(sql + " ORDER BY d.id DESC LIMIT 1", params)
                if not rows:
                    raise NotFound("nothing to undo: you have no standing decisions" + (f" in run {run!r}" if run else "")
                                   + (f" for {ecosystem}" if ecosystem else ""))
            else:
                rows = self.db.query("SELECT * FROM decisions WHERE id = ?", (decision_id,))
                if not rows or rows[0]["kind"] == "undo":
                    raise NotFound(f"no decision {decision_id} to undo")
                if self.db.query("SELECT id FROM decisions WHERE undoes = ?", (decision_id,)):
                    raise Conflict(f"decision {decision_id} was undone already")
            target = rows[0]
            if target["reviewer"] != reviewer:
                raise Forbidden(f"decision {target['id']} was made by {target['reviewer']}; only they can undo it")
            try:
                self.db.insert(
                    "INSERT INTO decisions (event_id, item_id, kind, reviewer, purpose, stratum, undoes, created_at) "
                    "VALUES (?, ?, 'undo', ?, ?, ?, ?, ?)",
                    (event_id, target["item_id"], reviewer, target["purpose"], target["stratum"], target["id"], now()))
            except self.db.integrity_errors:
                raise Conflict(f"undo {event_id} was recorded already (a replayed request)") from None
            self.db.execute("DELETE FROM claims WHERE item_id = ?", (target["item_id"],))
            if self._standing(target["item_id"]) is None:
                # undecided again: the item goes back to the reviewer who undid it, served next
                # (when an earlier decision of the item stands again, as after accept -> reject
                # -> undo, there is nothing to decide and nobody holds the item)
                self.db.execute("INSERT INTO claims (item_id, reviewer, purpose, expires_at) VALUES (?, ?, ?, ?)",
                                (target["item_id"], reviewer, target["purpose"], time.time() + CLAIM_SECONDS))
        return target

    def decisions(self, run: str) -> list[dict[str, Any]]:
        """The full decision log of a run, oldest first."""
        info = self.run(run)
        return self.db.query(
            "SELECT d.*, i.record_id, i.ecosystem FROM decisions d JOIN items i ON i.id = d.item_id "
            "WHERE i.run_id = ? ORDER BY d.id", (info.id,))

    # -----------------------------------------------------------------------------------------
    # sampling

    def next_item(self, run: str, ecosystem: str, reviewer: str, purpose: Purpose = "audit") -> dict[str, Any] | None:
        """Claim and return the next item to review, or None when the queue is empty."""
        info = self.run(run)
        _check_ecosystem(info, ecosystem)
        t_now = time.time()
        with self.db.transaction():
            self.db.execute("DELETE FROM claims WHERE expires_at < ?", (t_now,))
            decided = set(self._current(info.id, ecosystem))  # standing decisions (undone ones are not)
            mine = [r["item_id"] for r in self.db.query(
                "SELECT c.item_id FROM claims c JOIN items i ON i.id = c.item_id WHERE c.reviewer = ? AND c.purpose = ? "
                "AND i.run_id = ? AND i.ecosystem = ? ORDER BY c.expires_at DESC",
                (reviewer, purpose, info.id, ecosystem)) if r["item_id"] not in decided]
            if mine:
                return self.item(mine[0])
            claimed = {r["item_id"] for r in self.db.query("SELECT item_id FROM claims")}
            if purpose == "audit":
                item_id = self._next_audit(info.id, ecosystem, decided, claimed)
            else:
                item_id = self._next_learning(info.id, ecosystem, decided, claimed)
            if item_id is None:
                return None
            self.db.execute("INSERT INTO claims (item_id, reviewer, purpose, expires_at) VALUES (?, ?, ?, ?)",
                            (item_id, reviewer, purpose, t_now + CLAIM_SECONDS))
        return self.item(item_id)

    def _next_audit(self, run_id: int, eco: str, decided: set[int], claimed: set[int]) -> int | None:
        items = self.db.query("SELECT id, stratum, audit_rank FROM items WHERE run_id = ? AND ecosystem = ? "
                              "AND stratum IS NOT NULL ORDER BY stratum, audit_rank", (run_id, eco))
        by_stratum: dict[str, list[int]] = {}
        for it in items:
            by_stratum.setdefault(it["stratum"], []).append(it["id"])
        best, best_ratio = None, None
        for stratum, ids in by_stratum.items():
            taken = sum(1 for i in ids if i in decided or i in claimed)
            free = [i for i in ids if i not in decided and i not in claimed]
            if not free:
                continue
            # proportional allocation; the near-miss band at half weight
            ratio = taken / (len(ids) * (0.5 if stratum == "near-miss" else 1.0))
            if best_ratio is None or ratio < best_ratio:
                best, best_ratio = free[0], ratio
        return best

    def _next_learning(self, run_id: int, eco: str, decided: set[int], claimed: set[int]) -> int | None:
        items = self.db.query(
            "SELECT id, score, threshold, classifier_score, keyword_match FROM items "
            "WHERE run_id = ? AND ecosystem = ? AND stratum IS NULL",  # never an audit item: no bias
            (run_id, eco))
        best, key = None, None
        for it in items:
            if it["id"] in decided or it["id"] in claimed:
                continue
            disagree = _disagrees(it["keyword_match"], it["classifier_score"])
            k = (not disagree, abs(it["score"] - it["threshold"]))
            if key is None or k < key:
                best, key = it["id"], k
        return best

    # -----------------------------------------------------------------------------------------
    # estimates and feedback

    def strata(self, run: str, ecosystem: str) -> tuple[dict[str, Stratum], Stratum]:
        info = self.run(run)
        current = self._current(info.id, ecosystem)
        items = self.db.query("SELECT id, stratum FROM items WHERE run_id = ? AND ecosystem = ? AND stratum IS NOT NULL",
                              (info.id, ecosystem))
        flagged: dict[str, Stratum] = {}
        near = Stratum(0)
        for it in items:
            s = near if it["stratum"] == "near-miss" else flagged.setdefault(it["stratum"], Stratum(0))
            s.size += 1
            d = current.get(it["id"])
            if d is None or d["purpose"] != "audit":
                continue
            if d["kind"] == "accept":
                s.accepted += 1
            elif d["kind"] == "reject":
                s.rejected += 1
        return flagged, near

    def estimate(self, run: str, ecosystem: str) -> Estimate:
        flagged, near = self.strata(run, ecosystem)
        return estimate(flagged, near if near.size else None)

    def plan(self, run: str, ecosystem: str, half_width: float = 0.05) -> dict[str, int]:
        """More audit reviews per flagged stratum for a precision CI of +/- ``half_width``."""
        flagged, near = self.strata(run, ecosystem)
        return _plan(flagged, near, half_width)

    def status(self, run: str, half_width: float = 0.05) -> list[dict[str, Any]]:
        """Per ecosystem: flagged, reviewed, the estimate, reviews still needed, stop signal."""
        info = self.run(run)
        out = []
        items = self._items(info.id)
        learn_by_eco = Counter(items[i]["ecosystem"] for i, d in self._current(info.id).items()
                               if d["purpose"] == "learning")
        for eco in info.ecosystems:
            flagged, near = self.strata(run, eco)
            est = estimate(flagged, near if near.size else None)
            if est.flagged == 0:
                continue
            need = _plan(flagged, near, half_width, est)
            out.append({"ecosystem": eco, "estimate": est, "needed": sum(need.values()), "plan": need,
                        "done": est.done(half_width),
                        "learning_reviews": learn_by_eco.get(eco, 0)})
        return out

    def reason_tally(self, run: str, ecosystem: str | None = None) -> Counter:
        info = self.run(run)
        return Counter(d["reason"] or "(none)" for d in self._current(info.id, ecosystem).values() if d["kind"] == "reject")

    def suggest_exclusions(self, run: str, ecosystem: str, top: int = 10) -> list[tuple[str, int, int]]:
        """Words over-represented in rejected vs accepted *flagged* items (the false positives an
        exclusion term would remove): ``(word, rejected, accepted)``, only words at least twice
        as frequent among the rejections, in at least two of them."""
        from ..language import stopwords
        from ..text import fold, tokenize

        info = self.run(run)
        current = self._current(info.id, ecosystem)
        items = self._items(info.id)
        rej, acc = Counter(), Counter()
        n_rej = n_acc = 0
        for item_id, d in current.items():
            if d["kind"] not in ("accept", "reject") or not items[item_id]["predicted"]:
                continue
            words = {w for w in tokenize(fold(items[item_id]["text"])) if len(w) > 3}
            if d["kind"] == "reject":
                rej.update(words)
                n_rej += 1
            else:
                acc.update(words)
                n_acc += 1
        stop = stopwords()
        scored = []
        for w, r in rej.items():
            if w in stop or r < 2:
                continue
            a = acc.get(w, 0)
            lift = ((r + 0.5) / (n_rej + 1)) / ((a + 0.5) / (n_acc + 1))
            if lift >= 2:
                scored.append((lift, w, r, a))
        scored.sort(reverse=True)
        return [(w, r, a) for _, w, r, a in scored[:top]]

    def labels(self, run: str) -> Any:
        """Standing accept/reject decisions as gold labels: DataFrame ``id, ecosystem, label``."""
        import pandas as pd

        info = self.run(run)
        items = self._items(info.id)
        rows = []
        for item_id, d in self._current(info.id).items():
            if d["kind"] not in ("accept", "reject"):
                continue
            it = items[item_id]
            rows.append({"id": it["record_id"], "ecosystem": it["ecosystem"], "label": int(d["kind"] == "accept"),
                         "purpose": d["purpose"], "reviewer": d["reviewer"], "reason": d["reason"]})
        return pd.DataFrame(rows, columns=["id", "ecosystem", "label", "purpose", "reviewer", "reason"])

    def accepted(self, run: str, ecosystem: str | None = None) -> Any:
        """The accepted items (for export)."""
        import pandas as pd

        info = self.run(run)
        if ecosystem is not None:
            _check_ecosystem(info, ecosystem)
        items = self._items(info.id)
        rows = []
        for item_id, d in self._current(info.id, ecosystem).items():
            if d["kind"] != "accept":
                continue
            it = items[item_id]
            rows.append({"id": it["record_id"], "ecosystem": it["ecosystem"], "score": it["score"],
                         "matched_terms": "; ".join(json.loads(it["matched_terms"])), "reviewer": d["reviewer"],
                         "decided_at": d["created_at"], "text": it["text"]})
        return pd.DataFrame(rows, columns=["id", "ecosystem", "score", "matched_terms", "reviewer", "decided_at", "text"])


def _check_ecosystem(info: RunInfo, ecosystem: str) -> None:
    if ecosystem not in info.ecosystems:
        raise NotFound(f"run {info.name!r} has no ecosystem {ecosystem!r}{did_you_mean(ecosystem, info.ecosystems)}; "
                       f"it has {', '.join(info.ecosystems)}")


def _standing(events: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The standing decision per item from decision events in id order: the latest one that is
    not an undo and was not undone (an undo restores the one before)."""
    undone = {e["undoes"] for e in events if e["kind"] == "undo"}
    return {e["item_id"]: e for e in events if e["kind"] != "undo" and e["id"] not in undone}


def _disagrees(keyword_match: Any, classifier_score: float | None) -> bool:
    """The keyword rule and the classifier's vote differ (never for an ecosystem without a
    classifier: no vote)."""
    if classifier_score is None or classifier_score != classifier_score:
        return False
    return bool(keyword_match) != (classifier_score >= CLASSIFIER_VOTE)


def _hash(text: str) -> str:
    from ..text import text_hash

    return text_hash(text)


def _plan(flagged: dict[str, Stratum], near: Stratum, half_width: float,
          est: Estimate | None = None) -> dict[str, int]:
    """The planner's reviews per stratum, never 0 in all while the stop signal is not given (the
    planner's normal approximation can reach the target a review or two before the interval
    itself does, or a stratum has no review yet)."""
    need = reviews_needed(flagged, half_width)
    est = est or estimate(flagged, near if near.size else None)
    if not sum(need.values()) and not est.done(half_width):
        open_ = [n for n, s in flagged.items() if s.size > s.reviewed]
        if open_:
            need[min(open_, key=lambda n: (flagged[n].reviewed > 0, -flagged[n].size))] = 1
    return need


def load_scores_into_store(store: ReviewStore, run: str, scores_path: str | Path, records_path: str | Path,
                           model_dir: str | Path | None = None, ecosystems: Sequence[str] | None = None,
                           seed: int = 0, text_col: str = "text", id_col: str = "id") -> RunInfo:
    """Create a run from an ``oi-text classify`` scores file and the records it was made from
    (their ``id_col`` and ``text_col``)."""
    import pandas as pd

    from ..records import from_spreadsheet, id_strings, load_records

    scores_path = Path(scores_path)
    try:
        if scores_path.suffix.lower() == ".csv":  # classify --out scores.csv
            scores = pd.read_csv(scores_path, dtype={"id": str}, keep_default_na=False, encoding="utf-8-sig")
            if "id" in scores.columns:  # written spreadsheet-safe: '=... back to =...
                scores["id"] = [from_spreadsheet(v) for v in scores["id"]]
            if "matched_terms" in scores.columns:
                scores["matched_terms"] = [[t for t in from_spreadsheet(str(x)).split("; ") if t]
                                           for x in scores["matched_terms"]]
            if "classifier_score" in scores.columns:
                scores["classifier_score"] = pd.to_numeric(scores["classifier_score"], errors="coerce")
        else:
            scores = pd.read_parquet(scores_path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{scores_path}: not a scores file from 'oi-text classify' (.parquet or .csv): {exc}") from None
    if ecosystems:
        unknown = sorted(set(ecosystems) - set(scores.ecosystem)) if "ecosystem" in scores.columns else []
        if unknown:
            raise ConfigError(f"{scores_path}: no scores for ecosystem(s) {', '.join(map(repr, unknown))}")
        scores = scores[scores.ecosystem.isin(list(ecosystems))]
    if "predicted" in scores.columns and len(scores) and scores["predicted"].astype(str).isin(["True", "true", "1"]).all():
        logger.warning("%s holds flagged rows only ('classify --only-predicted'): the run has no near-miss band, so "
                       "the true count covers the flagged items only; classify without --only-predicted to "
                       "estimate positives missed just below the threshold", scores_path)
    records = load_records(records_path, columns=[id_col, text_col], required=(id_col, text_col))
    texts = dict(zip(id_strings(records[id_col].tolist()), records[text_col].astype(str)))
    card: dict[str, Any] = {}
    thresholds: dict[str, float] = {}
    if model_dir is not None:
        card = json.loads((Path(model_dir) / "card.json").read_text(encoding="utf-8"))
        thresholds = {k: float(v) for k, v in card.get("thresholds", {}).items()}
    return store.create_run(run, scores, texts, thresholds=thresholds, model_card=card, source=str(scores_path), seed=seed)
