"""Small corpora with a known structure (and one without) for the themes tests."""

from __future__ import annotations

import numpy as np
import pytest

TOPICS = {
    "waterstof": "waterstof elektrolyse elektrolyser brandstofcel waterstofnet opslag druktank membraan",
    "quantum": "quantum qubit supergeleidend verstrengeling cryogeen quantumcomputer foutcorrectie fotonen",
    "landbouw": "akkerbouw perceel gewas drone bodemsensor oogst taakkaart bemesting",
    "zorg": "patient zorgverlener thuiszorg dementie ouderen mantelzorg ziekenhuis revalidatie",
}
BOILER = ("Dit project wordt uitgevoerd als samenwerkingsverband van overheid, bedrijfsleven en "
          "kennisinstellingen.")


def make_corpus(n_per: int = 40, dim: int = 32, seed: int = 0, boilerplate: bool = True):
    """Texts on four topics (half of them with a programme sentence) and vectors in four tight
    groups; kinds and years for the report."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(TOPICS), dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    texts, X, gold, kinds, years = [], [], [], [], []
    for t, (name, words) in enumerate(TOPICS.items()):
        vocab = words.split()
        for i in range(n_per):
            picked = rng.choice(vocab, size=8)
            text = f"Het bedrijf {name}lab {i} werkt aan " + " ".join(picked) + " en " + " ".join(rng.choice(vocab, 4)) + "."
            if boilerplate and i % 2 == 0:
                text = f"{BOILER} {text}"
            texts.append(text)
            v = centres[t] + rng.normal(0, 0.08, dim)
            X.append(v / np.linalg.norm(v))
            gold.append(name)
            kinds.append(["project", "wbso", "startup"][i % 3])
            years.append(2018 + i % 5)
    return texts, np.asarray(X, dtype=np.float32), gold, kinds, years


@pytest.fixture(scope="session")
def corpus():
    return make_corpus()


@pytest.fixture(scope="session")
def noise():
    """No structure at all: random vectors, texts of random words."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(240, 32)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    vocab = [f"woord{i}" for i in range(400)]
    texts = [" ".join(rng.choice(vocab, 12)) + "." for _ in range(240)]
    return texts, X
