"""The review web page: FastAPI + server-rendered HTML, a little JavaScript for keyboard shortcuts.

Routes call :class:`~oi_text.review.store.ReviewStore` methods; there is no SQL here. Reviewers
identify themselves with a named token (cookie after ``/login?token=...``, or an
``Authorization: Bearer`` header for the JSON API). Every text is escaped by the templates.

Cross-site requests: the cookie is ``SameSite=Strict``; the sign-in link only shows a "sign in
as NAME" button (a link from another site cannot switch a browser to another reviewer's token
unseen), and every POST whose ``Origin`` (or, without it, ``Referer``) names another host is
refused (403). Scripts that send neither header, with a Bearer token, are not affected.
"""

from __future__ import annotations

import html
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .._optional import require

require("fastapi", "the review web page")
from fastapi import Depends, FastAPI, Form, HTTPException, Request  # noqa: E402
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response  # noqa: E402
from fastapi.templating import Jinja2Templates  # noqa: E402
from pydantic import BaseModel, Field  # noqa: E402

from ..records import spreadsheet_safe  # noqa: E402
from ..review.store import REASONS, ReviewError, ReviewStore  # noqa: E402

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
COOKIE = "oi_text_token"


class DecisionIn(BaseModel):
    item_id: int
    kind: str = Field(pattern="^(accept|reject|unsure)$")
    event_id: str = Field(min_length=8, max_length=64)
    reason: str | None = None
    note: str | None = Field(default=None, max_length=2000)
    purpose: str | None = Field(default=None, pattern="^(audit|learning)$")


class UndoIn(BaseModel):
    event_id: str = Field(min_length=8, max_length=64)
    run: str | None = None
    ecosystem: str | None = None
    decision_id: int | None = None


def highlight(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Escape ``text`` and wrap the given spans in <mark> (spans may not overlap)."""
    out, pos = [], 0
    for start, end, term in sorted(spans):
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f'<mark title="{html.escape(term)}">{html.escape(text[start:end])}</mark>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _host(value: str | None, scheme: str = "") -> str:
    """``host[:port]`` lower-cased, without the scheme's default port."""
    host = (value or "").strip().lower()
    for default, schemes in ((":80", ("", "http")), (":443", ("", "https"))):
        if host.endswith(default) and scheme in schemes:
            host = host[: -len(default)]
    return host


def create_app(store: ReviewStore, *, half_width: float = 0.05, public_urls: tuple[str, ...] = ()) -> FastAPI:
    """The review application over ``store``. ``public_urls``: the address(es) reviewers open
    when the page runs behind a reverse proxy that rewrites the Host header (POSTs from those
    origins are accepted as well as from the Host the request names)."""
    app = FastAPI(title="oi_text review", docs_url=None, redoc_url=None)
    public = {_host(urlsplit(u).netloc, urlsplit(u).scheme) for u in public_urls}
    matchers: dict[tuple[str, str], Any] = {}

    def reviewer_or_none(request: Request) -> str | None:
        token = request.cookies.get(COOKIE)
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        return store.reviewer(token)

    def same_origin(request: Request) -> None:
        """Refuse a POST sent by a page of another site (its browser names that site)."""
        source = request.headers.get("origin") or request.headers.get("referer")
        if not source:
            return
        parts = urlsplit(source)  # "null" (an opaque origin) has no host and is refused
        forwarded = (request.headers.get("x-forwarded-host") or "").split(",")[0]
        allowed = public | {_host(request.headers.get("host")), _host(forwarded)}
        if not parts.netloc or _host(parts.netloc, parts.scheme) not in allowed - {""}:
            raise HTTPException(403, f"cross-site request refused (from {source.split('?')[0]!r}); open the "
                                     "review page on this server, or behind a proxy start it with "
                                     "'oi-text review serve --public-url URL'")

    def reviewer(request: Request) -> str:
        name = reviewer_or_none(request)
        if name is None:
            raise HTTPException(401, "unknown or missing reviewer token: open the link 'oi-text review add-reviewer' printed, or send 'Authorization: Bearer <token>'")
        return name

    @app.exception_handler(ReviewError)
    async def review_error(request: Request, exc: ReviewError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 401 and "text/html" in request.headers.get("accept", ""):
            return TEMPLATES.TemplateResponse(request, "login.html", {"error": exc.detail}, status_code=401)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    def spans_for(run: str, eco: str, text: str) -> list[tuple[int, int, str]]:
        key = (run, eco)
        if key not in matchers:
            from ..keywords.matcher import KeywordMatcher

            card = store.run_card(run)
            spec = (card.get("keywords") or {}).get(eco)
            matchers[key] = KeywordMatcher({eco: spec}) if spec else None
        m = matchers[key]
        if m is None:
            return []
        return [(h.start, h.end, ("exclusion: " if h.exclude else "") + h.term) for h in m.hits(text)]

    def estimate_json(run: str, eco: str) -> dict[str, Any]:
        est = store.estimate(run, eco)
        need = store.plan(run, eco, half_width)
        return {"ecosystem": eco, "flagged": est.flagged, "reviewed": est.reviewed,
                "precision": est.precision, "precision_low": est.precision_low, "precision_high": est.precision_high,
                "count": est.count, "count_low": est.count_low, "count_high": est.count_high,
                "half_width": est.half_width, "target_half_width": half_width,
                "reviews_needed": sum(need.values()), "done": est.done(half_width),
                "text": est.format()}

    # ----------------------------------------------------------------------------------------- pages

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, token: str | None = None) -> Response:
        """The sign-in form; with ``?token=`` (the link add-reviewer prints) a "sign in as NAME"
        button: following a link never changes who the browser reviews as by itself."""
        if token:
            name = store.reviewer(token)
            if name is None:
                return TEMPLATES.TemplateResponse(request, "login.html", {"error": "unknown token"}, status_code=401)
            return TEMPLATES.TemplateResponse(request, "login.html", {"error": None, "token": token, "name": name})
        return TEMPLATES.TemplateResponse(request, "login.html", {"error": None})

    @app.post("/login", dependencies=[Depends(same_origin)])
    def login_form(request: Request, token: str = Form(...)) -> Response:
        if store.reviewer(token) is None:
            return TEMPLATES.TemplateResponse(request, "login.html", {"error": "unknown token"}, status_code=401)
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=30 * 86400)
        return resp

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, who: str = Depends(reviewer)) -> Response:
        return TEMPLATES.TemplateResponse(request, "index.html", {"who": who, "runs": store.runs()})

    @app.get("/run/{run}", response_class=HTMLResponse)
    def run_page(request: Request, run: str, who: str = Depends(reviewer)) -> Response:
        rows = store.status(run, half_width)
        return TEMPLATES.TemplateResponse(request, "run.html", {"who": who, "run": store.run(run), "rows": rows,
                                                                "half_width": half_width})

    @app.get("/run/{run}/review/{eco}", response_class=HTMLResponse)
    def review_page(request: Request, run: str, eco: str, purpose: str = "audit", who: str = Depends(reviewer)) -> Response:
        if purpose not in ("audit", "learning"):
            raise HTTPException(422, "purpose must be audit or learning")
        item = store.next_item(run, eco, who, purpose)  # type: ignore[arg-type]
        ctx: dict[str, Any] = {"who": who, "run": run, "eco": eco, "purpose": purpose, "item": item,
                               "reasons": REASONS, "estimate": estimate_json(run, eco)}
        if item is not None:
            ctx["text_html"] = highlight(item["text"], spans_for(run, eco, item["text"]))
        return TEMPLATES.TemplateResponse(request, "review.html", ctx)

    @app.get("/run/{run}/results", response_class=HTMLResponse)
    def results_page(request: Request, run: str, who: str = Depends(reviewer)) -> Response:
        accepted = store.accepted(run)
        return TEMPLATES.TemplateResponse(request, "results.html", {
            "who": who, "run": run, "rows": accepted.to_dict("records"), "status": store.status(run, half_width)})

    @app.get("/run/{run}/export.{fmt}")
    def export(run: str, fmt: str, ecosystem: str | None = None, who: str = Depends(reviewer)) -> Response:
        df = spreadsheet_safe(store.accepted(run, ecosystem))
        name = f"{run}-accepted" + (f"-{ecosystem}" if ecosystem else "")
        if fmt == "csv":
            return Response(df.to_csv(index=False), media_type="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        if fmt == "xlsx":
            buf = io.BytesIO()
            df.to_excel(buf, index=False)
            return Response(buf.getvalue(),
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
        raise HTTPException(404, f"no export format {fmt!r}; use csv or xlsx")

    # ----------------------------------------------------------------------------------------- API

    @app.post("/api/decisions", status_code=201, dependencies=[Depends(same_origin)])
    def post_decision(body: DecisionIn, who: str = Depends(reviewer)) -> dict[str, Any]:
        did = store.decide(body.item_id, body.kind, who, event_id=body.event_id, reason=body.reason,  # type: ignore[arg-type]
                           note=body.note, purpose=body.purpose)  # type: ignore[arg-type]
        return {"decision_id": did}

    @app.post("/api/undo", dependencies=[Depends(same_origin)])
    def post_undo(body: UndoIn, who: str = Depends(reviewer)) -> dict[str, Any]:
        target = store.undo(who, event_id=body.event_id, decision_id=body.decision_id, run=body.run,
                            ecosystem=body.ecosystem)
        return {"undone": target["id"], "item_id": target["item_id"]}

    @app.get("/api/runs/{run}/next/{eco}")
    def get_next(run: str, eco: str, purpose: str = "audit", who: str = Depends(reviewer)) -> dict[str, Any]:
        """Claim the next item of a queue (for scripted reviewing); 404 when the queue is empty."""
        if purpose not in ("audit", "learning"):
            raise HTTPException(422, "purpose must be audit or learning")
        item = store.next_item(run, eco, who, purpose)  # type: ignore[arg-type]
        if item is None:
            raise HTTPException(404, f"the {purpose} queue of {eco!r} in run {run!r} is empty")
        return {k: item[k] for k in ("id", "record_id", "ecosystem", "text", "score", "threshold",
                                     "stratum", "matched_terms")}

    @app.get("/api/runs/{run}/estimate/{eco}")
    def get_estimate(run: str, eco: str, who: str = Depends(reviewer)) -> dict[str, Any]:
        return estimate_json(run, eco)

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
