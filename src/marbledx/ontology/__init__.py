"""The Human Phenotype Ontology layer: terms, graph, information content, disease annotations, genes.

One loaded release is an ordinary object (:class:`Hpo`) passed to whoever needs it; there is no global
ontology. Load it with :func:`load_hpo`::

    from marbledx.ontology import load_hpo
    hpo = load_hpo()                      # the bundled HPO 2025-01-16 release, or the one activated by
    hpo.ontology.label("HP:0011002")      # 'Osteopetrosis'      'marbledx data update'
    hpo.annotations.genes_for("OMIM:259700")   # ['TCIRG1']

Frequencies keep their form (``n/m``, percentage, frequency term); ``0/n`` means absent, and NOT rows,
onsets and sex qualifiers are preserved.
"""

from marbledx._text import normalise_text
from marbledx.ontology._annotations import Annotation, Disease, DiseaseAnnotations, Frequency
from marbledx.ontology._index import save_npz_atomically
from marbledx.ontology._ontology import (
    PHENOTYPIC_ABNORMALITY_ID,
    ROOT_ID,
    Ontology,
    Term,
    TermMatch,
)
from marbledx.ontology._parse import FREQUENCY_TERMS, ONSET_LOWER_BOUND_DAYS, parse_frequency
from marbledx.ontology._release import (
    RELEASE_FILES,
    BundledRelease,
    DirectoryRelease,
    Hpo,
    ReleaseFiles,
    ReleaseSource,
    cache_dir,
    data_dir,
    default_source,
    keep_recent_caches,
    load_cache,
    load_hpo,
    store_cache,
)
from marbledx.ontology._update import OFFICIAL_RELEASE_URL, InstalledRelease, activate_release, update_release

__all__ = [
    "FREQUENCY_TERMS",
    "OFFICIAL_RELEASE_URL",
    "ONSET_LOWER_BOUND_DAYS",
    "PHENOTYPIC_ABNORMALITY_ID",
    "RELEASE_FILES",
    "ROOT_ID",
    "Annotation",
    "BundledRelease",
    "DirectoryRelease",
    "Disease",
    "DiseaseAnnotations",
    "Frequency",
    "Hpo",
    "InstalledRelease",
    "Ontology",
    "ReleaseFiles",
    "ReleaseSource",
    "Term",
    "TermMatch",
    "activate_release",
    "cache_dir",
    "data_dir",
    "default_source",
    "keep_recent_caches",
    "load_cache",
    "load_hpo",
    "normalise_text",
    "parse_frequency",
    "save_npz_atomically",
    "store_cache",
    "update_release",
]
