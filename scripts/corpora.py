"""The labelled corpora in ../shared/data as evaluation sets: how each is ingested, and how its
own labels map onto oi_text's ecosystems (written down here, as ../shared/data/README.md asks).

None of these labels is gold for our ecosystems; each is a real, noisy signal:

- startups_yc: YC's tags (AI is over-applied: about a fifth of AI-tagged companies show no AI
  wording). ai <- AI-ish tags; health (any health-* ecosystem or regenerative medicine) <-
  healthcare industries/tags; robotics, cybersecurity, education-technology, gaming,
  blockchain, space, sustainable energy groups where the tags exist.
- projects_cordis_h2020_cleantech: the ``technologies`` of a keyword tagger. solar-energy <-
  solar PV / CSP; hydrogen <- fuel cell, hydrogen, and power-to-X where the tagger's term was
  power-to-gas (its power-to-X also holds power-to-heat: electric boilers and heat pumps, not
  hydrogen). The tagger has no term for electrolysis or hydrogen production, and its own
  "hydrogen" tag fired on "hydrogen energy" only (4 projects), so hydrogen here is mostly "names
  a fuel cell": of the 43 projects with "hydrogen", "H2", "electroly-" or "fuel cell" in the
  title but no hydrogen label, about 30 are plainly hydrogen projects on reading the title
  ("Industrial electrolyser for large-scale on-site renewable hydrogen production"); both
  methods pay for them in precision. offshore-energy <- offshore wind, wave, tidal, osmotic;
  energy-storage <- energy/thermal storage, compressed air energy storage; circular-materials
  <- recycling; nanotechnology <- nanomaterial.
- questions_dekamer_nl: theme labels of parliamentary questions (Dutch). health <- health
  policy themes; cybersecurity <- computer crime; communication-technology <- telecom.
- abstracts_arxiv_math: mathematics only; every ecosystem label is negative (hard negatives).
- projects_structuralfunds_nl: no ecosystem labels; used to check that EFRO/ERDF (innovation,
  R&D) projects are flagged more often than ESF (labour market) ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

HEALTH = ["health-healthy-longevity", "health-prevention", "health-care-at-home",
          "health-chronic-disease", "health-dementia", "regenerative-medicine"]


@dataclass
class Corpus:
    name: str
    file: str
    text: list[str]
    id: str
    #: target name -> (ecosystem ids whose union is the prediction, function(row) -> bool)
    targets: dict[str, tuple[list[str], Callable[[pd.Series], bool]]] = field(default_factory=dict)
    language: str = "en"

    @property
    def path(self) -> Path:
        return SHARED / self.file


def _tags(row: pd.Series, col: str, sep: str = "|") -> set[str]:
    value = row.get(col)
    if not isinstance(value, str):
        return set()
    return {t.strip() for t in value.split(sep) if t.strip()}


def _any(col: str, values: set[str], sep: str = "|") -> Callable[[pd.Series], bool]:
    return lambda row: bool(_tags(row, col, sep) & values)


def _industry_prefix(prefix: str) -> Callable[[pd.Series], bool]:
    return lambda row: any(t.startswith(prefix) for t in _tags(row, "industries"))


YC_AI = {"Artificial Intelligence", "AI", "Generative AI", "Machine Learning", "Computer Vision",
         "Conversational AI", "AI Assistant", "AIOps", "Deep Learning", "NLP", "Natural Language Processing"}

CORPORA = [
    Corpus(
        "startups_yc", "startups_yc.csv", ["one_liner", "long_description"], "id",
        {
            "ai": (["ai"], _any("tags", YC_AI)),
            "health": (HEALTH, lambda r: _industry_prefix("Healthcare")(r)
                       or bool(_tags(r, "tags") & {"Healthcare", "Health Tech", "Digital Health", "Medical Devices",
                                                   "Therapeutics", "Mental Health Tech"})),
            "robotics": (["robotics"], _any("tags", {"Robotics"})),
            "cybersecurity": (["cybersecurity"], _any("tags", {"Security", "Cybersecurity"})),
            "education-technology": (["education-technology"], lambda r: _industry_prefix("Education")(r)
                                     or bool(_tags(r, "tags") & {"Education", "eLearning", "EdTech"})),
            "gaming": (["gaming"], _any("tags", {"Gaming"})),
            "blockchain": (["blockchain"], _any("tags", {"Crypto / Web3", "Blockchain"})),
        },
    ),
    Corpus(
        "projects_cordis_h2020_cleantech", "projects_cordis_h2020_cleantech.csv", ["title", "objective"], "id",
        {
            "solar-energy": (["solar-energy"], _any("technologies", {"solar PV", "concentrated solar power (CSP)"})),
            "hydrogen": (["hydrogen"], lambda r: bool(_tags(r, "technologies") & {"fuel cell", "hydrogen"})
                         or "power-to-gas" in _tags(r, "matched_terms")),
            "offshore-energy": (["offshore-energy"], _any("technologies", {"offshore wind", "wave energy", "tidal energy", "osmotic"})),
            "energy-storage": (["energy-storage"], _any("technologies", {"energy storage", "thermal storage",
                                                                         "compressed air energy storage (CAES)"})),
            "circular-materials": (["circular-materials"], _any("technologies", {"recycling"})),
            "nanotechnology": (["nanotechnology"], _any("technologies", {"nanomaterial"})),
        },
    ),
    Corpus(
        "questions_dekamer_nl", "questions_dekamer_nl.csv", ["question"], "doc_id",
        {
            "health": (HEALTH, lambda r: r.get("question_theme_main") in ("GEZONDHEIDSBELEID", "VOLKSGEZONDHEID")),
            "cybersecurity": (["cybersecurity"], _any("question_theme", {"COMPUTERCRIMINALITEIT"}, sep=",")),
            "communication-technology": (["communication-technology"],
                                         lambda r: r.get("question_theme_main") == "TELECOMMUNICATIE"),
        },
        language="nl",
    ),
    Corpus("abstracts_arxiv_math", "abstracts_arxiv_math.csv", ["title", "abstract"], "index", {}),
    Corpus("projects_structuralfunds_nl", "projects_structuralfunds_nl.csv", ["title", "description"], "id", {},
           language="nl"),
]


def available() -> bool:
    return (SHARED / "README.md").exists()


def ingest_corpus(corpus: Corpus, workdir: Path) -> pd.DataFrame:
    """Run oi_text's ingest on the corpus (the real route) and join the label columns back."""
    from oi_text.ingest import ColumnMapping, ingest
    from oi_text.records import load_records

    out = workdir / f"{corpus.name}.parquet"
    if not out.exists():
        ingest(corpus.path, ColumnMapping(text=tuple(corpus.text), id=corpus.id), out=out,
               on_error="skip", dedupe="none")
    records = load_records(out)
    return records


def label_frame(corpus: Corpus, records: pd.DataFrame) -> pd.DataFrame:
    """Boolean target columns per record (aligned to ``records``)."""
    raw = pd.read_csv(corpus.path, dtype=str, keep_default_na=False)
    raw[corpus.id] = raw[corpus.id].astype(str)
    raw = raw.set_index(corpus.id)
    rows = raw.loc[records["id"].astype(str)]
    out = pd.DataFrame(index=records.index)
    for target, (_, fn) in corpus.targets.items():
        out[target] = [bool(fn(r)) for _, r in rows.iterrows()]
    return out


def evaluation_sets(ecosystems: list[str], wanted: set[str] | frozenset[str] = frozenset()):
    """Yield ``(name, records, targets, corpus)`` for oi_text's sample data (``corpus`` None) and
    each corpus in ../shared/data (skipped, with a message, when absent); ``targets`` maps a
    target name to ``(ecosystem ids, bool array aligned to records)``. ``wanted``: only these."""
    import tempfile

    from oi_text.classify.weak import labels_matrix
    from oi_text.datasets import load_sample

    if not wanted or "sample" in wanted:
        df = load_sample()
        Y = labels_matrix(df.labels, ecosystems)
        yield "sample", df, {e: ([e], Y[:, j].astype(bool)) for j, e in enumerate(ecosystems) if Y[:, j].any()}, None
    if not available():
        print("\n../shared/data is not present: the real corpora are skipped.")
        return
    work = Path(tempfile.mkdtemp(prefix="oi_eval_"))
    for c in CORPORA:
        if wanted and c.name not in wanted:
            continue
        records = ingest_corpus(c, work)
        labels = label_frame(c, records)
        yield c.name, records, {t: (es, labels[t].to_numpy().astype(bool)) for t, (es, _) in c.targets.items()}, c


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
