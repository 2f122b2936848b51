"""Plain words to HPO terms, offline: ``"8-month-old with anaemia, big spleen and no fractures"``.

Phrases are matched against HPO labels and synonyms after the same normalisation on both sides (case,
accents, British/American spelling, plurals, lay adjectives such as big/large/enlarged), plus a small
lexicon of lay phrases (``lexicon.yaml``). Negation cues ("no", "without", "absent", "negative for",
"normal X") turn the phrases they govern into excluded findings. With ``labs=True``, lab values in the words
("Hb 7.2 g/dL") are read through the lab table (``_text_labs.py``). Every mapping is reported back so the
user can check it. The value of a name or date-of-birth heading ("Name: Jane Smith", "DOB: 01/02/2018") is
patient data: it is never read or shown.
"""

from __future__ import annotations

import hashlib
import logging
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import yaml

from marbledx import _text as _shared_text
from marbledx._text import LAY_SYNONYMS, american_spelling, normalise_text, singular
from marbledx.errors import InputError, UnknownTermError
from marbledx.findings._case import MAX_AGE_YEARS
from marbledx.findings._labs import LabTable, bundled_lab_table
from marbledx.findings._text_labs import (
    PLACEHOLDER,
    LabMention,
    TextLab,
    find_lab_mentions,
    join_split_values,
    lab_value_text,
    mark_lab_mentions,
    read_text_labs,
)
from marbledx.ontology import (
    PHENOTYPIC_ABNORMALITY_ID,
    Ontology,
    cache_dir,
    load_cache,
    store_cache,
)

__all__ = ["TextLab", "TextMapping", "TextParse", "TextParser"]

# British spellings, lay adjectives and plurals are folded as every look-up by words folds them
# (marbledx._text: SPELLING_RULES, LAY_SYNONYMS, singular), so `marbledx term` and this reader agree.
# The canonical direction words. A phrase whose direction word is left out of every match is not read: a
# match on "calcium" alone would turn "high calcium" into its opposite.
_DIRECTION = frozenset({"large", "small", "low", "high"})
# Words shared over a list like a direction word: "liver and spleen not palpable" (see _NOT_PALPABLE).
_SHAREABLE = _DIRECTION | {"palpable"}
# Words that only say where or how a quantity was measured. HPO synonyms carry them ("Elevated serum pth",
# "Low blood phosphate level"); a clinician's "high PTH" or "low phosphate" does not.
_MEASUREMENT = frozenset(
    {"serum", "blood", "plasma", "circulating", "level", "concentration", "count", "value", "measurement"}
)
# Words that say a bare attribute is impaired, folded: "hearing problems", "vision difficulties". Shared back
# over a list of bare attributes as a trailing direction word is: "no hearing or vision problems" is no
# hearing problems and no vision problems, where "no hearing" alone would say the child is deaf.
_TROUBLE = frozenset({"problem", "difficulty", "concern", "issue", "trouble"})
# Connectors across which a leading direction word is shared: "enlarged liver and spleen".
_SHARING = frozenset({",", "and", "or", "nor"})
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "his",
        "her",
        "their",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "some",
        "any",
        "has",
        "have",
        "had",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "who",
        "which",
        "patient",
        "child",
        "baby",
        "infant",
        "boy",
        "girl",
        "man",
        "woman",
        "son",
        "daughter",
        "whose",
        "he",
        "she",
        "him",
        "they",
        "them",
    ]
)
# Words that only say who the patient is, by sex or age class ("male infant", "baby girl", "young man"),
# folded. Like the words for the patient among _STOP ("boy", "infant"), a phrase of them alone names no
# finding: it is not reported as words not found, and it does not make a list "already give findings" (see
# _settle). They are not stop words, because HPO labels need them ("Male infertility").
_PATIENT_ONLY = frozenset(
    {"male", "female", "toddler", "neonate", "newborn", "adolescent", "teenager", "adult", "young", "kid"}
)
# Section headings of a clinical note ("Findings:", "On examination:", "Labs:", "Plan:"), folded. They
# name no finding, so a phrase of them alone is not reported as words not found.
_SECTION_HEADINGS = frozenset(
    {
        "finding",
        "examination",
        "exam",
        "clinical",
        "physical",
        "history",
        "impression",
        "lab",
        "investigation",
        "plan",
        "presentation",
        # The headings of a clinic letter or ward-round note by system or source ("Abdo:", "CNS:", "Bloods:",
        # "Imaging:", "X-ray:", "Eyes:", "Dx:", "Ix:"); "O/E" is rewritten to "on examination" (see _SHORTHAND).
        # They were reported as words not found.
        "abdo",
        "abdomen",
        "cns",
        "cvs",
        "resp",
        "blood",
        "imaging",
        "radiology",
        "x",
        "ray",
        "xray",
        "skeletal",
        "survey",
        "eye",
        "fundoscopy",
        "diagnosis",
        "dx",
        "ix",
        "mx",
        "hx",
        "assessment",
        "indication",
        "genetics",
        "referral",
        # The sections of a radiology or electrophysiology report ("Comparison: none", "Technique:",
        # "Conclusion:", "Appearances are ...") and of an American history and physical ("HPI:", "ROS:", "PMH:",
        # "PE:", "HEENT:", "MSK:", "Neuro:", "Ext:", "Constitutional:", "Chief complaint:", "Hospital course:").
        "comparison",
        "technique",
        "conclusion",
        "summary",
        "report",
        "appearance",
        "electrophysiology",
        "audiology",
        "ophthalmology",
        "hpi",
        "ros",
        "pmh",
        "psh",
        "pe",
        "heent",
        "msk",
        "neuro",
        "ent",
        "ext",
        "extremity",
        "constitutional",
        "general",
        "chief",
        "complaint",
        "hospital",
        "course",
        "discharge",
        # "Review of systems: negative for ...", as "ROS:" is.
        "review",
        "system",
    }
)
_NO_FINDING = _PATIENT_ONLY | _SECTION_HEADINGS
# Cue lists after NegEx (Chapman et al. 2001, PMID:12123149): pre-negation cues govern the phrases after
# them, post-negation cues the phrase before them, and termination terms ("but", "except", "apart from")
# end a cue's scope. Contractions and clinical shorthand ("doesn't", "w/o", "neg", "nil", "(-)",
# "fracture-free") are first rewritten to the plain cue words (see _SHORTHAND).
_NEGATION = re.compile(
    r"^(?:no|not|without|absent|(?:the\s+|complete\s+|total\s+)?absence\s+of|negative\s+for|denies|denied"
    r"|free\s+of|lack\s+of|never\s+had|normal|unremarkable|intact|nil|none\s+of)\b\s*"
)
# "Spleen not palpable", "impalpable liver": the organ is not enlarged on examination. The trailing forms
# become "palpable absent" (a post-negation), the leading ones "no palpable" (see lexicon.yaml).
_IMPALPABLE_AFTER = re.compile(r"\b(?:non-?|im)palpable(?=\s*(?:[,;.:]|$)|\s+(?:and|or|on|at|in|to)\b)")
_IMPALPABLE_BEFORE = re.compile(r"\b(?:non-?|im)palpable\b")
_NOT_PALPABLE = re.compile(r"\s+(?:(?:is|was|are|were)\s+)?not\s+palpable\b")
# "Spleen 6 cm below costal margin", "spleen palpable 6 cm BCM": a spleen felt that far below the (left)
# costal margin is enlarged; it reads as "spleen enlarged 6 cm bcm". Up to 2 cm is left unread, as a bare
# "spleen tip palpable" is: a spleen felt 1-2 cm below the margin can be normal in an infant or child, and
# more than 2 cm is enlarged (Nelson Textbook of Pediatrics, "The spleen"). Without the costal margin,
# "spleen 6 cm" may be an ultrasound length, normal in an infant, and is left unread too.
_SPLEEN_BELOW_MARGIN = re.compile(
    r"\b(?:palpable\s+)?spleen\s*:?\s*(?:(?:is|was)\s+)?(?:palpable\s+|palp\.?\s+|felt\s+)?(?:at\s+)?"
    r"(?P<size>\d+(?:\.\d+)?)\s*cm\s+"
    r"(?P<margin>bcm|blcm|below\s+(?:the\s+)?(?:lcm|(?:left\s+)?costal\s+margin))\b"
)
_SPLEEN_ENLARGED_OVER_CM = 2.0
# "Liver 4 cm below costal margin", "liver palpable 3 cm BCM", "liver span 9 cm": unlike the spleen's 2 cm
# above, no size beyond which a child's liver is enlarged is sourced here: the curated reference
# (../shared/reference/osteopetrosis-knowledge.md) gives none for any age, below the costal margin or as a
# span. None is invented: such a phrase is reported as not found, with a note that asks for the finding in
# words (see TextParser._emit).
_LIVER_SIZE = re.compile(
    r"\b(?:palpable\s+)?liver\s*(?:edge\s*|span\s*)?:?\s*(?:(?:is|was)\s+)?(?:palpable\s+|palp\.?\s+|felt\s+)?"
    r"(?:at\s+|of\s+)?\d+(?:\.\d+)?\s*cm\b"
)
# "HSCT not indicated due to neurodegeneration", "no transplant because of severe neurodegeneration": a
# negation of words that name no finding (a treatment, a decision) and then its reason. The reason is stated, not
# negated: the neurodegeneration was read as excluded, the opposite of the note. The reason starts a sentence of
# its own (see TextParser._split_negated_reason). A negated finding before a cause ("no fractures due to
# trauma") is left as it was.
_NEGATED_REASON = re.compile(
    r"\b(?P<cue>no|not|without|never)\s+(?P<what>[a-z][^,;.:!?()\n]{0,60}?)\s+(?=(?:due\s+to|because(?:\s+of)?"
    r"|owing\s+to|on\s+account\s+of|in\s+view\s+of|in\s+light\s+of|given|as\s+a\s+result\s+of)\b)"
)
_NEGATED_REASON_MOST_WORDS = 6
_NOT_SEEN = re.compile(
    r"\s+(?:(?:is|was|are|were)\s+)?not\s+(?:seen|found|observed|detected|present|noted|identified|reported"
    r"|documented|evident|demonstrated|appreciated)\b"
)
# The start of a phrase split off by a negation inside a phrase (see _inline_cue).
_INLINE_MARK = "zzinlinezz"
_INLINE_NEGATION = re.compile(
    # "She denies fever", "ROS negative for fever, rash": the cue starts a new phrase, as "no" does (the fever was
    # read as observed, "she denies" left aside as words outside the match). "Denied" is a post-cue too ("fever
    # denied on questioning"), so it is not split off (see _POST_NEGATION).
    r"\bden(?:y|ies)\b|\bnegative\s+for\b|"
    r"\bfree\s+of\b|\bwith\s+no\b|\bwithout\b|\bno\b"
    r"|\b(?:(?:do|does|did|has|have|had|is|was|are|were)\s+)?(?:not|never)"
    r"(?:\s+(?:have|has|had|show|shows|showed|shown|develop|developed|experience|experienced))?\b"
)
# A post-cue need not be the last word: "hepatomegaly absent on examination", "hydrocephalus was ruled out
# by MRI". The words after it only say where or when; a finding among them holds the phrase back.
_POST_NEGATION = re.compile(
    r"\s+(?:(?:is|was|are|were|been|has\s+been|have\s+been|remains?|remained)\s+)?"
    r"(?:absent|not\s+present|ruled\s+out|excluded|normal|intact|unremarkable|negative|nil|none|denied)\b"
)
# "no fractures, thrombocytopenia present": a finding said to be present ends a negation's scope. The
# "confirmed" of "to be confirmed" is a doubt (see _POST_UNCERTAIN): "anaemia to be confirmed" read as "anaemia
# to be" confirmed, observed.
_POST_AFFIRM = re.compile(
    r"\s+(?:(?:is|was|are|were|been|has\s+been|have\s+been)\s+)?(?:present|noted|positive|(?<!\bto\sbe\s)confirmed)\b"
)
# "Positive for pallor", "+ve for anaemia" (a review of systems): the finding is stated.
_PRE_AFFIRM = re.compile(r"^positive\s+for\b\s*")
# Uncertain or hypothetical findings ("rule out osteopetrosis", "possible hepatomegaly", "? splenomegaly",
# "at risk of fractures") are not findings of the patient; like the ConText algorithm's hypothetical and
# uncertain triggers (Harkema et al. 2009, PMID:19435614) they are shown to the user and not read. A
# preposition may come first: "referred for possible osteopetrosis".
_UNCERTAIN = re.compile(
    r"^(?:(?:for|of|as|with|to)\s+)?"
    # "Most likely", "highly probable", "very likely" are doubts too: "most likely osteopetrosis" read as observed.
    r"(?:(?:to\s+)?rule\s+out|ruling\s+out|r/o"
    r"|(?:(?:most|more|less|very|highly|quite)\s+)?(?:possible|possibly|probable|probably|presumably|likely|unlikely)"
    r"|suspected|suspect|suspicion\s+of|query|questionable|equivocal|borderline|doubtful|presumed|presumptive"
    r"|(?:evaluate|evaluation|screen|screening|screened|assess|assessment|test|tested|investigated|investigation"
    r"|investigations|work\s*up|workup|worked\s+up)\s+(?:for|of)"
    r"|(?:look|looking|check|checking)\s+for"
    r"|(?:at\s+)?risk\s+(?:of|for)|concern\s+for|concerning\s+for|may\s+have|might\s+have"
    r"|could\s+be|cannot\s+(?:exclude|rule\s+out)|to\s+exclude|consider|considered"
    r"|differential\s+diagnos[ie]s(?:\s+(?:includes?|of))?|differential\s+includes|differential|ddx|dd)\b\s*"
)
# "Anaemia probable", "anaemia probably", "anaemia query" are doubts as "probable anaemia" and "query anaemia" are
# (they read as observed).
_POST_UNCERTAIN = re.compile(
    r"\s+(?:(?:unlikely|suspected|possible|likely|probable|probably|query|queried|questionable"
    r"|not\s+excluded|cannot\s+be\s+excluded|to\s+be\s+excluded|questioned|equivocal|borderline|doubtful)$"
    # "Bleeding tendency to be investigated": a question the work-up is to answer (it read as observed). Words
    # after it only say how or when ("to be confirmed by biopsy"), and the phrase is held back with them.
    r"|(?:to\s+be\s+(?:investigated|assessed|evaluated|confirmed)|under\s+investigation|being\s+investigated)\b)"
)
# A doubt inside a phrase, after words and before more ("anaemia unlikely on FBC", "anaemia suspected on
# examination", "splenomegaly probable on ultrasound", "anaemia likely osteopetrosis") may be said of the words
# before it, and the words after it only say where or why: the phrase is held back, as "X unlikely" is (they
# were read as observed). A doubt before a cause is the exception (see _DOUBTED_CAUSE).
_DOUBT_INSIDE = re.compile(
    r"\s+(?:(?:most|more|less|very|highly|quite)\s+)?(?:unlikely|suspected|possible|possibly|likely|probable"
    r"|probably|presumably|query|queried|questionable|questioned|doubtful|equivocal)\s+(?=\S)"
)
# "Anaemia probably due to osteopetrosis", "anaemia is likely secondary to marrow failure": a doubt before a
# cause is a doubt about the cause; the finding before it is stated. It becomes a phrase of its own ("anaemia,
# probably due to osteopetrosis"), so that the anaemia is observed and the cause, with its cue, held back as
# "probable osteopetrosis" is (the osteopetrosis was read as observed, or the whole phrase was not found). Only
# adverbs of likelihood before a word of cause are read so: in "osteopetrosis suspected because of dense bones"
# or "anaemia unlikely due to a normal Hb" the doubt is about the finding, and the phrase is held back (see
# _DOUBT_INSIDE).
_DOUBTED_CAUSE = re.compile(
    r"(?<=[a-z])(?<!\bmost)(?<!\bmore)(?<!\bvery)(?<!\bhighly)(?<!\bquite)"
    r"(?:\s+(?:is|was|are|were))?\s*,?\s+(?=(?:(?:most|more|very|highly|quite)\s+)?"
    r"(?:likely|probably|possibly|presumably)\s+(?:due\s+to|secondary\s+to|caused\s+by|attributable\s+to"
    r"|attributed\s+to|related\s+to|(?:as\s+)?a\s+result\s+of)\b)"
)
# "Anaemia yet to be confirmed", "anaemia not yet confirmed", "anaemia awaiting confirmation", "anaemia
# unconfirmed" say what "anaemia to be confirmed" says, and are rewritten to it (see _POST_UNCERTAIN) before the
# negation cues see their "not": "not yet confirmed" read anaemia as observed, "yet" as a word not found.
_NOT_CONFIRMED = re.compile(
    r"\s+(?:(?:is|was|are|were|has|have|remains?|remained)\s+)?"
    r"(?:(?:yet|still)\s+to\s+be\s+confirmed|not\s+(?:yet\s+)?(?:been\s+)?confirmed|unconfirmed"
    r"|(?:awaiting|awaits|pending|requires?|needs?)\s+confirmation)\b"
)
# "VEPs to be arranged to look for optic nerve compression": the purpose of a test, in the middle of a phrase,
# starts a phrase of its own, so that its cue ("to look for", an uncertainty cue above) hedges what it names
# (the compression was read as observed).
_PURPOSE = re.compile(r"(?<=[a-z])\s+(?=to\s+(?:look|check|screen|assess|test|evaluate)\s+for\b)")
# "X was not ruled out" and a question mark next to a word ("? splenomegaly", "splenomegaly?") are
# uncertain, and read before the negation cues see their "not".
# So are "X cannot be excluded" and "X (is) to be excluded" (or ruled out): their "excluded" was read as a
# post-negation first, so "anaemia cannot be excluded" excluded the anaemia, the opposite of a doubt.
_NOT_RULED_OUT = re.compile(
    r"\s+(?:(?:is|was|has\s+been|have\s+been)\s+)?not\s+(?:been\s+)?(?:ruled\s+out|excluded)\b"
    r"|\s+(?:(?:cannot|can\s+not|could\s+not)\s+be|(?:(?:is|are)\s+)?(?:yet\s+|still\s+)?to\s+be)"
    r"\s+(?:ruled\s+out|excluded)\b"
)
_NOT_LIKELY = re.compile(r"\s+(?:(?:is|was|are|were)\s+)?not\s+(?:likely|probable)\b")
# "Osteopetrosis is not supported": the writer weighs the evidence against the diagnosis, as "osteopetrosis
# unlikely" does, and it is held back as that is (it read "osteopetrosis" as observed, "supported" as a
# phrase of its own).
_NOT_SUPPORTED = re.compile(r"(?<=[a-z])\s+(?:(?:is|was|are|were)\s+)?not\s+supported\b")
# The words of a report that link a finding to a diagnosis. The Brigham and Women's diagnostic certainty scale
# (Shinagare et al., https://rad.bwh.harvard.edu/diagnostic-certainty-scale; Lacson et al. 2018,
# DOI:10.2174/1874431101812010051) gives "consistent with" and "compatible with" for an established
# diagnosis, and lists "suggestive of", "suspicious of", "worrisome for" and "question of" as hedges, with "may
# represent" for an intermediate probability. "Consistent with", "compatible with" and "in keeping with" state
# the diagnosis: they read as "of" ("appearances of osteopetrosis"), so that a negation before them reaches it
# ("no features consistent with osteopetrosis" read osteopetrosis as observed, since "with" started a new
# clause) and "not consistent with X" is "no X". A hedge starts a phrase of its own with "possible"
# ("findings suggestive of osteopetrosis" and "appearances suspicious for osteomyelitis" read as observed);
# after a negation in its clause it reads as "of" too ("no features suggestive of osteopetrosis" excludes it).
_NOT_CONSISTENT = re.compile(
    r"\b(?:is\s+|are\s+|was\s+|were\s+)?not\s+(?:(?:entirely|fully|completely|particularly)\s+)?"
    r"(?:consistent|compatible|in\s+keeping)\s+with\b"
)
_CONSISTENT = re.compile(
    r"\s+(?:(?:is|are|was|were|appear|appears)\s+)?(?:(?:most|more|entirely|fully|highly)\s+)?"
    r"(?:consistent|compatible|in\s+keeping)\s+with\b"
)
_HEDGE = re.compile(
    r"\s*\b(?:(?:is|are|was|were|appear|appears|which\s+(?:is|are))\s+)?"
    r"(?:(?:highly|very|somewhat|mildly)\s+)?"
    r"(?:suggestive\s+of|suspicious\s+(?:for|of)|worrisome\s+for|concerning\s+for|(?:may|might|could)\s+represent"
    r"|(?:raising|raises)\s+(?:the\s+)?(?:question|possibility)\s+of|question\s+of)\s*"
)
_HEDGE_LOOK_BACK = 200
_HEDGE_NEGATED = re.compile(r"\b(?:no|not|without|negative\s+for|denies|denied|free\s+of|absence\s+of|nil)\b")
# "Conductive hearing loss? Osteopetrosis.": a "?" glued to the word before it, with more words after it on the
# line, may doubt the words before it ("splenomegaly?") or the words after it ("? osteopetrosis", the request's
# query): in "Pain? Fracture" the pain is stated and the fracture queried. Which one the writer meant is not
# known, so both are doubts: the "?" reads as "? ?" (the phrase after it read as observed). An answer after it
# ("Fractures? No", "Splenomegaly? yes") and a sex heading's value ("Sex: F? anaemia") are read as before.
_QUESTION_BETWEEN = re.compile(
    r"(?<=[A-Za-z]{2})\?[ \t]+(?=[A-Za-z])(?!(?:no|none|nil|yes|not|negative|positive|normal|absent|present"
    r"|unknown|nk|unclear|confirmed|excluded|ruled|never)\b)",
    re.IGNORECASE,
)
_SEX_VALUE_LOOK_BACK = 40
_SEX_VALUE_BEFORE = re.compile(r"\b(?:sex|gender)\s*[:=-]?\s*[A-Za-z-]+$", re.IGNORECASE)
_QUESTION_BEFORE = re.compile(r"(?:^|(?<=[\s,;(]))\?\s*(?=[a-z])")
# "Splenomegaly: ?" is a doubt about the heading, as "splenomegaly?" is: it reads "splenomegaly possible" (the
# "?" ended the sentence and the heading was read as observed). A sex or consanguinity heading's "?" says
# nothing and is cut out before (see _SEX_NOT_KNOWN, _take_consanguinity).
_QUESTION_HEADING_VALUE = re.compile(r"[ \t]*[:=][ \t]*\?+(?=\s*(?:[,;.!?)]|$))")
_QUESTION_AFTER = re.compile(r"(?<=[a-z])\s*\?")
# "Anaemia, ?" and "anaemia (?)": a "?" alone after a comma, or in brackets after a word, is a doubt about the
# words before it, as "anaemia?" is. The anaemia was read as observed, the "?" taken as a sentence end only.
_QUESTION_ALONE = re.compile(r"(?<=,)[ \t]*\?+(?=\s*(?:[,;.!?)]|$))")
_QUESTION_BRACKET = re.compile(r"(?<=[a-z])[ \t]*\([ \t]*\?+[ \t]*\)")
# Conditional and counselling wording ("without treatment, blindness develops", "if not transplanted ...",
# "will need"): ConText's hypothetical triggers. The whole sentence is held back, before "without" or
# "not" can be read as a negation.
_HYPOTHETICAL = re.compile(
    r"\b(?:if|unless|untreated|otherwise|in\s+case\s+of|in\s+the\s+event\s+of|would|will"
    r"|without\s+(?:treatment|therapy|transplant\w*|hsct|bmt|intervention))\b"
)
_HYPOTHETICAL_MARK = " hypotheticalcue "
# The courtesy of a referral letter ("I would be grateful if you could see this girl whose anaemia ...", "would you
# kindly review", "I would appreciate your opinion on") is no conditional: its "would" and "if" held the whole
# sentence back, the anaemia with it. It is cut out before the hypothetical cues are read.
_COURTESY = re.compile(
    r"\b(?:(?:i|we)\s*(?:would|'d|should)\s+(?:be\s+(?:most\s+|very\s+|extremely\s+|really\s+)?(?:grateful|obliged)"
    r"|(?:greatly\s+|really\s+)?(?:appreciate|value|welcome))(?:\s+it)?(?:\s+if\s+you(?:'d|\s+(?:could|would|can|might))"
    r"(?:\s+(?:kindly|please))?)?(?=\s)"
    r"|would\s+you\s+(?:(?:kindly|please)\s+|be\s+(?:so\s+kind|kind\s+enough)\s+(?:as\s+)?to\s+)?"
    r"(?=(?:see|review|assess|evaluate)\b))"
)
# "Would you kindly see this boy with anaemia?": the question mark of a request, not a doubt of its last words.
_COURTESY_QUESTION = re.compile(
    r"(\bwould\s+you\s+(?:(?:kindly|please)\s+|be\s+(?:so\s+kind|kind\s+enough)\s+(?:as\s+)?to\s+)?"
    r"(?:see|review|assess|evaluate)\b[^?.;!\n]*)\?"
)
# Contractions and clinical shorthand, rewritten to the plain words the cues above know.
_SHORTHAND: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\u2018\u2019]"), "'"),
    (re.compile(r"\bcan'?t\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"(?<=[a-z])n't\b"), " not"),
    (re.compile(r"\bw/o\b"), " without "),
    # "O/E: pale": on examination, a heading (see _SECTION_HEADINGS); it was reported as words not found.
    (re.compile(r"(?<![a-z0-9/])o\s?/\s?e(?![a-z0-9/])"), "on examination"),
    (re.compile(r"\bneg\b\.?"), "negative"),
    # "Bleeding -ve", "nosebleeds +ve", "+ve fam hx": the shorthand of a result, as "negative" and "positive" (the
    # "-ve" was left as words and the finding read as observed).
    (re.compile(r"(?<![a-z0-9])[-\u2013\u2212]\s?ve\b"), " negative"),
    (re.compile(r"(?<![a-z0-9])\+\s?ve\b"), " positive"),
    # "Allergies: NKDA" (no known drug allergies) says nothing of a finding; it read as Allergy observed.
    (re.compile(r"\b(?:(?:drug|known)\s+)?allerg(?:y|ies)\s*[:=\-]?\s*nk(?:d|f)?a\b|\bnk(?:d|f)?a\b"), " "),
    (re.compile(r"\bzero\b"), "no"),
    (re.compile(r"\bneither\b"), "no"),
    (re.compile(r"\bfree\s+from\b"), "free of"),
    (re.compile(r"\b([a-z]+)-free\b"), r"no \1"),
    # "Vision NAD", "Hb OK", "calcium WNL": the template's shorthand for normal (_VALUE_WORDS) after the words it
    # is said of, with no colon, ending the phrase. It was left as a word, so "vision nad" was not found and the
    # pertinent negative lost.
    (re.compile(r"(?<=[a-z])\s+(?:nad|wnl|ok|okay)(?=\s*(?:[,;.]|$))"), " normal"),
    # "not only anaemia but also thrombocytopenia" lists two findings.
    (re.compile(r"\bnot\s+only\b"), " "),
    (re.compile(r"\bbut\s+also\b"), " and "),
    # A sign after a finding: "hepatomegaly (-)", "fractures -", "anaemia +".
    (re.compile(r"\(\s*-\s*\)|(?<=[a-z])\s+-(?=\s*(?:[,;.]|$))"), " absent"),
    (re.compile(r"\(\s*\+\s*\)|(?<=[a-z])\s*\+(?=\s*(?:[,;.]|$))"), " present"),
    # "Fractures - none": a spaced dash between words is a heading and its value, as a colon is; so is one before
    # a "?" ("Consanguinity - ?" said the parents were related, as "consanguinity" alone does).
    (re.compile(r"(?<=[a-z])\s+[-\u2013\u2014]\s+(?=[a-z0-9?])"), ": "),
    # "no other findings than anaemia" is "no findings other than anaemia".
    (re.compile(r"\bother\s+((?:[a-z]+\s+){1,3}?)than\b"), r"\1 other than"),
    # "Ca normal", "Ca: NAD", "normal Ca": calcium, said to be normal (it was reported as words not found). "Ca"
    # alone may be cancer ("Ca breast"), a tumour marker ("CA-125", "CA 19-9") or a ratio ("Ca/Cr"), so it is read
    # as calcium only right next to a "normal" cue; "no Ca" stays unread.
    (re.compile(r"(?<![a-z0-9/\-])ca(?=\s*:?\s*(?:normal|unremarkable|nad|wnl|ok|okay)\b)"), "calcium"),
    (re.compile(r"(?<=\bnormal\s)ca(?![a-z0-9/\-])(?!\s*[\d/\-])(?!\s+[a-z])"), "calcium"),
)
# "Heading: value" with a one- or two-word value ("Hepatosplenomegaly: absent", "Hearing: normal", "vision:
# reduced") is one phrase; the value words of a structured template become cue words.
_HEADING_VALUE = re.compile(r":\s*((?:[a-z0-9+\-/]+)(?:\s+[a-z0-9+\-/]+)?)\s*(?=[,;!?]|\.(?!\d)|$)")
_VALUE_WORDS = {
    "no": "absent",
    "none": "absent",
    "nil": "absent",
    "0": "absent",
    "-": "absent",
    "negative": "absent",
    "not present": "absent",
    "not seen": "absent",
    "yes": "present",
    "+": "present",
    "positive": "present",
    # Clinical shorthand for a normal finding: "Hearing: OK", "Abdomen: NAD" (no abnormality detected),
    # "Calcium: WNL" (within normal limits).
    "ok": "normal",
    "okay": "normal",
    "fine": "normal",
    "nad": "normal",
    "wnl": "normal",
}
# Number words an age is written in: one to nineteen, and the tens up to ninety with a unit joined by a
# hyphen or a space ("twenty-four months", "thirty six weeks"), as English spells 21 to 99.
_ONE_TO_NINETEEN = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBER_WORDS = {word: float(i) for i, word in enumerate(_ONE_TO_NINETEEN, start=1)} | {
    word: float(10 * i) for i, word in enumerate(_TENS, start=2)
}
# Longest first, so that "seventeen" and "seventy" are not read as "seven".
_NUMBER_WORD = (
    rf"(?:(?:{'|'.join(_TENS)})(?:(?:-|\s+)(?:{'|'.join(_ONE_TO_NINETEEN[:9])}))?"
    rf"|{'|'.join(sorted(_ONE_TO_NINETEEN, key=len, reverse=True))})"
)
# A figure, with a half written as the sign or as "1/2" ("2½ years", "1 1/2 years old"). "1/2" never clashes
# with the paediatric shorthand below, whose denominators are 12, 52 and 7; a date ("1/2/2024") is refused.
_FIGURE = r"\d+(?:\.\d+|\s?\u00bd|\s+1/2(?![\d/]))?"
_NUMBER = rf"(?:{_FIGURE}|{_NUMBER_WORD})"
# Whole years before a smaller unit: "2 years 4 months old", "2y 4m old", "aged 2 yrs and 4 mo", "two years
# four months old" (without it, the last would read as 4 months).
_YEARS = rf"(?:(?:\d+|{_NUMBER_WORD})\s*-?\s*(?:years?|yrs?|y)\s*,?\s*(?:and\s+)?)?"
_UNIT = r"(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|[dwmy])"
_AGE = re.compile(
    rf"\b{_YEARS}{_NUMBER}\s*-?\s*(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|[dwmy])\s*-?\s*old\b"
    # "aged 4 months", and the heading "Age: 2 years 4 months" (with "old" after it: "Age: 7 years old")
    rf"|\b(?:aged?\s+|age\s*[:=]\s*){_YEARS}{_NUMBER}"
    r"\s*(?:days?|weeks?|wks?|months?|mos?|years?|yrs?\b|[dwmy](?![a-z]))(?:\s*-?\s*old\b)?"
    rf"|\b{_YEARS}{_FIGURE}\s*-?\s*(?:yo|y/o|mo|m/o|mos|wk|wks)(?![a-z/])(?!\s*(?:of|-))"
    rf"|\b{_YEARS}{_NUMBER}\s+(?:days?|weeks?|months?|years?)\s+of\s+age\b"
)
# "7 y/o", "7 y.o.", "7 m/o", "7 m.o." are "7 yo" and "7 mo", as _AGE reads them; they are rewritten so before
# anything reads the text. The heading read "Age: 7 y" and left "/o" as a word not found ("Age: 7 y/o. anaemia"),
# and the full stops of "y.o." ended sentences ("7 y.o. boy" gave no age). The last full stop is kept where a
# sentence may end there: before a capital that is no lone sex letter ("7 y.o. Anaemia"), or at the end.
_AGE_UNIT_DOTS = re.compile(
    r"(?<=\d)(?P<gap>[ \t]?-?[ \t]?)(?P<unit>[ym])(?:[ \t]?/[ \t]?o|\.[ \t]?o(?P<dot>\.)?)(?![a-z0-9/])",
    re.IGNORECASE,
)
_SENTENCE_AFTER_AGE = re.compile(r"\s*$|\s+(?![FM]\b)[A-Z]")


def _age_unit(match: re.Match[str]) -> str:
    """ "7 y/o" -> "7 yo", "7 y.o. boy" -> "7 yo boy", "7 y.o. Anaemia" -> "7 yo. Anaemia" (see _AGE_UNIT_DOTS)."""
    unit = f"{match.group('gap')}{match.group('unit').lower()}o"
    ends = match.group("dot") and _SENTENCE_AFTER_AGE.match(match.string, match.end())
    return f"{unit}." if ends else unit


# A bracket that holds only an age in words ("Baby boy (six weeks): anaemia") is a comma-separated phrase,
# as one with a figure is ("(6 weeks)"; see TextParser.parse), so that the age after the patient is read.
_AGE_IN_WORDS_BRACKET = re.compile(rf"\(\s*({_YEARS}{_NUMBER_WORD}\s*-?\s*{_UNIT}(?:\s*-?\s*old)?)\s*\)")
# "Aged 2" with no unit: clinicians give whole years bare ("girl aged 2", "aged 14"), and a unit that is
# written is read above. A range, a fraction ("aged 2 1/2") or hours are left unread.
_AGED_YEARS = re.compile(
    r"\baged\s+(\d{1,3}(?:\.\d+)?)(?!\.?\d|,\d|[/\u00bd])(?!\s*(?:[\d/%\u2013-]|h(?:ours?|rs?)?\b|to\s+\d))"
)
# A bare age right after a word for the patient and a comma, as clinicians head a note: "Boy, 4 months, with
# anaemia", and "Baby girl (6 weeks) with ..." (a bracket with a number is a comma-separated phrase by the time
# ages are read; see TextParser.parse). It must end its phrase: "boy, 4 months of anaemia" and "girl, 2 weeks
# with fever" may be durations. A bare "4 months" elsewhere stays unread: it may be a duration or an onset.
_PATIENT_NOUN = r"(?:boy|girl|infant|baby|child|toddler|neonate|newborn|male|female|man|woman|patient)"
_AGE_AFTER_PATIENT = re.compile(
    rf"\b{_PATIENT_NOUN}\s*,\s*"
    rf"({_YEARS}{_NUMBER}\s*-?\s*(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|[dwmy]))"
    r"(?=\s*(?:[,:]|$))"
)
# "Woman, 52, with osteosclerosis": a word for an adult, a comma and a bare whole number that ends its phrase
# is the age in years, as clinicians head a note. The noun says an adult, so a number below 16 (or above
# 110) is not read as an age: it may be a count or a score. "Male"/"female" alone are left out: they head a
# child's note as well, where a bare number may be months; "Adult male, 60" says the adult ("60" was not found).
_ADULT_AGE = re.compile(
    r"\b(?:man|woman|gentleman|lady|adult(?:\s+(?:male|female))?)\s*,\s*(\d{2,3})(?=\s*(?:[,:]|$))"
)
_ADULT_YEARS = (16, 110)
# "3 mo M, anaemia", "infant (8 wks), F, ...", "F, 6-week-old": a lone F or M right next to the patient's age
# in the same clause, as notes abbreviate the sex. It must stand alone between commas, brackets or the
# clause's ends (or before "with"); a lone letter elsewhere is not a sex.
_SEX_LETTER_AFTER = re.compile(r"[\s,]*\b([fm])\b(?=\s*(?:[,:]|with\b|$))")
# The letter before the age may be the value of a sex heading ("Sex: F Age: 7 months"), taken with it.
_SEX_LETTER_BEFORE = re.compile(r"(?:^|[,:])\s*(?P<heading>(?:sex|gender)\s*[:=]?\s*)?\b([fm])\b[\s,]*$")
_SEX_LETTERS = {"f": "female", "m": "male"}
# "Sex: F", "Gender: male", "sex m", as a note's template heads it: the heading must start its clause (ages are
# taken out first, so "Age: 7 months Sex: F" has it at the start), so that "opposite-sex male twin" is no
# heading. The value is one word, F, M, female or male, and prose may follow it on the line ("Sex: F anaemia").
# A value that names a sex but not a single one ("female-to-male", "M/F", "male or female", "F?", which reads
# "f possible" by then) is unclear: no sex is taken from it, and a note says so. A value that says the sex is
# not known ("Sex: unknown") is cut out before (see _SEX_NOT_KNOWN); any other value is left in the text and
# reported as not found.
_SEX_WORD_VALUE = r"(?:female|male|f|m)(?![a-z0-9'])"
_SEX_DOUBT = (
    r"(?:unknown|unclear|uncertain|unconfirmed|undetermined|indeterminate|ambiguous|possible|possibly|probable"
    r"|probably|likely|query|suspected|presumed)\b"
)
_SEX_JOINER = (
    r"\s*(?:[-/>&\u2192]|\b(?:to|or|and|vs|versus|now|then|into)\b"
    rf"(?=\s*-?\s*(?:{_SEX_WORD_VALUE}|(?:man|woman|boy|girl)\b)))"
)
_SEX_HEADING = re.compile(
    r"(?:^|(?<=[,;:(]))\s*(?:(?:biological|patient'?s?)\s+)?(?:sex|gender)\s*[:=]?\s*"
    # Unclear: the sex joined to more by a sign ("female-to-male", "m/f", "m>f") or by a word before another
    # sex ("male to female", "f or m"), or followed by a word of doubt ("m unknown", "f possible").
    rf"(?:(?P<unclear>{_SEX_WORD_VALUE}(?:(?:{_SEX_JOINER})+\s*(?:{_SEX_WORD_VALUE})?(?:\s+{_SEX_DOUBT})*"
    rf"|(?:\s+{_SEX_DOUBT})+))"
    r"|(?P<sex>female|male|f|m)(?=\s*(?:[,;:.!?)]|$)|\s+[^\s\-/>&\u2192]))"
)
_SEX_WORDS = {"f": "female", "m": "male", "female": "female", "male": "male"}
# A sex heading whose value says the sex is not known or not recorded ("Sex: unknown", "Sex: not recorded",
# "Sex: U", "Gender: ?", "Sex - n/k"). It says nothing: like a consanguinity heading that says "unknown", it is
# cut out of the text before the sentences are read, with no sex, no finding and nothing not found (see
# TextParser.parse). With a colon or "=" (a spaced dash is a colon by now) it must start its clause, as
# _SEX_HEADING does, and prose may follow a word value on the line, as after "Sex: F"; a "?" must end its clause
# ("Sex: ?M" is a doubt about a sex, read by _SEX_HEADING). Without a colon only the words are taken (not "U"
# or "NK"), wherever they stand and whatever follows ("Age 7 months Sex unknown anaemia", "anaemia, sex not
# stated"): "sex unknown" or "gender not recorded" names no finding, and left in the text it became part of the
# phrase after it ("sex unknown anaemia") or, through its "not", a negation ("sex not stated anaemia" excluded
# anaemia). Words that may describe the child rather than the record ("Sex: ambiguous", "indeterminate",
# "unclear": atypical genitalia is a finding, HP:0000062) are not among them: they are still shown as words not
# found, for the user to read.
_SEX_NOT_KNOWN_WORDS = (
    r"(?:unknown|not\s+known|not\s+recorded|not\s+stated|not\s+documented|not\s+given|not\s+specified"
    r"|unspecified|not\s+available|not\s+asked)"
)
_SEX_NOT_KNOWN = re.compile(
    r"(?:^|(?<=[,;:(.!?]))\s*(?:(?:biological|patient'?s?)\s+)?(?:sex|gender)"
    rf"\s*[:=]\s*(?:\?+(?=\s*(?:[,;.!()]|$))|(?:{_SEX_NOT_KNOWN_WORDS}|u|unk|u/k|nk|n/k|n/a|na)(?![\w/'\-]))"
    rf"|(?<![\w'\-])(?:(?:biological|patient'?s?)\s+)?(?:sex|gender)\s+{_SEX_NOT_KNOWN_WORDS}(?![\w/'\-])"
)
# "Age: 7" with no unit: 7 years and 7 months are both paediatric ages, so the number is not guessed either
# way; the age is taken out of the words with a note (see _take_ages). "Age: 7 years", "Age 7y", "Age: 7 mo"
# are read by _AGE. Like the sex heading, it must start its clause and its number end it (or come before
# "with" or the sex heading). "Aged 2" is not this heading: prose gives whole years bare (see _AGED_YEARS).
_AGE_WITHOUT_UNIT = re.compile(
    r"(?:^|(?<=[,;:(]))\s*(?P<age>age\s*[:=]?\s*\d{1,3}(?:\.\d+)?)(?=\s*(?:[,;:)]|$|with\b|sex\b|gender\b)"
    # Prose after the number on its line ("Age: 7 anaemia"), or on the next line in lower case, which runs on
    # ("Age: 7" then "anaemia"), as after "Sex: F": the age is still the heading's, and no unit follows it. It
    # was read as "7 anaemia", and "age" as a word not found. A word that may be a unit _AGE does not know
    # ("mths", "hrs"), or more of the number ("7 1/2", "7 and a half"), leaves it as written.
    r"|\s+(?![dwmyh]\b|d(?:a)?ys?\b|w(?:ee)?ks?\b|mo(?:n|nth|nths|s)?\b|m(?:n)?ths?\b|y(?:ea)?rs?\b|yo\b"
    r"|[a-z]/o\b|hours?\b|hrs?\b|old\b|and\b|half\b)[a-z])"
)
# The headings of a note's template that may share one line ("Age: 8 months  Sex: male  Consanguinity: yes",
# "Age 2y Sex F"): each is cut off from the one before it, as a line break would, so that it starts its
# clause as the age and sex headings above need (see _split_headings). With a colon any of them is a heading;
# without one, only "age" before a number and "sex"/"gender" before F, M, female, male or a word that says the sex
# is not known ("unknown", "not stated") are, and only right after the value of another heading: "anaemia since age 2 years" and "the sex of the sibling" are prose. A date
# of birth is cut out before (see _take_birth_dates).
_TEMPLATE_HEADING = re.compile(
    r"(?<![\w'])(?:(?:biological|patient'?s?|parental(?=\s+consanguin))\s+)?"
    r"(?P<key>sex|gender|age|consanguinity|consanguineous)"
    rf"(?:\s*(?P<colon>[:=])|(?=\s+(?:female|male|f|m)\b|\s+{_SEX_NOT_KNOWN_WORDS}(?![\w/'\-])|\s*\d))"
)
# "Sex unknown" is a value as "Sex F" is, so that a bare heading after it is cut off ("Sex unknown Age 7").
_SEX_VALUE = rf"(?:(?:female|male|f|m)\b|{_SEX_NOT_KNOWN_WORDS}(?![\w/'\-]))"
# The value of each heading, by the first letter of its key: an age with or without its unit ("7 years",
# "2y 4m", "4/12", "7"), a sex, one word ("yes"). A value not of its kind ends the run of headings.
_TEMPLATE_VALUES = {
    "s": re.compile(rf"\s*{_SEX_VALUE}"),
    "g": re.compile(rf"\s*{_SEX_VALUE}"),
    "a": re.compile(
        rf"\s*(?:(?:\d{{1,2}}\s+)?\d{{1,2}}/(?:12|52|7)(?![\d/])"
        rf"|{_YEARS}{_NUMBER}(?:\s*-?\s*(?:yo|y/o|m/o|{_UNIT})(?![a-z/]))?(?:\s*-?\s*old\b)?)"
    ),
    "c": re.compile(r"\s*[a-z0-9+\-/]+"),
}
# Words before "age:" that make it another age than the patient's ("bone age: 2 years", see _MEASURED_AGE) or
# an onset ("onset age: 3 months", see _ONSET_BEFORE): the heading is not cut off from them.
_AGE_QUALIFIERS = frozenset(
    {
        "bone",
        "skeletal",
        "height",
        "mental",
        "developmental",
        "dental",
        "gestational",
        "postmenstrual",
        "post-menstrual",
        "corrected",
        "onset",
        "since",
        "at",
        "from",
        "by",
        "until",
        "till",
        "before",
        "after",
        "when",
        "during",
        "between",
        "in",
        "of",
        "the",
    }
)
# A consanguinity heading of a template ("Consanguinity: yes", "Consanguineous: no", "Parents consanguineous:
# unknown", "Parental consanguinity - yes"), starting its clause (template headings on one line are cut apart
# first, see _split_headings) with its value ending it. Consanguinity is family history, not an HPO finding:
# the words "consanguineous parents" or "parents are first cousins" are shown as about a relative (family
# history has its own flag, --consanguineous), and so is such a heading with a value that says yes or anything
# else ("Consanguinity: first cousins"). A value that says no, or that it is not known, says nothing: the
# heading is cut out, with no finding and nothing not found (see _take_consanguinity).
_CONSANGUINITY_HEADING = re.compile(
    r"(?:^|(?<=[,;:(.!?]))\s*"
    r"(?P<heading>(?:(?:the\s+)?parents?(?:'s|s')?\s+|parental\s+)?"
    r"consanguin(?:ity|eous|e)(?:\s+(?:parents|marriage|union|couple))?)"
    # With a colon (or "=", or a spaced dash, which is a colon by now) the value is the rest of the clause;
    # without one, only a word of yes or no that ends the clause ("consanguinity present", from "(+)").
    r"(?:\s*[:=]\s*(?P<value>\?|[^,;.:!?()]*?)"
    r"|\s+(?P<word>yes|no|unknown|nil|none|present|absent|positive|negative))\s*(?=[,;.!?()]|$)"
)
_CONSANGUINITY_SAYS_NOTHING = frozenset(
    {
        # No.
        "no",
        "n",
        "none",
        "nil",
        "negative",
        "absent",
        "denied",
        "denies",
        "not present",
        "not consanguineous",
        "not related",
        "unrelated",
        "-",
        "0",
        # Not known.
        "unknown",
        "unk",
        "not known",
        "nk",
        "n/k",
        "unsure",
        "uncertain",
        "unclear",
        "not stated",
        "not recorded",
        "not documented",
        "not asked",
        "n/a",
        "na",
        "?",
    }
)
# A consanguinity heading kept to be shown as about a relative: a placeholder word, so that it is shown in its
# place in the text, as the words of a relative are.
_KIN_MARK = re.compile(r"zzkin(\d+)zz")
# A consanguinity heading's value that says the parents are related ("yes", "Y", "present" from "(+)", "first
# cousins", "related"); any other value ("possible", "distant?") is shown as about a relative and not counted.
_KIN_VALUE_YES = re.compile(
    r"(?:yes|y|present|positive|confirmed)(?![a-z])|\+|.*\b(?:cousins?|related|consanguineous|uncle|niece|aunt"
    r"|nephew)\b"
)
_COUSIN = r"(?:(?:double\s+)?(?:first|second|third|1st|2nd|3rd)[\s-]+)?cousins?(?:[\s-]+once[\s-]+removed)?"
# Prose that says the patient's parents are related ("consanguineous parents", "consanguineous union",
# "first-cousin parents", "parents are first cousins", "parents are related", "related parents").
# Consanguinity is family history, counted once (TextParse.consanguineous, as --consanguineous), not an HPO
# finding: the words are still shown as about a relative.
_KINSHIP = re.compile(
    r"\bconsanguin(?:ity|eous|e)\b"
    rf"|(?<![a-z])(?<!grand){_COUSIN}[\s-]+(?:parents|marriage|union|couple)\b"
    r"|\b(?:parents|mother\s+and\s+father|father\s+and\s+mother)"
    r"(?:\s*[:=]\s*|\s*,?\s+(?:who\s+)?(?:are|were)\s+|\s+)(?:both\s+)?"
    rf"(?:{_COUSIN}|(?:(?:closely|distantly|blood|biologically)\s+)?related)\b"
    r"|\brelated\s+parents\b"
)
# A consanguinity phrase among a relative's words, as the words stand when a sentence is read (a "not" is ", no"
# by then: "parents, no consanguineous"): "parental consanguinity", "parents (are) consanguineous", "the parents
# are first cousins", "mother and father are related", "parents: first cousins", "consanguineous parents",
# "born to first-cousin parents", and their negations ("parents non-consanguineous", "unrelated parents").
# Consanguinity is a fact of family history, not a heading for a relative's findings: the items after such a
# phrase, after a comma or "and", are the patient's unless they name a relative themselves (the whole sentence
# was the relative's: "parental consanguinity, anaemia" lost the anaemia). See _sentence and _clause.
_KIN_WORD = (
    rf"(?:non-?)?consanguin(?:ity|eous|e)|{_COUSIN}|(?:(?:closely|distantly|blood|biologically)\s+)?related"
    r"|unrelated|non-?related"
)
_KIN_NOUN = r"(?:parents|marriage|union|couple)"
_KIN_PHRASE = (
    r"(?:(?:the|her|his|their|both|my|our)\s+)?"
    r"(?:(?:parents?(?:'s|s')?|parental|mother\s+and\s+father|father\s+and\s+mother)"
    rf"(?:[\s,:=-]+(?:are|were|is|was|both|also|no|not|non|{_INLINE_MARK})\b)*"
    rf"[\s,:=-]+(?:{_KIN_WORD})(?:[\s-]+(?:{_KIN_WORD}|{_KIN_NOUN}))*"
    rf"|(?:(?:no|not|non)[\s-]+)?(?:{_KIN_WORD})(?:[\s-]+(?:{_KIN_WORD}))*[\s-]+{_KIN_NOUN})"
)
# A sentence that starts with one, ended by a comma, ";", "and" or "&": not a sentence about a relative.
_KIN_SUBJECT = re.compile(rf"\s*{_KIN_PHRASE}\s*(?=$|[,;&]|and\b)")
# A relative's words that end with one ("consanguineous parents", "child of consanguineous parents").
_KIN_TAIL = re.compile(rf"(?:^|\b(?:to|of)\s+){_KIN_PHRASE}\s*$")
_KIN_CUE = re.compile(r"consanguin|cousin|related")
# Words after such a phrase that go on about the parents ("parents are first cousins and both are carriers",
# "consanguineous parents, both well"): they stay the relatives' words.
_PARENTS_GO_ON = re.compile(
    r"(?:are|were|is|was|have|both|also|each|they|them|themselves|neither|either|who|whose|healthy|well"
    r"|unaffected|asymptomatic|carriers?|heterozygous|heterozygotes?)\b"
)
# Where the clause of such words starts, read back from them (a colon does not end it: "History: no consanguinity").
# A "?" does not end it either: "? consanguinity" is a doubt.
_KINSHIP_CLAUSE = re.compile(r"[.;!,()\[\]\n]|\bbut\b|\bhowever\b|\balthough\b")
# How many words before such words are looked at for a negation, a doubt or another relative.
_KINSHIP_WINDOW = 6
# A negation or a doubt before them ("no consanguinity", "non-consanguineous", "parents are not
# consanguineous", "denies consanguinity", "possible consanguinity", "? consanguinity"): not counted. A wrongly
# stated consanguinity would favour the recessive forms, so a doubt counts as a no.
_KINSHIP_DOUBT_BEFORE = re.compile(
    r"\b(?:no|not|non|nor|neither|without|never|nil|none|denies|denied|deny|denying|absence|absent|lack|free"
    r"|exclude[sd]?|excluding|negative|unrelated|possible|possibly|probable|probably|suspected|suspect|suspicion"
    r"|query|queried|questionable|unclear|unknown|uncertain|unsure|if|whether|ask|asked|asking|enquire[sd]?"
    r"|inquire[sd]?|check|checked|may|might|could|risk|likely|unlikely"
    # "Rule out consanguinity", "r/o consanguinity", "to confirm consanguinity": a question, not a yes.
    r"|rule|ruled|ruling|r/o|confirm|unconfirmed|disputed|doubtful|alleged|reportedly)\b|\?"
)
# A negation or a doubt right after them ("consanguinity denied", "consanguinity not known", "consanguinity?").
_KINSHIP_DOUBT_AFTER = re.compile(
    r"\s*(?:(?:is|was|are|were|has\s+been|have\s+been)\s+)?(?:not|no|denied|absent|excluded|unknown|unclear"
    r"|uncertain|unsure|negative|nil|none|possible|suspected|questioned|queried|likely|unlikely|doubtful"
    # "Consanguinity ruled out", "… unconfirmed", "… disputed", "… to be confirmed": not a yes (they were).
    r"|ruled|rule|r/o|unconfirmed|disputed|alleged|reportedly|to\s+be|being|awaited|pending"
    # "Consanguinity yet to be confirmed", "… awaiting confirmation" (they were counted).
    r"|yet|still\s+to|awaiting|awaits"
    # "Consanguinity cannot be excluded" is a doubt (it was counted).
    r"|cannot|can\s+not|could\s+not|may|might)\b"
    # "Parents are related by marriage" (in-laws): not by blood (it was counted).
    r"|\s*(?:,\s*)?(?:(?:only|but)\s+)?(?:through|by|via|in)\s+marriage\b|\s*(?:as\s+)?in-?laws?\b"
    # A heading whose value is not on its line ("Consanguinity:" then "Unknown"): its value is not read.
    r"|\s*\?|\s*[:=]"
    # "Consanguinity (?)" is "consanguinity?", a doubt (it was counted).
    r"|\s*\(\s*\?"
)
# Another relative near them: the consanguinity is someone else's ("her mother's parents are cousins",
# "consanguineous marriages in the family"), not said of the patient's parents.
_KINSHIP_OTHER = re.compile(
    r"\b(?:mother|father|mum|mom|dad|sisters?|brothers?|siblings?|sibs?|aunts?|uncles?|grand[a-z]*|nieces?"
    r"|nephews?|relatives|family(?!\s+(?:history|hx)\b)|families|community|kindred|village|tribe|clan|population"
    r"|ancestors?|ancestry|generations?|cousin(?:'s|s'))(?![a-z])"
)
# The words after them that are looked at: to the end of the clause or the next connector.
_KINSHIP_AFTER_END = re.compile(r"[.;:!?,()\[\]\n]|\b(?:and|with|but|however|although|who|whose|which)\b")
# A name heading ("Name:", "Patient name:", "Mother's name -", "Surname:"). Its value is patient data: it is
# cut out of the text before anything else reads it, so that no part of it is matched as a finding or shown
# in a note, a mapping or the words not found (see _take_names).
_NAME_HEADING = re.compile(
    r"(?<![\w'\u2019])(?:(?:patient|pt|child|baby|infant|mother|father|parent|guardian|carer|full|first|last"
    r"|given|family|middle|maiden|preferred)(?:['\u2019]s|s['\u2019])?\.?\s+)?(?:sur|fore|nick)?names?"
    r"(?:\s*[:=]|\s+[-\u2013\u2014](?=\s))",
    re.IGNORECASE,
)
# Where a name ends, besides the end of its line or a ";" or "|": before the next heading ("Sex: F", "Age 7",
# "DOB", any "Word:"), and before a word with a figure (names have none: "Name: John Smith 7 yo boy").
_NAME_NEXT_HEADING = re.compile(
    r"[^\W\d_][\w'\u2019.\-]*\s*[:=]|(?:aged?\s*\d|(?:sex|gender)\s+(?:female|male|f|m)\b|dob\b|d\.o\.b|date\s+of"
    rf"\s+birth\b|mrn\b|(?:sex|gender)\s+{_SEX_NOT_KNOWN_WORDS}\b)",
    re.IGNORECASE,
)
_NAME_LINE_ENDS = frozenset("\r\n;|")
_NAME_WORD = re.compile(r"[\r\n;|]|[^\s,;|]+")
_COMMA_NEXT = re.compile(r"\s*,")
_NAME_PART = re.compile(r"sur|fore|nick|first|last|given|family|middle|maiden", re.IGNORECASE)
# A name of more words than this may have taken findings with it: a note says so (without the name).
_NAME_MOST_WORDS = 4
# Titles whose full stop does not end a name ("Dr. Jane Smith"); a full stop after any other word of two or
# more letters does ("Name: John Smith. Girl with anaemia").
_NAME_TITLES = frozenset({"dr", "mr", "mrs", "ms", "mx", "miss", "prof", "st", "jr", "sr", "mstr"})
# A date-of-birth heading ("DOB: 01/02/2018", "Date of birth: 2018-02-01", "D.O.B. 1 Feb 2018", "Mother's DOB -
# ...", "Born: 1/2/18"). Its value is patient data, as a name is: it is cut out before anything reads the text
# (see _take_birth_dates). No age is worked out from it, since the date of the note is not known.
_BIRTH_HEADING = re.compile(
    r"(?<![\w'\u2019])(?:(?P<whose>patient|pt|child|baby|infant|mother|father|mum|mom|dad|parent|guardian|carer"
    r"|sibling|brother|sister)(?:['\u2019]s|s['\u2019])?\.?\s+)?"
    r"(?:(?P<key>d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth\b|birth\s*date\b|born\b)"
    r"(?P<separator>\s*[:=]|\s+[-\u2013\u2014](?=\s))?)",
    re.IGNORECASE,
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
_DAY = r"\d{1,2}(?!\d)(?:st|nd|rd|th)?"
# A date as notes write one: "01/02/2018", "2018-02-01", "1.2.18", "1 Feb 2018", "1st of February, 2018",
# "Feb 1, 2018", "February 2018", "01-Feb-18", a year or a compact "20180201".
_BIRTH_DATE = re.compile(
    r"\s*(?:\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}"
    rf"|{_DAY}(?:\s+of)?[\s\-./]*{_MONTH}(?:[\s\-.,/]*\d{{2,4}})?"
    rf"|{_MONTH}[\s\-]*{_DAY}(?:,?\s*\d{{2,4}})?"
    rf"|{_MONTH}[\s\-,]*\d{{4}}"
    r"|\d{4,8})(?![\d/])",
    re.IGNORECASE,
)
# Ages that are measurements, not the patient's age: "bone age 2 years" (skeletal maturity, read from a hand
# radiograph; a delayed bone age is a finding of its own, HP:0002750), "height age", "mental age", and
# "gestational age 32 weeks" (time in the womb). With their figure they are taken out before ages are read.
_MEASURED_AGE = re.compile(
    r"\b(?:bone|skeletal|height|mental|developmental|dental|gestational|post-?menstrual)\s+age\s*"
    rf"(?:of|was|is|at|:|=)?\s*(?:about|approximately|approx\.?|~)?\s*{_YEARS}{_NUMBER}"
    r"(?:\s*-?\s*(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|[dwmy])\b)?"
)
# The number and unit letter of each part of an age ("2 years 4 months" -> 2 y, 4 m).
_AGE_PART = re.compile(rf"(?<![a-z.\d])({_NUMBER})\s*-?\s*([dwmy])")
# Paediatric shorthand: "4/12" is 4 months, "3/52" 3 weeks, "5/7" 5 days, "2 4/12" 2 years and 4 months. It
# is read only where it is clearly the patient's age ("aged 4/12", "4/12 old", "a 4/12 infant"): the same
# figures are a date or a ratio elsewhere ("4/12/2024", "BP 120/80"), and "27/40" is a gestation.
_AGE_FRACTION = re.compile(r"(?<![\d/.:])(?:(\d{1,2})\s*(?:years?|yrs?|y)?\s+)?(\d{1,2})/(12|52|7)(?![\d/])")
_FRACTION_BEFORE = re.compile(r"\b(?:aged?\s*[:=]?|now|currently)\s*$")
# "Aged" or the heading "Age:" right before an age: part of it ("aged 4/12", "Age: 7 yo"), cut out with it.
_AGED_BEFORE = re.compile(r"\baged?\s*[:=]?\s*$")
_FRACTION_AFTER = re.compile(
    r"\s*-?\s*(?:old\b|(?=(?:infant|baby|boy|girl|child|toddler|male|female|son|daughter|neonate)\b))"
)
# The largest numerator each denominator takes as an age: up to 24 months ("18/12"), 52 weeks, 6 days.
_FRACTION_UNITS = {"12": ("m", 24), "52": ("w", 52), "7": ("d", 6)}
# "A newborn with ..." gives the age when no number does: the neonatal period is the first 28 days (HPO
# HP:0003623 "Neonatal onset"), so 0 days, the start of it. "Newborn (hearing) screening" is not an age.
_NEWBORN = re.compile(r"\b(?:newborn|neonate)\b(?!(?:\s+[a-z]+){0,2}\s+screen)")
# An age after these words is an onset or the time of an event, not the patient's age now.
_ONSET_BEFORE = re.compile(
    r"\b(since|at|from|by|until|till|before|after|when|onset|during|between|in|of)\s+(?:the\s+)?(?:age\s+)?$"
)
_NOW_BEFORE = re.compile(r"\b(?:now|currently|today|presently|is|at\s+present)\s+(?:an?\s+)?(?:aged?\s+)?$")
_UNIT_DAYS = {"d": 1.0, "w": 7.0, "m": 365.25 / 12, "y": 365.25}
# How many runs of non-space characters each pattern that ends a "before" text at "$" spans at most ("at
# present an aged": 4), for _search_before.
_TAIL_RUNS = {_FRACTION_BEFORE: 2, _AGED_BEFORE: 2, _ONSET_BEFORE: 3, _NOW_BEFORE: 4}
# An age in the words above this is refused as --age is (marbledx.findings._case): a typing error, not a
# patient ("1000-year-old").
_MAX_AGE_DAYS = MAX_AGE_YEARS * _UNIT_DAYS["y"]
_CONNECTOR = re.compile(
    r"(,|\bexcept(?:ing)?(?:\s+for)?\b|\bapart\s+from\b|\baside\s+from\b|\bother\s+than\b|\bbesides\b"
    r"|\bsave\s+for\b|\bwith\s+the\s+exception\s+of\b|\bvs\b\.?|\bversus\b|&|(?<=[a-z]{3})/(?=[a-z]{3})"
    r"|\band\b|\bor\b|\bnor\b|\bwith\b|\bhas\b|\bhad\b|\bshows?\b|\bshowed\b|\brevealed\b|\bdemonstrated\b"
    r"|\bplus\b|\brather\s+than\b)"
)
# "No further fractures", "no new fractures", "no fits since starting calcium": the finding was there
# before, so the negation says it stopped, not that it is absent. Such phrases are held back.
_RESOLVED = re.compile(r"^(?:further|more|new|repeat|recurrences?\s+of)\b|\bsince\b|\bany\s*more\b")
# Cues whose object is a list: "negative for fever, fractures and seizures", "denies bruising, bone pain,
# headaches", "no history of fractures, seizures", "no evidence of X, Y". A review of systems or a history is
# written so, every item absent; bare "no X, Y" is not such a cue, since terse notes also write "no fractures,
# big spleen" for "no fractures; big spleen" (see _settle).
_LIST_CUES = frozenset({"negative for", "denies", "denied"})
# Those cues as written on a line, before the rewrites (see TextParser._end_list_lines).
_LIST_LINE_CUE = re.compile(
    r"\bden(?:y|ies|ied)\b|\bnegative\s+for\b|\bno\s+(?:(?:any|known|previous|prior|past)\s+)?"
    r"(?:history|hx|h/o|evidence|signs?|symptoms?|complaints?)\s+of\b",
    re.IGNORECASE,
)
_LIST_CUE_NO = re.compile(
    r"^(?:(?:any|known|previous|prior|past)\s+)?(?:history|hx|h/o|evidence|signs?|symptoms?|complaints?)\s+of\b"
)
# Cues that say an attribute is normal ("normal vision and hearing", "intact hearing"). They reach every
# item of their list that is a bare attribute (see TextParser._distribute_normal).
_NORMAL_CUES = frozenset({"normal", "intact", "unremarkable"})
_RESETTING = frozenset({"with", "has", "had", "show", "shows", "showed", "revealed", "demonstrated", "plus"})
# Connectors of a list: a negation covers the items they join, as set out in TextParser.parse.
_LIST = frozenset({",", "and", "&", "or", "nor", "/"})
_OR = frozenset({"or", "nor", "/"})
_AND = frozenset({"and", "&"})
# Termination terms (NegEx): the finding after them is the exception to a negation ("normal MRI except for
# hydrocephalus", "unremarkable apart from splenomegaly").
_EXCEPTION = frozenset(
    {
        "except",
        "except for",
        "excepting",
        "excepting for",
        "apart from",
        "aside from",
        "other than",
        "besides",
        "save for",
        "with the exception of",
    }
)
_VERSUS = frozenset({"vs", "vs.", "versus"})
# "Osteogenesis imperfecta rather than osteopetrosis": the words after "rather than" are the alternative the
# writer sets aside, a diagnosis weighed and not made. They are held back as uncertain, as the sides of "vs" are
# (the osteopetrosis was read as observed); the words before it are read as written.
_RATHER = "rather than"
# Sentences end at a full stop (not a decimal point: "Hb 7.2 g/dL"), at "but"/"however" and at ";", "!" or
# "?".
# A line break in a pasted note. It ends a sentence where the note is a list, one item a line: before a
# bullet, a numbered item or a capital letter, and at a blank line. A line that ends with a connector ("no
# fractures or" / "Splenomegaly") or wraps in lower case continues its sentence, as a space.
# The break is found from its newline; the word before it is read back from there (see _join_lines).
_LINE_BREAK = re.compile(r"\n(?P<blank>(?:[ \t]*\r?\n)*)[ \t]*(?P<next>\S?)")
# A line that starts with "?" ("?Gaucher", "? cause") is an item of its own, a doubt: run on, "normal platelets" /
# "?Gaucher" read "normal platelets ?gaucher", and the doubt held the line above back with it.
_LIST_ITEM_START = re.compile(r"[-*\u2022\u00b7\u2013>?]|\d|[A-Z]")
_CONTINUES = frozenset({"and", "or", "nor", "with", "without", "of", "no", "not", "the", "a", "an", "&", "/"})
# A heading's dash, as _SHORTHAND reads it: a letter, then the dash with spaces around it, then a letter or
# a figure ("Fractures - no").
_DASH_HEADING_END = re.compile(r"[a-z]")
_DASH_VALUE_START = re.compile(r"[a-z0-9?]")
# A line that holds only a template's value of absence, under the line it answers: "Fractures" then "no", "-",
# "none", "nil", "absent" or "negative" (see TextParser._answer_lone_values).
_LONE_VALUE = re.compile(
    r"[ \t]*(?P<value>no|none|nil|absent|negative|[-\u2013\u2014])[ \t]*\.?[ \t]*\r?", re.IGNORECASE
)
# A line that ends with a heading's colon, "=" or spaced dash ("Fractures:", "Fractures -"): the next line is
# its value.
_HEADING_LINE_END = re.compile(r"(?:[:=]|[a-z]\s+[-\u2013\u2014])[ \t]*\r?$", re.IGNORECASE)
# A consanguinity heading alone on its line ("Consanguinity", "Parents consanguineous"), as _CONSANGUINITY_HEADING
# reads one: the next line may be its value, as a finding's ("Consanguinity" then "No" is "Consanguinity: No").
_CONSANGUINITY_LINE = re.compile(
    r"[ \t]*(?:(?:the\s+)?parents?(?:'s|s')?\s+|parental\s+)?consanguin(?:ity|eous|e)"
    r"(?:\s+(?:parents|marriage|union|couple))?[ \t]*",
    re.IGNORECASE,
)
# A line that ends its sentence, so that the next one starts a new one.
_SENTENCE_LINE_END = re.compile(r"[.;!?:][ \t]*\r?$")
# A bullet or a number before a line's words ("- Fractures", "2) Hepatosplenomegaly").
_LINE_BULLET = re.compile(r"[ \t]*(?:[-*\u2022\u00b7\u2013\u2014>]|\d{1,2}[.)])[ \t]+")
# The number of a numbered list's item at the start of its line ("1. splenomegaly", "2) anaemia"). Once the
# rules that read lines are done, it becomes a bullet, which still starts a sentence (see _line_break): its
# full stop ended a sentence of its own, and "1" was reported as a word not found.
_LIST_NUMBER = re.compile(r"^(?P<indent>[ \t]*)\d{1,2}[.)](?=[ \t]+\S)", re.MULTILINE)
# A heading's value of absence after its colon, "=" or spaced dash ("Fractures: no", "Fractures - none",
# "Splenomegaly = nil"): a word that _VALUE_WORDS reads as absent, or "absent" (see
# TextParser._answer_heading_values). "0" is no value in "0.5".
_ABSENCE_VALUE = re.compile(
    # Each alternative starts once per run of spaces, not at each of its spaces (a long run took time in the
    # square of its length).
    r"(?P<sep>(?<![ \t])[ \t]*[:=][ \t]*|(?<=[a-z])[ \t]+[-\u2013\u2014][ \t]+)"
    r"(?P<value>none|nil|no|absent|negative|not[ \t]+present|not[ \t]+seen|0(?![.,]\d)|[-\u2013\u2014])"
    r"(?![\w\-\u2013\u2014'])",
    re.IGNORECASE,
)
# The words after such a value, to the end of its clause; more than this many characters is no value's
# qualifier ("none reported so far") but prose, and is never read as one (it also bounds the work per value).
_VALUE_REST = re.compile(r"[^,;.!?:\r\n]{0,120}")
_VALUE_REST_END = re.compile(r"[,;.!?:\r\n]|$")
# Where a heading starts, read back from its colon: after a full stop, ";", "!", "?", ":" or a comma.
_HEADING_STOPS = frozenset(".;!?:,")
# A heading of more words than this is prose ("He was seen today with anaemia and fractures: no ..."), not
# read as a heading of its own.
_HEADING_MOST_WORDS = 6
_BLANK_LINE = re.compile(r"[ \t]*\r?")
# A line that ends with a heading's value of one or two words ("Anaemia: yes", "Anaemia - mild"), looked for
# among its last characters only.
_VALUE_LINE_END = re.compile(
    r"(?:[:=]|[a-z][ \t]+[-\u2013\u2014])[ \t]*[^\s:=]+(?:[ \t]+[^\s:=]+)?[ \t]*\r?$", re.IGNORECASE
)
_VALUE_LINE_END_CHARS = 80
# A line that starts with a heading and its colon, "=" or spaced dash ("osteopetrosis: no", "hearing - normal"),
# the heading read up to the first of them: at most _HEADING_LINE_START_CHARS characters, none of them a
# heading stop (see TextParser._start_heading_lines).
_HEADING_LINE_START_CHARS = 120
_HEADING_LINE_START = re.compile(
    rf"[ \t]*(?P<heading>[a-z][^\r\n.;!?:,=]{{0,{_HEADING_LINE_START_CHARS}}}?)"
    r"(?:[ \t]*[:=]|(?<=[a-z])[ \t]+[-\u2013\u2014][ \t])",
    re.IGNORECASE,
)
# A heading that is only a negation cue ("Negative for:", "No:", "Denies:"): the findings under it, after its
# colon or on the lines below it, are what it negates (see TextParser._sentence and _negate_heading_lists).
# "Normal:" and the like are left out: a "normal" cue reads its items as attributes (see _distribute_normal).
_NEGATION_HEADING_CUE = (
    r"(?P<cue>no\s+(?:(?:known|previous|prior|past)\s+)?(?:history|hx|h/o|evidence)\s+of|no|without|absent|(?:the\s+|complete\s+|total\s+)?absence\s+of|negative(?:\s+for)?|denies|denied"
    r"|free\s+of|lack\s+of|never\s+had|nil|none\s+of)"
)
# Such a heading as a clause of a sentence: by then a bullet is part of the sentence, and "no" or "without"
# has become ", no" (see _inline_cue).
_NEGATION_HEADING = re.compile(
    rf"[\s,\-*\u2022\u00b7\u2013\u2014>]*(?:{_INLINE_MARK}\s+)?{_NEGATION_HEADING_CUE}\s*"
)
# Such a heading after its subject ("Pt denies:", "ROS negative for:"), which _inline_cue has cut off by a comma.
_NEGATION_HEADING_AFTER = re.compile(rf",\s*(?:{_INLINE_MARK}\s+)?{_NEGATION_HEADING_CUE}\s*$")
# Such a heading alone on its line, its colon ending the line.
_NEGATION_HEADING_LINE = re.compile(
    rf"[ \t]*(?:[-*\u2022\u00b7\u2013\u2014>][ \t]*)?{_NEGATION_HEADING_CUE}[ \t]*:[ \t]*\r?", re.IGNORECASE
)
# The connectors of a list of findings on a line of its own ("big spleen and fractures").
_FINDING_LIST = re.compile(r"[ \t]*(?:,|&|/|\b(?:and|or|nor)\b)[ \t]*", re.IGNORECASE)
# A placeholder put after a heading whose value cannot be told from the words after it ("Fractures: no big
# spleen"): the heading and the rest of its sentence are shown as uncertain, not read (see TextParser._sentence).
_UNREAD_MARK = "zzunreadzz"
_UNREAD = re.compile(rf"\b{_UNREAD_MARK}\b")
_UNREAD_START = re.compile(rf"\s*{_UNREAD_MARK}\b")

# Bedside signs and test results whose words name no HPO term, or name it the wrong way round, read by a rule
# of their own (see _take_signs): each becomes a placeholder word, so that the cues around it (a relative, a
# hypothesis) are settled like any phrase's, and no connector, negation cue or number in it is read.
_SIGN_MARK = re.compile(r"zzsign(\d+)zz")
_VISUAL_IMPAIRMENT, _HEARING_IMPAIRMENT = "HP:0000505", "HP:0000365"
_MACROCEPHALY, _MICROCEPHALY = "HP:0000256", "HP:0000252"
# "Fix and follow": whether an infant fixes on a face or a toy and follows it, the bedside test of an infant's
# vision. An infant who does not is visually impaired (Visual impairment, HP:0000505; "poor visual behaviour" of
# infantile osteopetrosis, reference §2.3), despite the "not"; "fixes and follows" excludes it. A bare "fix and
# follow" ("check fix and follow") says neither, and is read as before. "F&F" and "F+F" are its shorthand in
# notes ("F&F: yes", "not F&F", "F&F -ve"); a bare "F&F" is read as before.
_FIX_FOLLOW = r"(?:fix(?:es|ed|ing|ates?|ated|ating)?\s*(?:and|&|/|\+|or)\s*follow(?:s|ed|ing)?|f\s?[&+]\s?f)"
# After an absence: a time that says it has passed ("did not fix and follow until 4 months", "initially"), so
# the impairment was there and is not said to be now.
_FIX_FOLLOW_UNTIL = (
    r"\s+(?:(?:until|till|before)\s+(?:(?:about|around|age|aged|the\s+age\s+of)\s+)?\d+(?:\.\d+)?\s*"
    r"(?:weeks?|wks?|months?|mo|years?|yrs?|y)\b(?:\s+(?:of\s+age|old|corrected))?"
    r"|until\s+recently|at\s+first|initially|previously|in\s+the\s+past)"
)
# After a presence: words that make it less than normal vision ("fixes and follows light only", "to light but not
# to faces", "inconsistently").
_FIX_FOLLOW_LIMITED = (
    r"\s+(?:(?:to|at|onto)\s+)?(?:(?:a|the|bright)\s+)?(?:lights?|torch(?:light)?|pen\s*torch)\b(?:\s+only)?"
    r"|\s+(?:only\s+)?(?:inconsistently|intermittently|briefly|poorly|sometimes|occasionally|variably"
    r"|partially|incompletely|at\s+times)\b"
)
_FIX_FOLLOW_LIMITED_BEFORE = re.compile(
    r"\b(?:inconsistently|intermittently|briefly|poorly|sometimes|occasionally|variably|partially|incompletely)$"
)
_FIX_FOLLOW_SIGN = re.compile(
    r"(?P<absent>(?:\b(?:(?:does|do|did|is|was|were|has|have)\s+)?"
    r"(?:not|never|no|nil|without|unable\s+to|cannot|can\s+not|fails?\s+to|failed\s+to|failing\s+to|poor|absent"
    r"|reduced)\s+(?:(?:yet|longer|able\s+to|seen\s+to|observed\s+to|seem\s+to|seems\s+to|appear\s+to"
    r"|appears\s+to|consistently|reliably|really|visually|always)\s+)*"
    rf"\b{_FIX_FOLLOW}(?![\w&+])(?P<until>{_FIX_FOLLOW_UNTIL})?)"
    rf"|\b{_FIX_FOLLOW}\s*(?:[:=]\s*)?(?:(?:is|was|are|were)\s+)?"
    r"(?:absent|not\s+present|not\s+seen|no|nil|none|poor|reduced|negative)(?![\w\-]))"
    # A value first, so that "Fixing & following: present" is one sign with its value.
    rf"|(?P<present>(?:\b{_FIX_FOLLOW}\s*(?:[:=]\s*)?(?:(?:is|was|are|were)\s+)?"
    r"(?:normal|present|intact|good|yes|seen|noted|ok|fine|positive)(?![\w\-])"
    rf"|\b(?:good|normal|able\s+to|does|do|did|can)\s+{_FIX_FOLLOW}(?![\w&+])"
    r"|\bfix(?:es|ing|ed)\s*(?:and|&|/|\+)\s*follow(?:s|ing|ed)\b)"
    rf"(?P<limited>{_FIX_FOLLOW_LIMITED})?)"
)
_FIX_FOLLOW_UNTIL_WHY = (
    "a time after it says the infant did not fix and follow then and is not said not to now; not read (write "
    "what the vision is now, e.g. 'fixes and follows' or 'visual impairment')"
)
_FIX_FOLLOW_LIMITED_WHY = (
    "fixing and following only a light, or only at times, is not normal vision for an infant and is not "
    "graded here; not read (write the finding, e.g. 'visual impairment', or 'fixes and follows' if normal)"
)
# Words before a "fixes and follows" that say it was not seen, or not tested ("unable to assess whether he fixes
# and follows"): it is read as before.
_FIX_FOLLOW_DOUBT = re.compile(
    r"\b(?:not|no|never|unable|cannot|assess|assessed|assessing|check|checked|checking|test|tested|whether|if"
    r"|possible|possibly|query|unclear|uncertain)\b|\?"
)
# A hearing screen (the newborn hearing screen: otoacoustic emissions or automated ABR). A pass excludes Hearing
# impairment (HP:0000365), as "normal BERA" does. A fail or "refer" result is a reason for a diagnostic
# audiological assessment, not a diagnosis of hearing loss (Joint Committee on Infant Hearing, Year 2019 Position
# Statement, J Early Hear Detect Interv 2019;4(2):1-44, DOI:10.15142/fptk-b748): it is shown as uncertain, with a
# note, and not read.
_SCREEN_OF = (
    r"(?:(?:newborn|neonatal|universal|infant|nb)\s+)?(?:hearing|audiology|audiological|oae|otoacoustic"
    r"\s+emissions?|aabr)\s+"
)
# A screen fails ("failed hearing screen"); a test passed says as much as a screen passed ("passed hearing
# test"), but a failed or abnormal hearing test may be the diagnostic one, and is read as before.
_SCREEN = rf"{_SCREEN_OF}screen(?:ing)?(?:\s+test)?|nbhs"
_SCREEN_OR_TEST = rf"{_SCREEN_OF}(?:screen(?:ing)?|test(?:ing)?)(?:\s+test)?|nbhs"
_WHOSE = r"(?:(?:the|his|her|their|a|both|bilateral)\s+)?"
# The ears a screen is said of: both, or one ("on the left", "(R)", "right ear only"). A pass in one ear says
# nothing of the other ("passed (L), refer (R)"), and a loss in one ear is hearing impairment.
_SCREEN_ONE_SIDE = (
    r"(?:on\s+|in\s+)?(?:the\s+)?(?:left|right)(?:\s+(?:ear|side))?(?:\s+only)?|\(\s*(?:l|r|left|right)\s*\)"
    r"|(?:on\s+|in\s+)?one\s+(?:side|ear)|unilaterally"
)
_SCREEN_SIDES = (
    r"(?:\s*(?:bilaterally|on\s+both\s+sides|in\s+both\s+ears|both\s+ears|\(\s*(?:both|bilateral|b/l)\s*\)"
    rf"|{_SCREEN_ONE_SIDE}))?"
)
# When the screen was done, when said of the newborn ("at birth", "on day 2", "before discharge").
_SCREEN_WHEN = (
    r"(?:\s+(?:at\s+birth|after\s+birth|as\s+a\s+(?:newborn|neonate|baby)|in\s+the\s+neonatal\s+period|neonatally"
    r"|on\s+day\s+\d+(?:\s+of\s+life)?|(?:before|prior\s+to)\s+discharge(?:\s+from\s+(?:the\s+)?[a-z]+)?"
    r"|on\s+the\s+(?:postnatal|maternity)\s+ward))?"
)
_HEARING_SCREEN_SIGN = re.compile(
    rf"(?P<failed>\b(?:fail(?:ed|s)?|did\s+not\s+pass|not\s+passed|abnormal|referred\s+(?:on|from|after|at|by)"
    rf"|refer(?:ral)?\s+(?:on|from|after))\s+{_WHOSE}\b(?:{_SCREEN})\b{_SCREEN_SIDES}{_SCREEN_WHEN}"
    rf"|\b(?:{_SCREEN})\s*(?:[:=]\s*)?(?:(?:was|is|were|has\s+been)\s+)?"
    rf"(?:failed|fail|refer|referred|abnormal|not\s+passed)\b{_SCREEN_SIDES}{_SCREEN_WHEN})"
    rf"|(?P<passed>\b(?:pass(?:ed|es)?|normal|clear)\s+{_WHOSE}\b(?:{_SCREEN_OR_TEST})\b{_SCREEN_SIDES}{_SCREEN_WHEN}"
    rf"|\b(?:{_SCREEN_OR_TEST})\s*(?:[:=]\s*)?(?:(?:was|is|were|has\s+been)\s+)?(?:passed|pass|clear|normal)\b"
    rf"{_SCREEN_SIDES}{_SCREEN_WHEN})"
)
_FAILED_SCREEN_WHY = (
    "a failed or 'refer' hearing screen calls for a diagnostic hearing assessment and does not establish hearing "
    "loss (JCIH 2019); not read (give the assessment's result, e.g. 'ABR abnormal' or 'hearing loss')"
)
# A head circumference's centile or standard deviation score ("head circumference is on the 98th centile", "OFC
# > 97th centile", "OFC 45 cm (99.6th centile)", "HC -2.5 SD", "OFC 3 SD below the mean"). HPO defines
# Macrocephaly (HP:0000256) as an "occipitofrontal (head) circumference greater than 97th centile compared to
# appropriate, age matched, sex-matched normal standards" (PMID:19125436), and Microcephaly (HP:0000252) as a
# "head circumference below 2 standard deviations below the mean for age and gender" (PMID:19125436 and others):
# a value beyond either cut-off is that finding. One strictly between the 3rd and the 97th centile excludes both:
# not above the 97th, and not below the 3rd, the cut-off some charts use for microcephaly, so that neither
# definition reads it as abnormal. A value between them and the cut-offs (from -2 SD, about the 2.3rd centile,
# to the 3rd; the 97th itself) or a bound that leaves it open ("< 3rd centile", "> 90th centile") is shown as
# uncertain, with a note. Only the head circumference: a height or weight centile is left as it was.
_HC = (
    r"(?:head\s+circumference|head\s+circ\b\.?|occipito-?\s*frontal\s+(?:head\s+)?circumference|ofc|hc)"
    r"(?:\s+(?:ofc|hc)\b)?"
)
_HC_SIGN = re.compile(
    rf"\b{_HC}\s*(?:[:=]\s*)?"
    r"(?:(?:is|was|are|were|now|currently|still|lies|lying|sits|sitting|plots|plotted|plotting|tracking|tracks"
    r"|remains|remained|measured|measures|measuring)\s+)*"
    # Its measurement first: "OFC 45 cm (98th centile)", "OFC 45 cm, 98th centile".
    r"(?:(?:of\s+)?\d+(?:\.\d+)?\s*cm\s*(?:,\s*|(?P<open>\()\s*|-\s*)?(?:(?:which\s+is|i\.e\.|=)\s*)?)?"
    r"(?P<cmp>>=|<=|>|<|\u2265|\u2264|(?:just\s+)?(?:above|below|over|under|beyond|exceeding|greater\s+than"
    r"|less\s+than|more\s+than)|on|at|along|around|about|approximately|approx\.?|~)?\s*(?:the\s+)?"
    r"(?:(?P<centile>\d+(?:\.\d+)?)\s*(?:st|nd|rd|th)?\s*(?:centile|percentile|%ile|cent\b)"
    r"|(?P<sd>[+\-\u2212]?\s*\d+(?:\.\d+)?)\s*(?:sds?|sd\s+scores?|standard\s+deviations?)\b"
    r"(?:\s+(?P<side>above|below)\s+(?:the\s+)?(?:mean|average|median|normal))?"
    r"|(?:z[\s-]*score|sds|sd\s+score)\s*(?:of|is|was|=|:)?\s*(?P<z>[+\-\u2212]?\s*\d+(?:\.\d+)?))"
    # The closing bracket of "OFC 45 cm (98th centile)" only (it was taken from "(OFC 98th centile)" too).
    r"(?(open)\s*\)?)(?:\s+for\s+(?:age(?:\s+and\s+(?:sex|gender))?|gestation|corrected\s+age))?"
    # At birth: "OFC 50th centile at birth".
    r"(?P<birth>,?\s+(?:at\s+birth|at\s+delivery|as\s+a\s+(?:newborn|neonate)|neonatally"
    r"|on\s+day\s+\d+(?:\s+of\s+life)?))?"
)
# A head circumference at birth ("OFC 50th centile at birth", "Birth OFC 34 cm (50th centile)"): one within the
# limits then does not exclude a head that grows too fast or too slowly after birth (HPO's Secondary
# microcephaly, HP:0005484: "falls below 2 standard deviations ... because of insufficient head growth after
# birth"; the macrocephaly of infantile osteopetrosis develops with the skull's thickening, reference §2.3), so it
# is shown as uncertain, with this note. One beyond them is that finding, then as now.
_HC_BIRTH_BEFORE = re.compile(r"\b(?:birth|born|newborn|neonat[a-z]*)\b")
_HC_AT_BIRTH_WHY = (
    "a head circumference within the limits at birth does not exclude macrocephaly or microcephaly that develops "
    "after birth (HPO's Secondary microcephaly, HP:0005484); not read (give the current centile or SD score)"
)
_NORMAL = NormalDist()
_MACROCEPHALY_ABOVE = 97.0  # centile (HP:0000256)
_MICROCEPHALY_BELOW = 100 * _NORMAL.cdf(-2.0)  # centile of -2 SD, about 2.3 (HP:0000252)
_HC_NORMAL_ABOVE = 3.0  # centile: within the 3rd-97th, neither finding
_HC_WHY = (
    "HPO's Macrocephaly is a head circumference above the 97th centile and its Microcephaly one below -2 SD "
    "(about the 2.3rd centile); this value is not clearly beyond or within those limits; not read (give the "
    "centile or SD score, or the finding)"
)
# Comparators that leave a value open upwards or downwards ("> 97th centile", "below the 2nd centile").
_ABOVE = frozenset({">", ">=", "\u2265", "above", "over", "beyond", "exceeding", "greater than", "more than"})
_BELOW = frozenset({"<", "<=", "\u2264", "below", "under", "less than"})
_OR_EQUAL = frozenset({">=", "\u2265", "<=", "\u2264"})
# Comparators that say the value is near the number, not at it: not read as that value.
_ABOUT = frozenset({"around", "about", "approximately", "approx", "approx.", "~"})


@dataclass(frozen=True)
class _Sign:
    """A sign read by its own rule (see _take_signs): its words as written (lower case), its terms, and what it
    says of them: "observed", "excluded", or "uncertain" (shown with ``why``, not read)."""

    written: str
    terms: tuple[str, ...]
    status: str
    why: str = ""


def _fix_follow_sign(text: str, match: re.Match[str]) -> _Sign | None:
    if match.group("until"):
        # "Did not fix and follow until 4 months": it was so, and is not said to be now.
        return _Sign(match.group(), (_VISUAL_IMPAIRMENT,), "uncertain", _FIX_FOLLOW_UNTIL_WHY)
    if match.group("absent"):
        return _Sign(match.group(), (_VISUAL_IMPAIRMENT,), "observed")
    before = re.split(r"[,.;:!()\n]", text[max(0, match.start() - 60) : match.start()])[-1]  # its clause's
    if _FIX_FOLLOW_DOUBT.search(" ".join(before.split()[-4:])):
        return None  # "unable to assess whether he fixes and follows"
    if match.group("limited") or _FIX_FOLLOW_LIMITED_BEFORE.search(" ".join(before.split()[-2:])):
        # "Fixes and follows light only", "inconsistently fixes and follows": less than normal vision, not graded.
        return _Sign(match.group(), (_VISUAL_IMPAIRMENT,), "uncertain", _FIX_FOLLOW_LIMITED_WHY)
    return _Sign(match.group(), (_VISUAL_IMPAIRMENT,), "excluded")


# A passed newborn screen tells of the hearing at birth only. Hearing loss can begin later (JCIH 2019 lists
# risk indicators for delayed-onset loss and asks for surveillance after a pass, DOI:10.15142/fptk-b748), as in
# osteopetrosis, where cranial-nerve impingement is why hearing is tested at diagnosis and then regularly (Wu
# 2017, PMID:28655174; reference §2.4). So it excludes nothing, and is shown with this note, not read.
# A screen "at birth" or "on day 2" is the newborn's, and so is one in a sentence about the birth ("At birth,
# passed hearing screen"; "Born at term, passed hearing screen"): such a pass excluded hearing impairment, and
# "hearing screen passed at birth, now hearing loss" then stated both.
_NEWBORN_SCREEN = re.compile(
    r"\b(?:newborn|neonatal|neonatally|neonate|nb|nbhs|universal|infant|birth|day\s+\d+|discharge|postnatal"
    r"|maternity)\b"
)
_NEWBORN_BEFORE = re.compile(r"\b(?:birth|born|newborn|neonat[a-z]*|postnatal(?:ly)?|perinatal)\b")
_SCREEN_ONE_SIDE_OF = re.compile(rf"(?:{_SCREEN_ONE_SIDE})$")
_SCREEN_WHEN_OF = re.compile(rf"{_SCREEN_WHEN}$")
_ONE_SIDED_SCREEN_WHY = (
    "a hearing screen passed on one side says nothing of the other ear, and hearing loss in one ear is hearing "
    "impairment; not read (give each ear's result, or the assessment's)"
)
_PASSED_NEWBORN_SCREEN_WHY = (
    "a passed newborn hearing screen tells of the hearing at birth; hearing loss can begin later (JCIH 2019), "
    "so it is not read as excluding hearing impairment now (give a current assessment's result, e.g. 'ABR "
    "normal')"
)


def _hearing_screen_sign(text: str, match: re.Match[str]) -> _Sign | None:
    if match.group("failed"):
        return _Sign(match.group(), (_HEARING_IMPAIRMENT,), "uncertain", _FAILED_SCREEN_WHY)
    before = re.split(r"[.;!?\n]", text[max(0, match.start() - 60) : match.start()])[-1]  # its sentence's
    if _NEWBORN_SCREEN.search(match.group()) or _NEWBORN_BEFORE.search(before):
        return _Sign(match.group(), (_HEARING_IMPAIRMENT,), "uncertain", _PASSED_NEWBORN_SCREEN_WHY)
    if _SCREEN_ONE_SIDE_OF.search(_SCREEN_WHEN_OF.sub("", match.group()).rstrip()):
        # "Hearing screen: passed (L)", "passed on the right": the other ear is not said to have passed.
        return _Sign(match.group(), (_HEARING_IMPAIRMENT,), "uncertain", _ONE_SIDED_SCREEN_WHY)
    return _Sign(match.group(), (_HEARING_IMPAIRMENT,), "excluded")


def _number_of(written: str) -> float:
    return float("".join(written.split()).replace("\u2212", "-"))


def _head_circumference_sign(text: str, match: re.Match[str]) -> _Sign | None:
    """A head circumference's centile or SD as Macrocephaly or Microcephaly, observed, excluded or uncertain;
    within the limits at birth, uncertain (see _HC_AT_BIRTH_WHY)."""
    sign = _head_circumference_value(match)
    if sign is None or sign.status != "excluded":
        return sign
    before = re.split(r"[.;!?\n]", text[max(0, match.start() - 60) : match.start()])[-1]  # its sentence's
    if match.group("birth") or _HC_BIRTH_BEFORE.search(before):
        return _Sign(sign.written, sign.terms, "uncertain", _HC_AT_BIRTH_WHY)
    return sign


def _head_circumference_value(match: re.Match[str]) -> _Sign | None:
    """What the centile or SD score of ``match`` says of Macrocephaly and Microcephaly, whenever it was measured."""
    cmp = " ".join((match.group("cmp") or "").split())
    if cmp.startswith("just "):
        cmp = cmp[len("just ") :]
    if cmp in _ABOUT:
        return _Sign(match.group(), (_MACROCEPHALY, _MICROCEPHALY), "uncertain", _HC_WHY)
    if match.group("centile") is not None:
        centile = float(match.group("centile"))
        if not 0 < centile < 100:
            return None  # no centile: "0th", "100th", "120th centile" are not read
    elif match.group("z") is not None:
        # A z-score without a sign is above the mean, as a number without one is.
        centile = 100 * _NORMAL.cdf(_number_of(match.group("z")))
    else:
        written = "".join(match.group("sd").split())
        side = match.group("side")
        if not written.startswith(("+", "-", "\u2212")) and side is None:
            # "OFC 3 SD": above or below the mean is not said.
            return _Sign(match.group(), (_MACROCEPHALY, _MICROCEPHALY), "uncertain", _HC_WHY)
        sd = _number_of(written)
        centile = 100 * _NORMAL.cdf(-abs(sd) if side == "below" else abs(sd) if side == "above" else sd)
    # The values the words allow, as a centile interval; an open end ("> 97th") is not reached.
    low, high = (centile, 100.0) if cmp in _ABOVE else (0.0, centile) if cmp in _BELOW else (centile, centile)
    low_open, high_open = cmp in _ABOVE - _OR_EQUAL, cmp in _BELOW - _OR_EQUAL
    if low > _MACROCEPHALY_ABOVE or (low == _MACROCEPHALY_ABOVE and low_open):
        return _Sign(match.group(), (_MACROCEPHALY,), "observed")
    if high < _MICROCEPHALY_BELOW or (high == _MICROCEPHALY_BELOW and high_open):
        return _Sign(match.group(), (_MICROCEPHALY,), "observed")
    if (low > _HC_NORMAL_ABOVE or (low == _HC_NORMAL_ABOVE and low_open)) and (
        high < _MACROCEPHALY_ABOVE or (high == _MACROCEPHALY_ABOVE and high_open)
    ):
        return _Sign(match.group(), (_MACROCEPHALY, _MICROCEPHALY), "excluded")
    return _Sign(match.group(), (_MACROCEPHALY, _MICROCEPHALY), "uncertain", _HC_WHY)


# A bruise put down to an injury ("bruising after a fall", "bruises from a fall off the bike") is what the injury
# did, not Bruising susceptibility (HP:0000978), which HPO defines as "frequent ecchymoses or bruising without
# adequate trauma". So it is shown with a note, not read. Bruising after little or no injury ("bruising after
# minor trauma", "bruises after minimal knocks") is the susceptibility, and "easy bruising" says so itself: both
# are read through the lexicon as before. Only the bruise's own clause is looked at.
_BRUISING = "HP:0000978"
_BRUISE_CAUSE_SIGN = re.compile(
    r"\b(?:bruis(?:e|es|ed|ing)|ecchymos[ei]s)\b[^.;,:!?()\n]{0,40}?\b(?:after|following|from|due\s+to"
    r"|caused\s+by|secondary\s+to|post)\s+(?:(?:an?|the|his|her|their|a\s+recent|recent)\s+)?"
    r"(?P<minor>(?:minor|minimal|trivial|slight|little|mild|small|light|no|insignificant)\s+)?"
    r"(?:(?:ground-level|low|high|bad|nasty|heavy)\s+)?"
    r"(?:falls?|fell|injur(?:y|ies)|trauma|accidents?|knocks?|bumps?|blows?|tumbles?|collisions?|impacts?"
    r"|sports?|play|venepunctures?|venipunctures?|blood\s+(?:tests?|draws?)|injections?|cannulas?"
    r"|cannulations?|vaccinations?|immuni[sz]ations?|surgery|operations?|procedures?)\b"
)
_BRUISE_CAUSE_WHY = (
    "a bruise put down to an injury is not bruising susceptibility, which HPO defines as bruising without "
    "adequate trauma; not read (write 'easy bruising' or 'bruising after minor trauma' if that is what was seen)"
)
_EASY_BEFORE = re.compile(r"\b(?:easy|easily|excessive|excess|frequent|unexplained|spontaneous)\s*$")


def _bruise_cause_sign(text: str, match: re.Match[str]) -> _Sign | None:
    if match.group("minor") or _EASY_BEFORE.search(text[max(0, match.start() - 20) : match.start()]):
        return None  # the susceptibility itself: read through the lexicon
    return _Sign(match.group(), (_BRUISING,), "uncertain", _BRUISE_CAUSE_WHY)


# Parents' and clinicians' plain words (session 40) whose cue words would read them the wrong way round or not at
# all: "can't see well", "cannot see properly" and "doesn't follow objects" say Visual impairment (HP:0000505,
# synonym "Poor vision"; following an object is the bedside test of an infant's vision, as "fix and follow"
# above), despite the "not"; "hears fine", "hearing is fine" exclude Hearing impairment (HP:0000365) as "normal
# hearing" does; "had a fit", "has fits" are a Seizure (HP:0001250; "fits", lexicon.yaml), "has not had a fit"
# excludes it. "Fit" without "had" or "has" is everyday English ("fit and well", "fits the picture", "fit for
# discharge") and is not read, nor is "had a fit of laughter". A negation or a worry in the clause before the
# words ("not sure he hears fine", "whether she can't see well") leaves them to the cues, unread (the sign would
# be read as it says whatever the cue); a hypothesis ("? had a fit", "possibly can't see well") makes the phrase
# uncertain, as it does any phrase.
_LAY_VISION_SIGN = re.compile(
    r"\b(?:can\s+not|cannot|could\s+not|unable\s+to)\s+see\s+(?:very\s+)?(?:well|properly|clearly)\b"
    r"|\b(?:does|do|did)\s+not\s+(?:yet\s+)?follow\s+(?:objects?|toys?|faces?|things|people)\b"
)
_LAY_HEARING_SIGN = re.compile(
    r"\bhears\s+(?:fine|well|normally|ok|okay)\b"
    r"|\bhearing\s+(?:(?:is|was|seems|seems\s+to\s+be|appears|appears\s+to\s+be)\s+)?(?:fine|ok|okay|good)\b"
)
_LAY_FIT_SIGN = re.compile(
    r"\b(?:had|has|have|having)\s+(?:(?:a|an|another|one|two|three|several|some|many|more|few|his|her|their"
    r"|first|second|further)\s+)*fits?\b(?!\s+of\b)(?!-)"
)
_LAY_DOUBT = re.compile(
    r"\b(?:not|no|never|nor|unable|whether|if|unsure|unclear|uncertain|think|thinks|thought|worried|worry"
    r"|worries|concern|concerned|sure|ask|asked|asking|check)\b"
)
_SEIZURE = "HP:0001250"


def _lay_clause_before(text: str, match: re.Match[str]) -> str:
    """The last words of the clause before ``match`` (at most five)."""
    before = re.split(r"[,.;:!()\n]|\bbut\b", text[max(0, match.start() - 60) : match.start()])[-1]
    return " ".join(before.split()[-5:])


def _lay_vision_sign(text: str, match: re.Match[str]) -> _Sign | None:
    if _LAY_DOUBT.search(_lay_clause_before(text, match)):
        return None  # "not sure he can't see well": left to the cues
    return _Sign(match.group(), (_VISUAL_IMPAIRMENT,), "observed")


def _lay_hearing_sign(text: str, match: re.Match[str]) -> _Sign | None:
    if _LAY_DOUBT.search(_lay_clause_before(text, match)):
        return None  # "unsure whether he hears fine"
    return _Sign(match.group(), (_HEARING_IMPAIRMENT,), "excluded")


def _lay_fit_sign(text: str, match: re.Match[str]) -> _Sign | None:
    before = _lay_clause_before(text, match)
    if re.search(r"\b(?:not|never)$", before) and not _LAY_DOUBT.search(
        re.sub(r"\b(?:not|never)$", "", before)
    ):
        return _Sign(match.group(), (_SEIZURE,), "excluded")  # "has not had a fit", "never had fits"
    if _LAY_DOUBT.search(before):
        return None
    return _Sign(match.group(), (_SEIZURE,), "observed")


_SIGN_RULES: tuple[tuple[re.Pattern[str], Callable[[str, re.Match[str]], _Sign | None]], ...] = (
    (_HC_SIGN, _head_circumference_sign),
    (_BRUISE_CAUSE_SIGN, _bruise_cause_sign),
    (_HEARING_SCREEN_SIGN, _hearing_screen_sign),
    (_FIX_FOLLOW_SIGN, _fix_follow_sign),
    (_LAY_VISION_SIGN, _lay_vision_sign),
    (_LAY_HEARING_SIGN, _lay_hearing_sign),
    (_LAY_FIT_SIGN, _lay_fit_sign),
)


def _take_signs(text: str) -> tuple[str, list[_Sign]]:
    """The lower-cased text with each sign of _SIGN_RULES written over with a placeholder word (see _SIGN_MARK),
    and the signs in the placeholders' order."""
    signs: list[_Sign] = []
    for pattern, read in _SIGN_RULES:
        pieces: list[str] = []
        taken = 0
        for match in pattern.finditer(text):
            sign = read(text, match)
            if sign is None:
                continue
            pieces += [text[taken : match.start()], f" zzsign{len(signs)}zz "]
            signs.append(_Sign(" ".join(sign.written.split()), sign.terms, sign.status, sign.why))
            taken = match.end()
        if pieces:
            text = "".join([*pieces, text[taken:]])
    return text, signs


def _line_starts_sentence(lines: list[str], index: int, lone: list[bool]) -> bool:
    """Whether ``lines[index]`` starts a sentence of its own, as _line_break reads the break before it: it is
    the first line, the line before is blank, a lone value (``lone``) or ends with a full stop, ";" or ":",
    or it starts with a capital, a bullet or a figure after a line that does not end with a connector."""
    if index == 0:
        return True
    before = lines[index - 1]
    if not before.strip() or lone[index - 1] or _SENTENCE_LINE_END.search(before):
        return True
    first = lines[index].lstrip()[:1]
    return bool(_LIST_ITEM_START.match(first)) and before.split()[-1].lower() not in _CONTINUES


def _next_line_runs_on(lines: list[str], index: int) -> bool:
    """Whether the line after ``lines[index]`` carries it on, as _line_break reads the break between them: it is
    not blank and does not start with a capital, a bullet or a figure ("Fractures: no" then "big spleen")."""
    if index + 1 >= len(lines) or _BLANK_LINE.fullmatch(lines[index + 1]):
        return False
    first = lines[index + 1].lstrip(" \t")[:1]
    return not (first and not first.isspace() and _LIST_ITEM_START.match(first))


def _shown_heading(heading: str) -> str:
    """A heading's words as a note shows them: its bullet and spaces aside ("- Big  spleen" -> "Big spleen")."""
    bullet = _LINE_BULLET.match(heading)
    return " ".join((heading[bullet.end() :] if bullet else heading).split())


# A run of blanks within a line (spaces, tabs, no-break spaces; not line breaks) longer than this is cut to it.
_BLANK_RUN_KEPT = 8
_LONG_BLANK_RUN = re.compile(rf"[^\S\r\n]{{{_BLANK_RUN_KEPT + 1},}}")


def _shorten_blank_runs(text: str) -> str:
    """``text`` with each run of more than _BLANK_RUN_KEPT blanks within a line cut to its first
    _BLANK_RUN_KEPT characters. Two spaces can separate the headings of a template ("Age: 8 months  Sex:
    male"); no reading depends on more than that."""
    return _LONG_BLANK_RUN.sub(lambda match: match.group()[:_BLANK_RUN_KEPT], text)


def _join_lines(text: str) -> str:
    """The text with each line break rewritten by _line_break.

    Each break runs from the word before it ("\\S*", then spaces or tabs and an optional carriage return) to
    the first character of the next line that is not blank. The word is read back from the newline, never
    before the end of the previous break: a pattern that starts with "\\S*" is tried at every character
    of a long run without a newline, which took time in the square of its length ("(" * 50,000: 46 s).
    """
    pieces: list[str] = []
    taken = 0  # where the text not yet rewritten starts
    for match in _LINE_BREAK.finditer(text):
        start = match.start()
        if start > taken and text[start - 1] == "\r":
            start -= 1
        while start > taken and text[start - 1] in " \t":
            start -= 1
        word_end = start
        while start > taken and not text[start - 1].isspace():
            start -= 1
        value = _is_heading_value(text, taken, start)
        pieces.append(text[taken:start])
        pieces.append(
            _line_break(text[start:word_end], match.group("blank"), match.group("next"), heading_value=value)
        )
        taken = match.end()
    pieces.append(text[taken:])
    return "".join(pieces)


def _is_heading_value(text: str, taken: int, start: int) -> bool:
    """Whether the word at ``start`` is a heading's whole value: a colon or "=" comes before it on its line
    ("Fractures: no"), or a dash with spaces around it after a word ("Fractures - no"), which _SHORTHAND
    rewrites to the same colon. Nothing before ``taken`` (the end of the previous break) is looked at."""
    before = start
    while before > taken and text[before - 1] in " \t":
        before -= 1
    if before > taken and text[before - 1] in ":=":
        return True
    # The spaced dash of _SHORTHAND, "(?<=[a-z])\s+[-\u2013\u2014]\s+(?=[a-z0-9])", read back from the word.
    if not _DASH_VALUE_START.fullmatch(text[start : start + 1].lower()):
        return False
    dash = start
    while dash > taken and text[dash - 1].isspace():
        dash -= 1
    if dash in (start, taken) or text[dash - 1] not in "-\u2013\u2014":
        return False
    before = dash - 1
    while before > taken and text[before - 1].isspace():
        before -= 1
    return (
        before < dash - 1 and before > taken and bool(_DASH_HEADING_END.fullmatch(text[before - 1].lower()))
    )


def _line_break(before: str, blank: str, nxt: str, *, heading_value: bool = False) -> str:
    """A line break as a space, or as "; " where it ends a sentence; ``before``: the word before it, ``blank``:
    the blank lines after it, ``nxt``: the first character of the next line; ``heading_value``: ``before`` is
    the whole value of a heading ("Fractures: no", "Fractures - no", "Consanguinity: no"). Such a value is no
    connector that carries on to the next line: "Fractures: no" then "Anaemia" is two items, not "no anaemia"."""
    if before.lower() in _CONTINUES and not blank and not heading_value:
        return f"{before} {nxt}"
    if _QUESTION_VALUE.fullmatch(before) and (heading_value or before[:1] != "?"):
        # "Gender: ?" or "Consanguinity: ?" then "anaemia, big spleen": the "?" is the heading's value, which says
        # nothing, and ends the line. Run on, it read "? anaemia", a doubt (see _QUESTION_BEFORE), and held the
        # next line back as uncertain. A lone "?" that is no heading's value may be a doubt that wrapped ("anaemia,
        # ?" then "splenomegaly") and runs on as before.
        return f"{before}; {nxt}"
    if before.endswith("."):
        # The full stop ends the sentence already. A "; " after it glued the two ("g/dL.; Hearing"), and a lab
        # value's unit then ran on to the ";", taking its full stop ("'g/dL.' is not an accepted unit").
        return f"{before} {nxt}"
    if blank or (nxt and _LIST_ITEM_START.match(nxt)):
        return f"{before}; {nxt}"
    return f"{before} {nxt}"


# A heading's value "?" as the word before a line break, alone or glued to its colon ("Gender:?").
_QUESTION_VALUE = re.compile(r"(?:[^\s:=]*[:=])?\?+")
_SENTENCE = re.compile(r"(?<!\d)\.|\.(?!\d)|[;!?]|\bbut\b|\bhowever\b|\balthough\b")
# Where a case report turns to the patient ("presented with", "was admitted with"), unless the sentence is
# about a relative ("Her brother presented with fractures").
_TURN = re.compile(r"\bpresent(?:ed|s|ing)\b|\badmitted\b|\breferred\b")
# Words for the patient's sex; a relative's ("mother", "brother") say nothing of it.
# Words for the patient's sex, and the sex each says. The nouns are as good as a sex heading; the pronouns are
# weaker, since "she" or "his" may be a parent's or a clinician's ("referred by Dr Jones; she noted pallor").
_SEX_NOUNS = {
    "girl": "female",
    "female": "female",
    "woman": "female",
    "daughter": "female",
    "boy": "male",
    "male": "male",
    "man": "male",
    "son": "male",
}
_SEX_PRONOUNS = {"she": "female", "her": "female", "he": "male", "his": "male", "him": "male"}
_SEX_WORD = re.compile(rf"\b({'|'.join((*_SEX_NOUNS, *_SEX_PRONOUNS))})\b")
# A relative's findings are not the patient's: from such a word to the next comma or the end of the
# sentence, nothing is read ("anaemia, father had fractures"; ConText's experiencer "other", PMID:19435614).
# Family history has its own flags. The singular "relative" is left out: "Hypoplasia of maxilla relative to
# mandible". "Twin" is a relative after "his", "her", "their" or "other" ("his twin passed the hearing screen"),
# not in "twin pregnancy" or "he is a twin". "Maternal", "paternal" and "parental" are the parents' ("maternal
# deafness", "paternal OFC 99.6th centile", "parental OFCs" were read as the patient's), except in the names of
# the pregnancy's findings that HPO records for the child (Polyhydramnios, Oligohydramnios with its synonym
# "Maternal oligohydramnios", Maternal hyperphenylalaninemia, Maternal vascular malperfusion) and in words of
# inheritance ("maternal UPD", "paternal allele"), which are no relative's finding.
_RELATIVE_WORDS = (
    r"(?:mother|father|mum|mom|dad|parents?|sisters?(?! chromatid)|brothers?|siblings?|sibs?|cousins?|aunts?"
    r"|uncles?|grand(?:mother|father|parents?)|nieces?|nephews?|relatives|family history|family members?"
    r"|fhx|fam(?:ily)?\s+hx|(?:(?<=his\s)|(?<=her\s)|(?<=their\s)|(?<=other\s)|co-)twins?"
    r"|(?:maternal|paternal|parental)(?!\s+(?:poly|oligo)hydramnios|\s+hyperphenylalan|\s+vascular\s+malperfusion"
    r"|\s+(?:uniparental|upd|disomy|imprint|allele|origin|inherit|transmi|line|side|copy|haplotype|carrier)))"
)
_RELATIVE = re.compile(rf"\b{_RELATIVE_WORDS}\b")
# "Seen by parents to have wobbly eyes", "nystagmus noticed by mum": a relative who saw the patient's finding, the
# agent of a verb of seeing or telling. The finding is the patient's; the words were shown as about a relative.
# The relative is cut out and the verb kept ("squint noted by mother" is "squint noted", observed). A sentence
# whose subject is a relative ("Brother, seen by parents to ...") is still the relative's (_RELATIVE_SUBJECT).
_SEEN_BY_RELATIVE = re.compile(
    r"\b(?P<verb>(?:seen|noticed|noted|observed|reported|witnessed|spotted|described|first\s+noticed))\s+by\s+"
    r"(?:the\s+|his\s+|her\s+|their\s+|both\s+)?(?:parents|mother|father|mum|mom|dad|grandmother|grandfather"
    r"|grandparents|family)\b(?!\s*(?:'s|history))"
)
# A relative's word before a heading of the template: the heading is the relative's ("Mother's age: 30").
_RELATIVE_HEADING = re.compile(rf"{_RELATIVE_WORDS}(?:'s|s')?")
# A relative's word just after an age, at most two words on ("8-month-old baby sister").
_RELATIVE_AFTER = re.compile(rf"\s*(?:[a-z]+\s+){{0,2}}?{_RELATIVE_WORDS}\b")
# A sentence whose subject is a relative ("Her older brother presented with fractures", "The father was
# referred for deafness", "Her father: he had fractures") is about the relative to its end.
_RELATIVE_SUBJECT = re.compile(
    r"^\s*(?:(?:the|a|an|her|his|their|our|its|one|both|older|elder|eldest|oldest|younger|youngest|twin"
    r"|maternal|paternal|affected|half|step|biological|late|deceased|first|second|third|[a-z]+'s|[a-z0-9.]+-old)"
    rf"[\s,]+)*{_RELATIVE_WORDS}\b"
)
# A parent's report of the patient's sign: "Mum says he has a big spleen", "Mother reports that the baby is pale",
# "Dad noticed his daughter bruises easily". After a parent and a verb of reporting (with an optional "that"), the
# clause is the patient's when its subject is clearly the patient: a word for the child ("the baby", "her son")
# or a pronoun of the other sex than the parent ("Mum says he", "Dad says she"; "Parents report that she", a
# singular pronoun after plural parents). A pronoun of the parent's own sex ("Mum says she had fractures as a
# child") may be the parent's, and the sentence stays the relative's (_RELATIVE_SUBJECT). It read as the
# relative's, and the patient's sign was lost. A report is history as a clinician records it, so the finding is
# observed; a verb of doubt ("thinks", "feels", "wonders if", "is worried that") holds it back as uncertain
# (ConText's uncertainty triggers, Harkema et al. 2009, PMID:19435614).
_REPORTING_PARENT = re.compile(
    r"^\s*(?:(?:the|his|her|their|both)\s+)?(?P<parent>mother|father|mum|mom|dad|parents|grandmother|grandfather"
    r"|grandparents)\s+(?:(?:also|often|now|first)\s+)?(?:(?P<doubt>thinks?|thought|feels?|felt"
    # "If" is the hypothetical cue by now (see _HYPOTHETICAL_MARK).
    rf"|wonders?\s+(?:if|whether|{_HYPOTHETICAL_MARK.strip()})|wondered\s+(?:if|whether|{_HYPOTHETICAL_MARK.strip()})"
    r"|(?:is|are|was|were)\s+worried)"
    r"|says?|said|reports?|reported|notices?|noticed|describes?|described|tells?\s+us|told\s+us|(?:has|have)\s+seen)"
    r"\s+(?:that\s+)?"
)
# The sex of a reporting parent; plural parents are neither, so "he" or "she" after them is the patient.
_PARENT_SEX = {
    "mother": "female",
    "mum": "female",
    "mom": "female",
    "grandmother": "female",
    "father": "male",
    "dad": "male",
    "grandfather": "male",
}
# The subject of a reported clause: a word for the child ("her son": the parent's possessive is left out), or a
# pronoun (read against the parent's sex).
_REPORTED_SUBJECT = re.compile(
    r"(?:(?:her|his|their)\s+(?P<child>son|daughter|baby|child)|(?:the\s+)?(?:baby|child|infant|patient|boy|girl)"
    r"|(?P<pronoun>he|she|his|her))\b"
)
# Where a reported clause ends: a comma or a connector before a new subject, a person ("Mum says he has a big
# spleen and she has anaemia": "she" may be the mother again). Without a new subject the clause goes on ("the baby
# is pale and has a big tummy").
_REPORTED_CLAUSE_END = re.compile(
    r"(?:\s*,\s*(?:(?:and|or|then|so|while|whereas)\s+)?|\s+(?:and|or|then|so|while|whereas)\s+)"
    rf"(?=(?:he|she|they|i|we|you|his|her|their)\b|{_RELATIVE_WORDS}\b|(?:the\s+)?(?:baby|child|infant|patient"
    r"|boy|girl)\b)"
)
# Words that separate the patient's words from a relative's in one phrase: "anaemic infant of a deaf father",
# "splenomegaly whose brother ...". A finding directly before the relative word is the relative's ("deaf
# father").
_OF_RELATIVE = re.compile(r"\b(?:of|whose|to|like|as|than|from|by)\b")
# Words that change what a phrase means but name no finding: "fracture risk", "fear of fractures", "a single
# fracture" are not the fractures of the patient. A phrase with them is not read.
_CHANGES_MEANING = frozenset(
    {
        "risk",
        "fear",
        "afraid",
        "avoid",
        "avoiding",
        "avoidance",
        "prevent",
        "preventing",
        "prevention",
        "prophylaxis",
        "single",
        "one",
        "isolated",
        "solitary",
        # "Bleeding score 0" (ISTH-BAT), a scale's result, is not the finding (it read as Abnormal bleeding).
        "score",
        "hypotheticalcue",
        # A resemblance is not the finding: "rickets-like changes", "leukaemia-like picture", "looks like rickets"
        # were read as Rickets and Leukemia observed. HPO's own "-like" labels ("Stroke-like episode") are matched
        # whole, so their "like" is inside the match. See _RESEMBLANCE.
        "like",
        "resembling",
        "mimicking",
    }
)
# A grading adverb between a finding's words and its direction word ("spleen moderately enlarged", "bone density
# mildly increased", "calcium slightly low"): the phrase is read without it when it names nothing with it (it was
# reported as words not found; "mildly enlarged spleen", the adverb first, was read). HPO's graded terms
# ("Mildly elevated creatine kinase") are still matched first.
_ADVERB_BEFORE_DIRECTION = re.compile(
    r"(?<=[a-z])\s+(?:mildly|moderately|markedly|severely|slightly|significantly|grossly|massively|very)\s+"
    r"(?=(?:big|enlarged|large|small|low|decreased|reduced|diminished|high|elevated|raised|increased)\b)"
)
# Words of resemblance (above): a phrase with one that names no finding is shown as uncertain, not as words not
# found, since it names a finding the writer only compares with.
_RESEMBLANCE = frozenset({"like", "resembling", "mimicking"})
# Terms whose name is a plural of events: the singular is one event, not the finding. HPO's Falls (HP:0002527)
# is falls, in the plural; "a fracture after a fall" tells how the bone broke, and read as Falls, a sign of
# neuromuscular disease. As a lexicon phrase in the plural needs the plural, these names do.
_PLURAL_ONLY_TERMS = frozenset({"HP:0002527"})
# Degree words that qualify a finding without changing it ("massive splenomegaly", "marked anaemia"), and
# words that say only where or when it was seen ("splenomegaly on examination").
_DEGREE = frozenset(
    {
        "mild",
        "mildly",
        "moderate",
        "moderately",
        "severe",
        "severely",
        "marked",
        "markedly",
        "massive",
        "massively",
        "gross",
        "grossly",
        "significant",
        "significantly",
        "slight",
        "slightly",
        "profound",
        "profoundly",
        "extreme",
        "striking",
        "persistent",
        "progressive",
        "recurrent",
        "bilateral",
        "left",
        "right",
        "chronic",
        "acute",
        "new",
        "known",
        "clinical",
        "clinically",
        "obvious",
        "evident",
        "examination",
        "exam",
        "examined",
        "imaging",
        "mri",
        "scan",
        "radiograph",
        "xray",
        "ultrasound",
        "birth",
        "presentation",
        "admission",
        "today",
        "now",
        "previous",
        "history",
        "noted",
        "seen",
        "documented",
    }
)

# Words that come with lab values and name no finding ("Bloods: Hb 7.2 g/dL", "labs today"), folded: a phrase
# of them and an analyte's name is not reported as words not found.
_LAB_COMPANY = (
    _MEASUREMENT
    | _DEGREE
    | frozenset(
        {
            "lab",
            "laboratory",
            "result",
            "test",
            "investigation",
            "profile",
            "bone",
            "chemistry",
            "biochemistry",
            "hematology",
            "fbc",
            "cbc",
            "total",
            "repeat",
            "latest",
            "current",
            "admission",
        }
    )
)


# Words that count or date a finding, or say how it looks; with grading words they are the only company in
# which a lay word of everyday English ("fits", "pale") keeps its clinical sense (see _in_company). Folded
# forms ("month", "day").
_COMPANY = frozenset(
    {
        "very",
        "quite",
        "look",
        "looked",
        "looking",
        "appear",
        "appeared",
        "appearing",
        "frequent",
        "frequently",
        "repeated",
        "repeatedly",
        "multiple",
        "several",
        "many",
        "few",
        "more",
        "further",
        "ongoing",
        "occasional",
        "occasionally",
        "intermittent",
        "episodic",
        "brief",
        "prolonged",
        "daily",
        "nightly",
        "weekly",
        "monthly",
        "once",
        "twice",
        "per",
        "time",
        "since",
        "from",
        "for",
        "over",
        "until",
        "age",
        "aged",
        "ago",
        "last",
        "past",
        "first",
        "onset",
        "minute",
        "hour",
        "day",
        "week",
        "month",
        "year",
        "x",
    }
)
# A singular subject right before a lay word makes it a verb: "this fits with ADO2", "which fits".
_VERB_SUBJECTS = frozenset({"this", "that", "it", "which", "what"})


@cache  # labels repeat their words: about 12,000 distinct words in 144,000 (HPO 2025-01-16)
def _fold(token: str) -> tuple[str, bool]:
    """The normalised word and whether a plural ending was folded away."""
    token = american_spelling(token)
    return singular(LAY_SYNONYMS.get(token, token))


def _word(token: str) -> str:
    return _fold(token)[0]


def _folded(text: str) -> tuple[tuple[str, bool], ...]:
    words = normalise_text(text).split()
    last = len(words) - 1
    # "a" is an article, except as the last of several words: "Reduced hemoglobin A", "Hepatitis A".
    return tuple(
        _fold(w) for i, w in enumerate(words) if w not in _STOP or (w == "a" and i == last and i > 0)
    )


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(token for token, _ in _folded(text))


@dataclass(frozen=True)
class _Keys:
    """Look-up tables from normalised tokens to a term's index in the ontology.

    ``ordered`` matches the words in their order. ``bag`` lets the user's order differ ("spleen enlarged"),
    but only for a set of words that a single term owns: as bags, "Left-to-right shunt" and "Right-to-left
    shunt" are the same words. ``measured`` reads "high PTH" as "Elevated serum pth" (see _MEASUREMENT).
    Words that several terms share map to ``_AMBIGUOUS``: they are not read, and no shorter part of them is
    read either ("Diminished neutrophil myeloperoxidase activity" must not become neutropenia).
    ``named_with`` gives, for each word, the terms whose label or a synonym has it ("optic" is in "Optic
    disc pallor").
    """

    ordered: dict[tuple[str, ...], int]
    bag: dict[tuple[str, ...], int]
    measured: dict[tuple[str, ...], int]
    named_with: dict[str, frozenset[int]]


@dataclass(frozen=True)
class _LexiconEntry:
    """A lay phrase of lexicon.yaml: the terms it names, whether its last word must be plural, whether it is
    read only alone (see _in_company), its words in their order, whether only a "normal" cue reads it (a
    test's name: "normal BERA" excludes hearing impairment, "no BERA" or "BERA absent" says nothing of it),
    and whether it is a bare attribute (``attribute``, read only after a "normal" cue too): "normal hearing"
    excludes hearing impairment, but "no hearing" or "hearing absent" describes a deaf child, so such a
    phrase is held back with a note rather than read either way. An entry marked ``observed_only`` names a
    kind of its term that HPO has no term for ("delayed VEPs" are an Abnormality of visual evoked potentials):
    present, it is that term; absent, it does not exclude the term ("no delayed VEPs" says nothing of an absent
    or small VEP), so a negated one is held back with a note."""

    terms: tuple[str, ...]
    plural: bool
    alone: bool
    words: tuple[str, ...]
    normal_only: bool = False
    attribute: bool = False
    observed_only: bool = False
    # The age in days from which the words are the finding (lexicon "abnormal_from_months"): "open fontanelle"
    # is normal in a young infant (see _hold_back_before_age).
    from_age_days: float | None = None


# Words that an HPO synonym gives to a finding of one organ, though a report uses them for another organ's as
# often. "Loss of corticomedullary differentiation" is a synonym of Absence of renal corticomedullary
# differentiation (HP:0005564; "loss of definition of ..." of HP:0005565), but a skeletal survey of osteopetrosis
# says the same of the bones, whose marrow cavity the dense bone fills: "diffuse sclerosis with loss of
# corticomedullary differentiation" was read as the kidney's finding, observed. Without the organ named
# ("renal") the words are not read (reported as not found), as words that several terms share are.
_OTHER_ORGAN_SYNONYMS: frozenset[tuple[str, ...]] = frozenset(
    _tokens(phrase)
    for phrase in (
        "loss of corticomedullary differentiation",
        "loss of definition of corticomedullary differentiation",
    )
)

# The position recorded for words that several terms share.
_AMBIGUOUS = -1


def _unambiguous(keys: dict[tuple[str, ...], set[int]]) -> dict[tuple[str, ...], int]:
    return {key: next(iter(p)) if len(p) == 1 else _AMBIGUOUS for key, p in keys.items()}


_log = logging.getLogger(__name__)


@cache
def _code_digest() -> str:
    """A digest of the code the look-up tables are built with: this module and ``marbledx._text``."""
    digest = hashlib.sha256()
    for module_file in (__file__, _shared_text.__file__):
        digest.update(Path(str(module_file)).read_bytes())
    return digest.hexdigest()[:16]


def _keys_arrays(keys: _Keys) -> dict[str, np.ndarray]:
    """The tables as flat arrays (no pickle): each key's words joined by spaces (words have none)."""
    arrays: dict[str, np.ndarray] = {}
    for name, table in (("ordered", keys.ordered), ("bag", keys.bag), ("measured", keys.measured)):
        arrays[f"{name}_keys"] = np.array([" ".join(key) for key in table], dtype=str)
        arrays[f"{name}_values"] = np.array(list(table.values()), dtype=np.int32)
    words = list(keys.named_with)
    members = [sorted(keys.named_with[word]) for word in words]
    arrays["named_words"] = np.array(words, dtype=str)
    arrays["named_indptr"] = np.cumsum([0, *(len(m) for m in members)], dtype=np.int64)
    arrays["named_terms"] = np.array([t for m in members for t in m], dtype=np.int32)
    return arrays


def _read_keys(archive: Any) -> _Keys:
    """The tables of an archive written from :func:`_keys_arrays`."""
    tables = [
        {
            tuple(key.split(" ")): value
            for key, value in zip(
                archive[f"{name}_keys"].tolist(), archive[f"{name}_values"].tolist(), strict=True
            )
        }
        for name in ("ordered", "bag", "measured")
    ]
    indptr = archive["named_indptr"].tolist()
    terms = archive["named_terms"].tolist()
    named_with = {
        word: frozenset(terms[indptr[i] : indptr[i + 1]])
        for i, word in enumerate(archive["named_words"].tolist())
    }
    return _Keys(ordered=tables[0], bag=tables[1], measured=tables[2], named_with=named_with)


@dataclass(frozen=True)
class TextMapping:
    """One phrase of the text and the HPO term it became (shown to the user).

    ``lab`` is set for a term read from lab values in the words: ``phrase`` is then the values as written
    ("Hb 7.2 g/dL") and ``lab`` how the lab table read them ("low: below 10.5 g/dL, WHO 2024, at age 8
    months").
    """

    phrase: str
    hpo_id: str
    label: str
    excluded: bool
    lab: str | None = None


@dataclass(frozen=True)
class TextParse:
    """What :meth:`TextParser.parse` read, and what it held back (each shown to the user)."""

    mappings: tuple[TextMapping, ...]
    unmatched: tuple[str, ...]
    age_days: float | None
    sex: str | None
    # Text about a relative ("father had fractures"), shown to the user and not read as findings.
    about_relatives: tuple[str, ...] = ()
    # Uncertain, hypothetical or ambiguous findings ("possible hepatomegaly", "rule out osteopetrosis", an
    # item whose negation is ambiguous), not read.
    uncertain: tuple[str, ...] = ()
    # Why a phrase was held back or an age was not used, one line each.
    notes: tuple[str, ...] = ()
    # The lab values in the words and what became of each (``parse(..., labs=True)`` only).
    labs: tuple[TextLab, ...] = ()
    # Whether the words say the patient's parents are related ("consanguineous parents", "parents are first
    # cousins", "Consanguinity: yes"): family history, as --consanguineous; the words are shown in
    # ``about_relatives`` too.
    consanguineous: bool = False


@dataclass
class _Item:
    """One phrase of a sentence and its cues, before its scope is settled (see TextParser.parse)."""

    connector: str  # the connector before it ("" for the first)
    written: str  # the phrase as written, cues included
    phrase: str  # the words to match, cues removed
    pre_negation: bool = False
    cue: str = ""  # the pre-negation cue words ("no", "normal")
    resolved: bool = False  # "no further X", "no X since ...": X was there before
    negated_by: int | None = None  # the index of the item whose pre-cue is in force over this one
    post_negation: bool = False
    affirmed: bool = False
    hedged: bool = False  # its own uncertainty cue
    pre_hedge: bool = False  # an uncertainty cue before its words ("possible X"), covering the list after it
    post_hedge: bool = False
    tail: str = ""  # words after a post-cue ("on examination")
    normal: bool = False  # the negation in force is a "normal" cue ("normal BERA", "ABR normal")
    status: str = "observed"  # observed | excluded | uncertain | ambiguous
    why: str = ""
    signs: tuple[int, ...] = ()  # the signs read by their own rule in the phrase (see _take_signs)
    # Why it is held back if it would be observed: a cue alone after a later comma may cover it ("anaemia, big
    # spleen, absent"; see _settle).
    unclear: str = ""
    # A consanguinity phrase with a cue of its own that names no finding ("no consanguinity", "possible
    # consanguinity", "denies consanguinity"): family history, which sets nothing (see _states_consanguinity).
    # Its cue opens no list of findings: the phrases after it, after a comma or "and", are the patient's and
    # read as written ("no consanguinity, anaemia" held the anaemia back as "no X, Y"); an "or" list is still
    # covered ("no consanguinity or anaemia").
    kin: bool = False
    # Its pre-negation cue takes a list ("negative for", "denies", "no history of"; see _LIST_CUES).
    listing: bool = False
    lab_after: str = ""  # the words after the phrase's last lab value (see TextParser._emit)


class TextParser:
    """Maps free text to HPO findings against one ontology (built lazily, about half a second)."""

    def __init__(self, ontology: Ontology, lexicon: Path | None = None, *, cache: Path | bool = True) -> None:
        """``cache``: the folder for the look-up tables built from the ontology's names (default the cache
        folder of the HPO index; ``False``: build them in every process)."""
        self.ontology = ontology
        self._lexicon_path = lexicon or Path(str(resources.files("marbledx.findings") / "lexicon.yaml"))
        self._cache = cache

    @cached_property
    def _lexicons(self) -> tuple[dict[tuple[str, ...], _LexiconEntry], dict[tuple[str, ...], _LexiconEntry]]:
        """Lay phrases -> their entry: those read anywhere, and those read only in a negated phrase.

        A phrase written in the plural stays plural: "fractures" is a susceptibility to fractures, "a
        fracture" is not; "infections" are recurrent, "an infection" is not. The words may come in any
        order ("vision reduced"). A phrase listed under several terms names all of them ("normal FBC"
        excludes anaemia, thrombocytopenia and leukopenia). An entry marked ``alone`` is read only when the
        other words of its phrase grade or date it (see _in_company).
        """
        data = yaml.safe_load(self._lexicon_path.read_text(encoding="utf-8"))
        anywhere: dict[tuple[str, ...], _LexiconEntry] = {}
        negated_only: dict[tuple[str, ...], _LexiconEntry] = {}
        for section, entries in (("phrases", anywhere), ("negated_only", negated_only)):
            for item in data.get(section) or []:
                try:
                    term = self.ontology.resolve(item["hpo_id"])
                except UnknownTermError:
                    continue  # an id the release in use does not know; the label index still applies
                for phrase in item["phrases"]:
                    folded = _folded(phrase)
                    tokens = tuple(token for token, _ in folded)
                    plural = bool(folded) and folded[-1][1]
                    alone = bool(item.get("alone", False))
                    attribute = bool(item.get("attribute", False))
                    normal_only = bool(item.get("normal_only", False)) or attribute
                    observed_only = bool(item.get("observed_only", False))
                    months = item.get("abnormal_from_months")
                    from_age = None if months is None else float(months) * _UNIT_DAYS["m"]
                    for key in (tuple(sorted(tokens)), tokens):
                        known = entries.get(key)
                        if known is not None and key != tokens and known.words != tokens:
                            continue  # another phrase's bag: the phrase in its own order wins
                        same = known is not None and known.words == tokens
                        terms = known.terms if known is not None and same else ()
                        if term not in terms:
                            terms = (*terms, term)
                        # "pathological fracture, pathological fractures" fold to the same words: the singular
                        # is listed, so it reads (the plural that came after it made it need the plural).
                        needs_plural = plural and not (known is not None and same and not known.plural)
                        entries[key] = _LexiconEntry(
                            terms,
                            needs_plural,
                            alone,
                            tokens,
                            normal_only,
                            attribute,
                            observed_only,
                            from_age,
                        )
        return anywhere, negated_only

    @cached_property
    def _keys(self) -> _Keys:
        """The look-up tables of the ontology's names, from the cache folder when they were built before.

        Building them takes about a second on a full release, on every run of ``marbledx rank --text``. They
        depend only on the ontology's names and graph (``Ontology.fingerprint``) and on this code (the
        digest of this module and of ``marbledx._text``, so that any change to a spelling rule rebuilds them).
        """
        folder = cache_dir() if self._cache is True else (self._cache or None)
        if folder is None:
            return self._build_keys()
        try:
            identity = f"{self.ontology.fingerprint}|{_code_digest()}"
        except OSError:  # the module's source cannot be read (a frozen install): no key, so no cache
            return self._build_keys()
        path = folder / f"text-{hashlib.sha256(identity.encode()).hexdigest()[:16]}.npz"
        cached = load_cache(path, _read_keys, what="text look-up cache", log=_log)
        if cached is not None:
            return cached
        keys = self._build_keys()
        store_cache(path, _keys_arrays(keys), what="text look-up cache", log=_log)
        return keys

    def _build_keys(self) -> _Keys:
        """Every phenotype label and synonym, as normalised tokens in order, as a bag, and without its
        measurement words."""
        ontology = self.ontology
        labels: dict[tuple[str, ...], set[int]] = {}
        synonyms: dict[tuple[str, ...], set[int]] = {}
        bags: dict[tuple[str, ...], set[int]] = {}
        measured: dict[tuple[str, ...], set[int]] = {}
        named_with: dict[str, set[int]] = {}
        # Only phenotypes, not onsets, modes of inheritance or frequencies.
        for term_id in sorted(ontology.descendants(PHENOTYPIC_ABNORMALITY_ID, include_self=True)):
            position = ontology.index(term_id)
            for is_synonym, text in (
                (False, ontology.label_at(position)),
                *((True, s) for s in ontology.synonyms(term_id)),
            ):
                tokens = _tokens(text)
                if not tokens:
                    continue
                (synonyms if is_synonym else labels).setdefault(tokens, set()).add(position)
                bags.setdefault(tuple(sorted(tokens)), set()).add(position)
                for token in tokens:
                    named_with.setdefault(token, set()).add(position)
                if not (_DIRECTION.isdisjoint(tokens) or _MEASUREMENT.isdisjoint(tokens)):
                    key = tuple(sorted(t for t in tokens if t not in _MEASUREMENT))
                    if len(key) >= 2:
                        measured.setdefault(key, set()).add(position)
        return _Keys(
            # A label wins over other terms' synonyms with the same words ("Lipoma", a synonym of
            # "Multiple lipomas" after plurals are folded); words that several terms share otherwise, such
            # as "ASD" (atrial septal defect, autism), are not read.
            ordered={**_unambiguous(synonyms), **_unambiguous(labels)},
            bag=_unambiguous(bags),
            measured={key: p for key, p in _unambiguous(measured).items() if key not in bags},
            named_with={token: frozenset(p) for token, p in named_with.items()},
        )

    @cached_property
    def _longest_key(self) -> int:
        """The most words any key of the look-up tables has; a longer span of words names no term."""
        keys = self._keys
        lengths = [len(key) for table in (keys.ordered, keys.bag, keys.measured) for key in table]
        lengths += [len(key) for table in self._lexicons for key in table]
        return max(lengths, default=0)

    def _lookup(self, span: tuple[str, ...], *, negated: bool, plural: bool = True) -> tuple[str, ...] | None:
        """The term ids the words name, ``()`` when several terms share them or they are not read, or ``None``."""
        if span in _OTHER_ORGAN_SYNONYMS:
            return ()
        entry = self._lexicon_entry(span, negated=negated)
        if entry is not None and (plural or not entry.plural):
            return entry.terms
        keys = self._keys
        position = keys.ordered.get(span)
        if position is None:
            position = keys.bag.get(tuple(sorted(span)))
        if position is None and not _DIRECTION.isdisjoint(span):
            position = keys.measured.get(tuple(sorted(t for t in span if t not in _MEASUREMENT)))
        if position is None:
            return None
        if position == _AMBIGUOUS:
            return ()
        term = self.ontology.id_at(position)
        return None if not plural and term in _PLURAL_ONLY_TERMS else (term,)

    def _lexicon_entry(self, span: tuple[str, ...], *, negated: bool) -> _LexiconEntry | None:
        anywhere, negated_only = self._lexicons
        entry = anywhere.get(span) or (negated_only.get(span) if negated else None)
        if entry is None and len(span) > 1:
            bag = tuple(sorted(span))
            entry = anywhere.get(bag) or (negated_only.get(bag) if negated else None)
        return entry

    def _match(
        self, tokens: tuple[str, ...], *, negated: bool, plurals: tuple[bool, ...] | None = None
    ) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, term id) matches, longest first.

        Empty when a direction word of the phrase is outside every match ("high calcium" must not be read
        as "calcium"), and when a word left out changes what the phrase means (see _misread).
        """
        found: list[tuple[int, int, str]] = []
        taken = [False] * len(tokens)
        # No span longer than the longest key can match (a measured key leaves its measurement words out), so
        # a long run of words costs time in proportion to its length, not to its square.
        longest = self._longest_key + sum(1 for token in tokens if token in _MEASUREMENT)
        for length in range(min(len(tokens), longest), 0, -1):
            for start in range(len(tokens) - length + 1):
                if any(taken[start : start + length]):
                    continue
                plural = plurals is None or plurals[start + length - 1]
                terms = self._lookup(tokens[start : start + length], negated=negated, plural=plural)
                if terms is not None:
                    found.extend((start, start + length, term) for term in terms)
                    for i in range(start, start + length):
                        taken[i] = True
        if any(token in _DIRECTION and not covered for token, covered in zip(tokens, taken, strict=True)):
            return []
        if found and self._misread(tokens, taken, found):
            return []
        return sorted(found)

    def _misread(self, tokens: tuple[str, ...], taken: list[bool], found: list[tuple[int, int, str]]) -> bool:
        """Whether a word outside every match changes what the phrase means.

        It does when it is a word such as "risk", "fear" or "single" (``_CHANGES_MEANING``), and when it
        names, together with a match's words, another term that is not a kind of the matched one: "optic
        nerve pallor" is not the skin's Pallor, because "optic" and "pallor" name Optic disc pallor. Words
        that only grade a finding ("massive", "severe") are left aside.
        """
        named_with = self._keys.named_with
        # Each word and each match once: a long phrase that repeats them ("findings of osteopetrosis" 3,000 times)
        # took time in the square of its length.
        matches = dict.fromkeys((tokens[start:end], term) for start, end, term in found)
        uncovered = dict.fromkeys(token for token, covered in zip(tokens, taken, strict=True) if not covered)
        for token in uncovered:
            if token in _DEGREE or len(token) < 3 or not token.isalpha():
                continue
            if token in _CHANGES_MEANING:
                return True
            others = named_with.get(token)
            if not others:
                continue
            for words, term in matches:
                shared = set(others)
                for word in words:
                    shared &= named_with.get(word, frozenset())
                shared.discard(self.ontology.index(term))
                if shared and not any(
                    term in self.ontology.ancestors(self.ontology.id_at(p)) for p in shared
                ):
                    return True
        return False

    def _names_a_term(self, phrase: str, cue: str) -> bool:
        """Whether the words of a negation cue begin the name of a term: "absent speech" is a finding."""
        matches = self._match(_tokens(phrase), negated=False)
        return bool(matches) and matches[0][0] == 0 and matches[0][1] >= len(_tokens(cue))

    def _cue_is_a_name(self, phrase: str, cue_start: int) -> bool:
        """Whether a post-cue word is part of a term's name ("Renal corticomedullary differentiation absent"
        is not, "Visual acuity no light perception" would be)."""
        before = len(_tokens(phrase[:cue_start]))
        return any(start < before < end for start, end, _ in self._match(_tokens(phrase), negated=False))

    def _matches(self, phrase: str, *, negated: bool, normal: bool = False) -> list[tuple[int, int, str]]:
        """The matches of ``phrase``; ``normal``: the negation is a "normal" cue ("normal BERA")."""
        folded = _folded(phrase)
        tokens = tuple(token for token, _ in folded)
        found = self._match(tokens, negated=negated, plurals=tuple(p for _, p in folded))
        kept = []
        for start, end, term in found:
            entry = self._lexicon_entry(tokens[start:end], negated=negated)
            if entry is not None and entry.alone and not _in_company(phrase, entry.words):
                continue
            if entry is not None and entry.normal_only and not normal:
                continue  # "no ABR" (not done), "ABR absent" (no response): not hearing impairment excluded
            if entry is not None and entry.observed_only and negated:
                continue  # "no delayed VEPs" does not exclude every abnormality of the VEP
            kept.append((start, end, term))
        return kept

    def _observed_only_terms(self, phrase: str) -> list[str]:
        """The terms of ``phrase`` that are read through a lexicon entry marked ``observed_only`` (a kind of the
        term that HPO has no term for: "delayed VEPs"), as the phrase reads when it is not negated."""
        folded = _folded(phrase)
        tokens = tuple(token for token, _ in folded)
        terms = []
        for start, end, term in self._matches(phrase, negated=False):
            entry = self._lexicon_entry(tokens[start:end], negated=False)
            if entry is not None and entry.observed_only:
                terms.append(term)
        return terms

    def parse(
        self,
        text: str,
        *,
        labs: bool = False,
        age_days: float | None = None,
        sex: str | None = None,
        lab_exclusions: bool = True,
        lab_table: LabTable | None = None,
    ) -> TextParse:
        """Find HPO terms, negations, age and sex in ``text``.

        The text is cut into sentences (full stop, ";", "!", "?", "but", "however"), a sentence into
        clauses at a colon, and a clause into phrases at commas and connectors. Cue words then decide each
        phrase's state, in NegEx's manner (Chapman et al. 2001, PMID:12123149): a pre-negation ("no X")
        covers the phrases after it joined by "or"/"nor"/"/"; a list of commas and "and" that no "or"/"nor"
        closes ("no X, Y and Z") is ambiguous, so its later items are held back rather than guessed; a
        termination term ("except", "apart from", "other than") or a new clause ("with", "has", "showed")
        ends the scope; "present"/"noted" on an item ends it too. Uncertain, hypothetical and ambiguous
        phrases and a relative's findings are shown, not read.

        A name or date-of-birth heading and its value ("Name: Jane Smith", "DOB: 01/02/2018") are cut out
        first and never read or shown; no age is worked out from a date of birth. Headings of a template that
        share a line ("Age: 7 years Sex: F") are read as on separate lines. When the words disagree on the
        sex, a note says so (see _text_sex). A consanguinity heading is family history, as the words are
        (see _CONSANGUINITY_HEADING).

        With ``labs``, lab values in the words ("Hb 7.2 g/dL, platelets 45 x10^9/L") are read through the lab
        table (``lab_table``, default the bundled one) at ``age_days`` and ``sex`` (the caller's; when None,
        the age and sex the words give). Their terms are added to ``mappings`` with ``lab`` set, normal values
        exclude terms as in ``marbledx labs`` unless ``lab_exclusions`` is False, and every value is listed in
        ``labs``; one not read or not interpreted has a note saying why.
        """
        if not text.strip():
            msg = (
                "--text is empty; expected a description such as '8-month-old with anaemia and no fractures'"
            )
            raise InputError(msg)
        # Many of the patterns below start with "\s+" or "\s*" and are tried at every character, so a long run
        # of spaces took time in the square of its length (50,000 spaces: minutes). A run is cut to a few
        # characters first; the readings depend on where spaces are, not on how many there are beyond two.
        text = _shorten_blank_runs(text)
        # A name and a date of birth are patient data, never findings: they are cut out before anything reads
        # the text.
        text, long_names = _take_names(text)
        text, birth_date, long_dates = _take_birth_dates(text)
        # "Anaemia [x]", "Seizures [ ]", "Fractures N", "Fractures? No": a form's answers (see _form_answers).
        text = _form_answers(text)
        table = (lab_table or bundled_lab_table()) if labs else None
        if table is not None:
            # "Hb" then "7.2 g/dL" on the next line is "Hb 7.2 g/dL" (see join_split_values).
            text = join_split_values(text, table)
        # "Fractures" then "no" on the next line is "Fractures: no" (see _answer_lone_values).
        text = self._answer_lone_values(text)
        # "anaemia" then "osteopetrosis: no" is two items, not "anaemia osteopetrosis: no" (see
        # _start_heading_lines).
        text = self._start_heading_lines(text)
        # "Negative for:" then "- Anaemia" is anaemia excluded (see _negate_heading_lists).
        text = self._negate_heading_lists(text)
        # "Denies fever, rash" then "osteopetrosis": the list ends with its line (see _end_list_lines).
        text = self._end_list_lines(text)
        # "Fractures: no" then "big spleen" is no fractures and a big spleen (see _answer_heading_values).
        text, heading_notes = self._answer_heading_values(text)
        # "1. splenomegaly": the number of a list item is a bullet (see _LIST_NUMBER).
        text = _LIST_NUMBER.sub(r"\g<indent>-", text)
        text = _join_lines(text).strip()
        # "Age: 7 y/o", "7 y.o. boy": the unit is "yo" (see _AGE_UNIT_DOTS).
        text = _AGE_UNIT_DOTS.sub(_age_unit, text)
        # "Hearing loss? Osteopetrosis." doubts both (see _QUESTION_BETWEEN).
        text = _QUESTION_BETWEEN.sub(_question_between, text)
        original = text
        mentions: list[LabMention] = []
        if table is not None:
            mentions = find_lab_mentions(text, table)
            # Each value becomes a placeholder word, so that the cues around it (a relative, a hypothesis)
            # are settled like any phrase's and no age or sentence rule reads its numbers.
            text = mark_lab_mentions(text, mentions)
        lowered = text.lower()
        for pattern, replacement in _SHORTHAND:
            lowered = pattern.sub(replacement, lowered)
        # "Age: 7 years Sex: F" is read as the same headings on two lines.
        lowered = _split_headings(lowered)
        # "Consanguinity: yes" is family history, as "consanguineous parents" is; "Consanguinity: no" says nothing.
        lowered, kin = _take_consanguinity(lowered)
        consanguineous = _states_consanguinity(lowered, kin)
        # "Sex: unknown" says nothing, and is cut out (see _SEX_NOT_KNOWN), before a "?" value is read as a doubt.
        lowered = _SEX_NOT_KNOWN.sub(" ", lowered)
        # "Does not fix and follow", "hearing screen passed", "OFC > 97th centile" are read by their own rules,
        # before a cue, a connector or a number in them is (see _take_signs).
        lowered, signs = _take_signs(lowered)
        # Rewrites before the sentence is split, in this order: "X was not ruled out", "X not likely" and
        # "? X" / "X?" are uncertain, and conditionals hypothetical (before the negation cues see their
        # "not" or "without"); "spleen not palpable" is "spleen palpable absent" and "impalpable spleen" "no
        # palpable spleen"; "X was not seen" is "X absent"; "without X", "with no X", "did not have X",
        # "has never had X" and a "no" inside a phrase ("there were no fractures") start a new, negated
        # phrase (before "has"/"had" split it and end the negation).
        lowered = _SEEN_BY_RELATIVE.sub(r"\g<verb>", lowered)
        lowered = _SPLEEN_BELOW_MARGIN.sub(_spleen_below_margin, lowered)
        # "Liver: 4 cm BCM" is one phrase, so that its note is given (see _LIVER_SIZE).
        lowered = _LIVER_SIZE.sub(lambda match: match.group().replace(":", " "), lowered)
        lowered = _COURTESY_QUESTION.sub(r"\1.", lowered)
        lowered = _COURTESY.sub(" ", lowered)
        lowered = _QUESTION_HEADING_VALUE.sub(" possible", lowered)
        lowered = _UNKNOWN_HEADING_VALUE.sub(_unknown_heading_value, lowered)
        lowered = _HEADING_VALUE.sub(self._heading_value, lowered)
        lowered = _NOT_RULED_OUT.sub(" possible", lowered)
        lowered = _NOT_CONFIRMED.sub(" to be confirmed", lowered)
        lowered = _NOT_LIKELY.sub(" unlikely", lowered)
        lowered = _NOT_SUPPORTED.sub(" unlikely", lowered)
        lowered = _NOT_CONSISTENT.sub(" no ", lowered)
        lowered = _CONSISTENT.sub(_consistent, lowered)
        lowered = _HEDGE.sub(_hedge, lowered)
        lowered = _DOUBTED_CAUSE.sub(", ", lowered)
        lowered = _PURPOSE.sub(", ", lowered)
        lowered = _QUESTION_BRACKET.sub(" possible", lowered)
        # "Anaemia, ?" is "anaemia, possible" (see _item); the question mark still ends the sentence.
        lowered = _QUESTION_ALONE.sub(" possible.", lowered)
        lowered = _QUESTION_BEFORE.sub("possible ", lowered)
        lowered = _QUESTION_AFTER.sub(" possible.", lowered)  # the question mark still ends the sentence
        lowered = _HYPOTHETICAL.sub(_HYPOTHETICAL_MARK, lowered)
        lowered = _IMPALPABLE_AFTER.sub("not palpable", lowered)
        lowered = _IMPALPABLE_BEFORE.sub("no palpable", lowered)
        lowered = _NOT_PALPABLE.sub(" palpable absent", lowered)
        lowered = _NOT_SEEN.sub(" absent", lowered)
        lowered = _INLINE_NEGATION.sub(_inline_cue, lowered)
        lowered = self._split_negated_reason(lowered)
        # A parenthesis with a number ("anaemia (Hb 7.2 g/dL)") is a phrase of its own; other brackets are
        # part of the name ("Acroosteolysis of distal phalanges (feet)").
        lowered = re.sub(r"\(([^()]*\d[^()]*)\)", r", \1,", lowered)
        lowered = _AGE_IN_WORDS_BRACKET.sub(r", \1,", lowered)
        # So is one about a relative: "anaemia (mother also anaemic)".
        lowered = re.sub(rf"\(([^()]*\b{_RELATIVE_WORDS}\b[^()]*)\)", r", \1,", lowered)
        lowered = re.sub(r"[()\[\]]", " ", lowered)
        state = _State(lab_names={i: frozenset(_tokens(m.name)) for i, m in enumerate(mentions)}, signs=signs)
        if long_names:
            state.notes.append(
                f"more than {_NAME_MOST_WORDS} words after a name heading were taken as the name and not read (a "
                "name is never read as findings); put findings on a line of their own"
            )
        if long_dates:
            state.notes.append(
                f"more than {_NAME_MOST_WORDS} words after a date-of-birth heading were taken as the date and not "
                "read (a date of birth is never read as findings); put findings on a line of their own"
            )
        state.notes.extend(heading_notes)
        for sentence in _SENTENCE.split(lowered):
            self._sentence(sentence, state)
        text_age = _age(state)
        if text_age is None and not state.ages and state.newborn:
            text_age = 0.0
        if birth_date and text_age is None and age_days is None:
            # The date of the note is not known, so an age worked out from the date of birth could be wrong
            # by as much time as has passed since the note was written.
            state.notes.append(
                "a date of birth is not used (the date of the note is not known); give the age with --age"
            )
        # "Open fontanelle" is a finding only from about 18 months (see _hold_back_before_age).
        _hold_back_before_age(state, age_days if age_days is not None else text_age)
        text_sex = _text_sex(state)
        found: tuple[TextLab, ...] = ()
        if table is not None and mentions:
            reading = read_text_labs(
                original,
                mentions,
                [self._lab_context(index, state) for index in range(len(mentions))],
                [(m.hpo_id, m.excluded) for m in state.mappings],
                ontology=self.ontology,
                table=table,
                age_days=age_days if age_days is not None else text_age,
                sex=sex if sex is not None else text_sex,
                exclusions=lab_exclusions,
            )
            state.mappings.extend(
                TextMapping(t.phrase, t.hpo_id, t.label, t.excluded, t.detail) for t in reading.terms
            )
            state.notes.extend(reading.notes)
            found = reading.labs
        shown = {str(i): lab_value_text(original, m).lower() for i, m in enumerate(mentions)}
        _hold_back_contradictions(state)

        def restore(words: str) -> str:
            """The words with each value placeholder, and each consanguinity heading's and sign's, back as
            written."""
            if _INLINE_MARK in words:
                words = " ".join(words.replace(_INLINE_MARK, " ").split())
            if kin:
                words = _KIN_MARK.sub(lambda m: kin[int(m.group(1))], words)
            if signs:
                words = _SIGN_MARK.sub(lambda m: signs[int(m.group(1))].written, words)
            if not mentions:
                return words
            return " ".join(PLACEHOLDER.sub(lambda m: shown.get(m.group(1), m.group()), words).split())

        return TextParse(
            tuple(state.mappings),
            tuple(restore(w) for w in state.unmatched),
            text_age,
            text_sex,
            tuple(restore(w) for w in state.about_relatives),
            tuple(restore(w) for w in state.uncertain),
            tuple(restore(w) for w in state.notes),
            found,
            consanguineous,
        )

    def _split_negated_reason(self, lowered: str) -> str:
        """The text with the reason after a negated decision starting a sentence of its own: "hsct, no indicated
        due to neurodegeneration" -> "hsct, no indicated; due to neurodegeneration" (see _NEGATED_REASON).

        Only when the negated words name no finding, the reason names one, and no conditional wording comes
        before it in its sentence ("would not be indicated if ..." stays hypothetical as a whole)."""

        def split(match: re.Match[str]) -> str:
            what = match.group("what")
            reason = _SENTENCE.split(lowered[match.end() :], maxsplit=1)[0]
            sentence_start = max((m.end() for m in _SENTENCE.finditer(lowered, 0, match.start())), default=0)
            if (
                len(what.split()) > _NEGATED_REASON_MOST_WORDS
                or _HYPOTHETICAL_MARK.strip() in lowered[sentence_start : match.start()]
                or _HYPOTHETICAL_MARK.strip() in what
                or self._matches(what, negated=False)
                or not self._matches(reason, negated=False)
            ):
                return match.group()
            return f"{match.group().rstrip()}; "

        return _NEGATED_REASON.sub(split, lowered)

    def _answer_lone_values(self, text: str) -> str:
        """The text with each line that holds only a value of absence ("no", "none", "nil", "absent",
        "negative", "-"; see _LONE_VALUE) read as a template's answer.

        It answers the line above it when that line is a heading: one that ends with a colon, "=" or a spaced
        dash ("Fractures:" then "no"), a consanguinity heading ("Consanguinity" then "No"), or one that is a
        single finding and nothing else, starting its own sentence ("Fractures" or "Hepatosplenomegaly" then
        "no": see _names_one_finding). The two lines become "Fractures: no", which the heading rules read as the
        finding excluded. Under any other line (a
        sentence, a list, words that name no finding, a blank line) it is joined to nothing new and read as
        before: "no" there is no negation of the line above. Either way it ends its sentence, so that it never
        reaches the next line: "Anaemia" then "no" then "big spleen" is no anaemia and a big spleen, and under
        a sentence the "no" negates nothing (before, a next line in lower case became "no big spleen"). A
        wrongly negated finding is worse than a missed one, so a line above that is more than one finding is
        never taken as the heading.
        """
        if "\n" not in text:
            return text
        lines = text.split("\n")
        values = [_LONE_VALUE.fullmatch(line) for line in lines]
        lone = [value is not None for value in values]
        if not any(lone):
            return text
        answered: dict[str, bool] = {}  # each line above that was looked at, and whether it is one finding
        kept: list[str] = []
        for index, (line, value) in enumerate(zip(lines, values, strict=True)):
            if value is None:
                kept.append(line)
                continue
            # A dash is the "-" that _HEADING_VALUE reads as absent.
            word = "-" if value.group("value") in {"\u2013", "\u2014"} else value.group("value")
            above = lines[index - 1].rstrip(" \t\r") if index else ""
            if above and not lone[index - 1]:
                heading = bool(_HEADING_LINE_END.search(above) or _CONSANGUINITY_LINE.fullmatch(above))
                if not heading and _line_starts_sentence(lines, index - 1, lone):
                    if above not in answered:
                        answered[above] = self._names_one_finding(above)
                    heading = answered[above]
                if heading:
                    colon = "" if _HEADING_LINE_END.search(above) else ":"
                    kept[-1] = f"{above}{colon} {word};"
                    continue
            kept.append(f"{word};")
        return "\n".join(kept)

    def _negate_heading_lists(self, text: str) -> str:
        """The text with each line under a heading that is only a negation cue, alone on its line ("Negative
        for:", "No:", "Denies:"; see _NEGATION_HEADING_LINE), negated on its own: "Negative for:" then "-
        Anaemia" then "- Fractures" is "negative for Anaemia;" then "negative for Fractures;".

        The list is the lines right below the heading that are each a single finding and nothing else, or a
        list of them (see _names_findings), all with a bullet or all without one, as the first is; it ends at a
        blank line, or at the first line that is not such an item, which is read as before. A line of several
        findings is read as "negative for big spleen and fractures" is: its later items are held back unless
        "or" joins them. Each line ended its sentence (a capital or a bullet starts a new one), so the heading's
        cue reached none of them: the findings the note says are absent were read as observed. The heading's
        line then ends its sentence, so that its cue is not read a second time (see TextParser._sentence).
        """
        if "\n" not in text or not _NEGATION_HEADING_LINE.search(text):
            return text
        lines = text.split("\n")
        index = 0
        while index < len(lines):
            head = _NEGATION_HEADING_LINE.fullmatch(lines[index])
            index += 1
            if head is None:
                continue
            cue = " ".join(head.group("cue").lower().split())
            cue = "negative for" if cue == "negative" else cue
            bulleted: bool | None = None  # whether the list's items have a bullet, as its first one has
            first = index
            while index < len(lines):
                line = lines[index]
                bullet = _LINE_BULLET.match(line)
                if (bulleted is not None and bulleted != (bullet is not None)) or not self._names_findings(
                    line[bullet.end() :] if bullet else line
                ):
                    break
                bulleted = bullet is not None
                # The bullet goes: a cue is read only at the start of its phrase.
                start = bullet.end() if bullet else len(line) - len(line.lstrip(" \t"))
                words = line[start:].rstrip(" \t\r")
                lines[index] = f"{cue} {words};{line[start + len(words) :]}"
                index += 1
            if index > first:
                heading = lines[first - 1].rstrip(" \t\r")
                lines[first - 1] = f"{heading};{lines[first - 1][len(heading) :]}"
        return "\n".join(lines)

    def _end_list_lines(self, text: str) -> str:
        """The text with a sentence end (";") put after each line that holds a list cue ("denies", "negative for",
        "no history of"; see _LIST_LINE_CUE) where the next line, in lower case, would carry its list on though
        the line ends with no comma or connector and does not wrap inside a finding's name.

        Such a cue excludes its whole list up to the end of its clause (see _settle), and the line break was a
        space: "Denies fever, rash" then "osteopetrosis" read "rash osteopetrosis", both excluded (session 40,
        second review). A list that goes on ends its line with a comma or a connector ("Denies fever," then
        "rash"; "... and" then "rash"), or starts the next line with one ("or rash"), or wraps inside a name
        ("Denies bone" then "pain"), and still runs on.
        """
        if "\n" not in text or not _LIST_LINE_CUE.search(text):
            return text
        lines = text.split("\n")
        for index in range(len(lines) - 1):
            line = lines[index].rstrip(" \t\r")
            if not _LIST_LINE_CUE.search(line) or not _next_line_runs_on(lines, index):
                continue
            if _SENTENCE_LINE_END.search(line) or line.endswith(","):
                continue
            nxt = lines[index + 1].strip(" \t\r")
            last, first = line.split()[-1].lower(), nxt.split()[0].lower()
            if last in _CONTINUES or first in _CONTINUES or _CONNECTOR.fullmatch(first):
                continue
            cut = max(line.rfind(stop) for stop in _HEADING_STOPS) + 1
            phrase = re.split(_CONNECTOR, line[cut:].lower())[-1]
            heading = re.split(r"[,;.:!?]", nxt)[0]
            if heading.strip() and self._wraps_into(" ".join(f"{phrase} {heading}".lower().split()), heading):
                continue
            lines[index] = f"{line};{lines[index][len(line) :]}"  # its "\r" kept
        return "\n".join(lines)

    def _names_findings(self, line: str) -> bool:
        """Whether ``line`` is a single finding and nothing else, or a list of such findings joined by commas,
        "and", "or", "nor", "&" or "/" ("Anaemia", "big spleen and fractures"; see _names_one_finding)."""
        parts = _FINDING_LIST.split(line.strip())
        return all(part and self._names_one_finding(part) for part in parts)

    def _start_heading_lines(self, text: str) -> str:
        """The text with a sentence end (";") put before each line that starts with a heading ("osteopetrosis:
        no", "hearing - normal"; see _HEADING_LINE_START) where the line before would carry on into it.

        Such a line goes on in lower case, so the line break read as a space, and the heading was read back
        across it: "anaemia" then "osteopetrosis: no" read "anaemia osteopetrosis: no", anaemia excluded with
        osteopetrosis, though the value answers only the heading on its own line. A heading's value is that
        heading's, so the line starts an item of its own, unless the line before ends with a connector ("Anaemia
        and" then "splenomegaly: no", which _answer_heading_values reads) or a comma (the comma ends the heading
        already), or the line wrapped inside one finding: the last phrase of the line before and the heading
        read together as a single finding ("recurrent" then "fractures: no"; see _names_one_finding). A line
        before that ends with another heading's value ("Anaemia: yes" then "splenomegaly: no") always ends.
        """
        if "\n" not in text:
            return text
        lines = text.split("\n")
        lone = [False] * len(lines)  # lone values end with ";" by now (see _answer_lone_values)
        wrapped: dict[str, bool] = {}  # each joined phrase looked at, and whether it is one finding
        for index in range(1, len(lines)):
            start = _HEADING_LINE_START.match(lines[index])
            if start is None or _line_starts_sentence(lines, index, lone):
                continue
            heading = start.group("heading")
            if len(heading.split()) > _HEADING_MOST_WORDS:
                continue  # prose that wraps, not a heading
            first = heading.split()[0].lower()
            if first in _CONTINUES or _CONNECTOR.fullmatch(first):
                continue  # "anaemia" then "and splenomegaly: no": the line carries on the one before
            before = lines[index - 1].rstrip(" \t\r")
            last = before.split()[-1].lower()
            if last in _CONTINUES or last.endswith(","):
                continue
            if not _VALUE_LINE_END.search(before[-_VALUE_LINE_END_CHARS:]):
                # The last phrase of the line before: back to a heading stop, then to the last connector.
                cut = max(before.rfind(stop) for stop in _HEADING_STOPS) + 1
                phrase = re.split(_CONNECTOR, before[cut:].lower())[-1]
                bullet = _LINE_BULLET.match(phrase)
                phrase = phrase[bullet.end() :] if bullet else phrase
                joined = " ".join(f"{phrase} {heading}".lower().split())
                if joined not in wrapped:
                    wrapped[joined] = self._wraps_into(joined, heading)
                if wrapped[joined]:
                    continue
            lines[index - 1] = f"{before};{lines[index - 1][len(before) :]}"  # its "\r" kept
        return "\n".join(lines)

    def _wraps_into(self, joined: str, heading: str) -> bool:
        """Whether ``joined`` (the last phrase of a line, then ``heading``, the words that start the next line)
        is a single finding whose name runs across the line break: "recurrent fractures", "big spleen"; not
        "anaemia osteopetrosis" (two names) or "anaemia examination" (one name, and a word that names
        nothing)."""
        if not self._names_one_finding(joined):
            return False
        before = len(_folded(joined)) - len(_folded(heading))  # the words of the line before
        return any(start < before < end for start, end, _ in self._matches(joined, negated=False))

    def _names_one_finding(self, line: str) -> bool:
        """Whether ``line`` (a bullet aside) is one phrase that names a finding and nothing else: read alone, it
        gives only observed terms, each from the whole line, with no words not found, nothing held back or
        about a relative, no note, age or sex, and its words are one name, not two side by side. "Fractures",
        "Big spleen" and "Hepatosplenomegaly" are; "Anaemia and big spleen", "anaemia osteopetrosis" (two
        names in one phrase, as a wrapped list "anaemia" then "osteopetrosis" reads), "He has anaemia", "No
        fractures", "Liver" and "Hearing" are not."""
        bullet = _LINE_BULLET.match(line)
        words = line[bullet.end() :] if bullet else line
        if not words.strip():
            return False
        parsed = self.parse(words)  # one line: no lone value in it, so this goes no deeper
        whole = " ".join(words.lower().split())
        return (
            bool(parsed.mappings)
            and all(not m.excluded and m.lab is None and m.phrase == whole for m in parsed.mappings)
            and not (parsed.unmatched or parsed.uncertain or parsed.about_relatives or parsed.notes)
            and parsed.age_days is None
            and parsed.sex is None
            # The terms of a phrase come from one span of its words (a name, or a lay phrase of several terms
            # such as "normal FBC"), not from two names side by side.
            and len({(start, end) for start, end, _ in self._matches(whole, negated=False)}) <= 1
        )

    def _answer_heading_values(self, text: str) -> tuple[str, list[str]]:
        """The text with each heading's value of absence ("Fractures: no", "Fractures - none"; see
        _ABSENCE_VALUE) settled where the line breaks or the words after it would misread it; and a note for
        each one that is not read.

        The heading is the words before the colon, back to a full stop, ";", "!", "?", a colon or a comma, of at
        most _HEADING_MOST_WORDS words; its findings are those it gives read alone (see _heading_kind). Only a
        heading that gives findings is looked at: one that gives none ("History: no" then "fractures or
        anaemia", "Abdomen: no" then "big spleen") is read as before, its value the start of the words after
        it, as in a note that wraps.

        - The whole value at the end of a line that the next line, in lower case, would carry on ("Fractures:
          no" then "big spleen", which read "Fractures: no big spleen": fractures observed, the spleen
          excluded). Under a heading that is a single finding (see _names_one_finding) the value answers it:
          the line ends there, the finding is excluded and the next line is read on its own. Under any other
          heading of findings ("Anaemia and splenomegaly: no" then "fractures") the value may answer all,
          some or none of them; as for a lone "no" under such a line (see _answer_lone_values), a wrongly
          negated finding is worse than a missed one, so the heading is shown as uncertain, not read, and the
          line still ends there: its value never negates the next line. A single finding at the start of a line
          that carries on the line before ("Anaemia and" then "fractures: no") is such a heading too, unless the
          line before ends with another heading's value ("Anaemia: yes" then "splenomegaly: no").
        - A value with more words after it in its clause ("Fractures: no big spleen"; on one line, or
          wrapped). "No" is a pre-negation: it may answer the heading or negate the words after it, and reads
          either the heading or those words the wrong way round; the heading and the rest of the sentence are
          shown as uncertain, not read, with a note. So are they after "none", "nil", "absent", "negative",
          "0" or "-" when the words after it name something ("Fractures: nil big spleen"). When they name
          nothing ("Fractures: none reported so far", "Fractures: absent on examination") they only qualify
          the value, which answers the heading: "fractures absent reported so far".
        - "Fractures = no": "=" is read as a colon (the heading rules know the colon only).
        """
        notes: list[str] = []
        if not _ABSENCE_VALUE.search(text):
            return text, notes
        seen: dict[tuple[str, str], bool | str] = {}  # each heading's kind and rest's reading, found once
        lines = text.split("\n")
        lone = [False] * len(lines)  # lone values end with ";" by now (see _answer_lone_values)
        for index, line in enumerate(lines):
            pieces: list[str] = []
            taken = 0  # where the line not yet copied starts
            # Where the value before ended: a heading is read back no further, so that each character is read
            # back once however many values a line holds.
            floor = 0
            for match in _ABSENCE_VALUE.finditer(line):
                settled = self._settle_heading_value(
                    lines, lone, index, match, max(floor, taken), seen, notes
                )
                floor = match.end()
                if settled is not None:
                    pieces += [line[taken : match.start()], settled[0]]
                    taken = settled[1]
            if pieces:
                lines[index] = "".join([*pieces, line[taken:]])
        return "\n".join(lines), notes

    def _settle_heading_value(
        self,
        lines: list[str],
        lone: list[bool],
        index: int,
        match: re.Match[str],
        floor: int,
        seen: dict[tuple[str, str], bool | str],
        notes: list[str],
    ) -> tuple[str, int] | None:
        """What the heading's value ``match`` on ``lines[index]`` becomes, and where the words it stands for end
        on the line, as _answer_heading_values sets out; None to leave it as it is. ``lone``: no line is a lone
        value (see _line_starts_sentence); ``floor``: where the heading may start at the earliest; ``seen``: the
        kind of each heading and the reading of each rest already looked at. A note is added to ``notes``."""
        line = lines[index]
        value = " ".join(match.group("value").split())
        rest = _VALUE_REST.match(line, match.end())
        assert rest is not None  # it matches the empty string
        words = rest.group()
        whole = not words.strip()
        runs_on = whole and not line[rest.end() :].strip() and _next_line_runs_on(lines, index)
        equals = match.group("sep").strip() == "="
        if whole and not runs_on and not equals:
            return None  # "Fractures: no." or "Fractures: no" then "Anaemia": read as before
        begin = match.start()
        while begin > floor and line[begin - 1] not in _HEADING_STOPS:
            begin -= 1
        heading = line[begin : match.start()]
        if not re.search(r"[a-z]", heading, re.IGNORECASE) or len(heading.split()) > _HEADING_MOST_WORDS:
            return None
        if ("kind", heading) not in seen:
            seen["kind", heading] = self._heading_kind(heading)
        kind = seen["kind", heading]
        if kind == "none":
            return None
        if (
            kind == "one"
            and begin == 0
            and not _line_starts_sentence(lines, index, lone)
            and not _VALUE_LINE_END.search(lines[index - 1][-_VALUE_LINE_END_CHARS:])
        ):
            # Its clause starts on the line before ("Anaemia and" then "fractures: no"). After another heading's
            # value ("Anaemia: yes" then "splenomegaly: no") it starts a template's item, as before.
            kind = "many"
        if not whole and not _VALUE_REST_END.match(line, rest.end()):
            words += " ..."  # longer than a value's qualifier: prose, read as naming something
        shown = " ".join(f"{_shown_heading(heading)}: {value}{words}".lower().split())
        if runs_on:
            if kind == "one":
                return f": {value};", rest.end()
            notes.append(
                f"'{shown}': the heading is not a single finding on a line of its own, and the next line goes on "
                "in lower case; not read (give each finding its own value, e.g. 'Anaemia: no')"
            )
            return f": {_UNREAD_MARK} {value};", rest.end()
        if whole:
            return f": {value}", match.end()  # "Fractures = no"
        qualifier = words.strip()
        if value.lower() != "no":
            if ("rest", qualifier) not in seen:
                seen["rest", qualifier] = self._says_something(qualifier)
            if not seen["rest", qualifier]:
                return " absent", match.end()  # "Fractures: none reported so far"
        notes.append(
            f"'{shown}': '{value.lower()}' may be the heading's value or a negation of the words after it; not "
            f"read (end the value with a full stop or a new line: '{_shown_heading(heading).capitalize()}: "
            f"{value.lower()}.')"
        )
        return f": {_UNREAD_MARK} {value}", match.end()

    def _heading_kind(self, heading: str) -> str:
        """Whether ``heading``, read alone, gives no finding ("none": "History", "Abdomen"), is a single
        finding and nothing else ("one": "Fractures", "- Big spleen"; see _names_one_finding), or gives
        findings otherwise ("many": "Anaemia and splenomegaly", "Fractures at 2 years")."""
        if not self.parse(heading).mappings:
            return "none"
        return "one" if self._names_one_finding(heading) else "many"

    def _says_something(self, words: str) -> bool:
        """Whether ``words``, read alone, name a finding, or something shown as uncertain or about a
        relative: "big spleen", "possible fractures" do; "reported so far", "on examination" do not."""
        if words.endswith("..."):
            return True
        parsed = self.parse(words)
        return bool(parsed.mappings or parsed.uncertain or parsed.about_relatives)

    @staticmethod
    def _lab_context(index: int, state: _State) -> str | None:
        """Whose value the lab value ``index`` is, by the cues around it: the patient's, a relative's, or
        uncertain; None when its words were not read."""
        status = state.lab_context.get(index)
        if status is not None:
            return "uncertain" if status == "uncertain" else "patient"
        marker = f"zzlab{index}zz"
        if any(marker in words for words in state.about_relatives):
            return "relative"
        return None

    def _sentence(self, sentence: str, state: _State, *, hedged: bool = False) -> None:
        """Read one sentence into ``state``; with ``hedged``, its findings are held back as uncertain."""
        reported = _reported_clauses(sentence)
        if reported is not None:
            # "Mum says he has a big spleen and she has anaemia": the spleen is the patient's, the rest the
            # relative's (see _REPORTING_PARENT).
            clauses, doubt, rest = reported
            for clause in clauses:
                self._sentence(clause, state, hedged=hedged or doubt)
            if rest:
                state.about_relatives.append(_shown(rest))
            return
        # "Parental consanguinity, anaemia": a consanguinity phrase is no relative's subject (see _KIN_PHRASE).
        about_relative = bool(_RELATIVE_SUBJECT.match(sentence)) and not _KIN_SUBJECT.match(sentence)
        # Ages first: "Age: 7 Sex: F" leaves the sex heading at the start of its clause.
        sentence = _take_ages(sentence, state, about_relative=about_relative)
        sentence = _take_sex_heading(sentence, state, about_relative=about_relative)
        if not sentence.strip():
            return
        if about_relative:
            state.about_relatives.append(_shown(sentence))
            return
        # A heading such as "Differential diagnosis:" covers the rest of the sentence, as a doubting report does.
        for turn in _TURN.split(sentence):
            clauses = turn.split(":")
            negation: str | None = None  # the cue of a heading that is only one ("Negative for:")
            for index, clause in enumerate(clauses):
                heading = " ".join(clause.split())
                if negation is not None and re.search(r"[a-z]", clause):
                    # "Negative for: anaemia or fractures": the heading negates the clause after it, as "negative
                    # for anaemia or fractures" (a colon otherwise ends a cue's scope).
                    clause = f" {negation} {clause}"
                negation = None
                negative = _NEGATION_HEADING.fullmatch(heading) if index + 1 < len(clauses) else None
                after = _NEGATION_HEADING_AFTER.search(heading) if index + 1 < len(clauses) else None
                if negative is None and after is not None:
                    # "Pt denies: fever, rash", "ROS negative for: fever": the subject is read as a clause of its
                    # own, and the cue negates the clause after the colon (fever and rash were read as observed).
                    self._clause(heading[: after.start()], state, hedged=hedged)
                    negative = after
                if negative is not None:
                    negation = " ".join(negative.group("cue").split())
                    negation = "negative for" if negation == "negative" else negation
                    continue  # the heading names nothing itself ("Negative:" is no word not found)
                if (
                    index + 1 < len(clauses)
                    and _RELATIVE.search(heading)
                    # "Parents: first cousins once removed, anaemia": family history, and the anaemia is the patient's.
                    and not _KIN_SUBJECT.match(f"{clause}:{clauses[index + 1]}")
                ):
                    # "Her father: he had fractures", "Family history: ...": the rest is the relative's.
                    state.about_relatives.append(_shown(":".join(clauses[index:])))
                    break
                if _UNREAD_START.match(clause) or (
                    index + 1 < len(clauses) and _UNREAD_START.match(clauses[index + 1])
                ):
                    # A heading whose value cannot be told from the words after it, and those words (see
                    # _answer_heading_values): shown, not read, to the end of the sentence.
                    hedged = True
                    clause = _UNREAD.sub(" ", clause)
                self._clause(clause, state, hedged=hedged)
                cue = _UNCERTAIN.match(heading)
                if index + 1 < len(clauses) and cue and not heading[cue.end() :].strip():
                    hedged = True

    def _clause(self, clause: str, state: _State, *, hedged: bool) -> None:
        """Read the phrases of one clause into ``state``."""
        pieces = re.split(_CONNECTOR, clause)
        state.shared = None
        items: list[_Item] = []
        relative: list[str] | None = None  # the words about a relative so far, while in such a clause
        kin = False  # whether those words end with a consanguinity phrase (see _KIN_PHRASE)
        hypothetical = hedged
        # re.split with one capturing group alternates: phrase, connector, phrase, connector, ...
        for index in range(0, len(pieces), 2):
            phrase = " ".join(pieces[index].split())
            connector = " ".join(pieces[index - 1].split()) if index else ""
            # A phrase cut off by a negation inside the words before it (see _inline_cue).
            inline = phrase.startswith(_INLINE_MARK)
            phrase = phrase.removeprefix(_INLINE_MARK).strip()
            # Words that go on about the parents stay theirs: "parents are first cousins, both well", and "parents,
            # no related", which "parents are not related" is by now.
            goes_on = relative is not None and (
                (kin and bool(_PARENTS_GO_ON.match(phrase)))
                or (
                    connector == ","
                    and phrase.startswith("no ")
                    and _ends_with_kin([*relative, phrase], phrase)
                )
            )
            # "Anaemia, father never had fractures": the comma that cut off the negation is no end of the
            # father's words (the fractures were read as the patient's, excluded).
            # Words that name no finding end them as before ("the sibling was not recorded": "recorded" is shown).
            if relative is not None and inline and connector == "," and not goes_on:
                cue = _NEGATION.match(phrase)
                goes_on = bool(self._matches(phrase[cue.end() :] if cue else phrase, negated=True))
            if relative is not None and not goes_on and (connector == "," or (kin and connector in _AND)):
                # A relative's words end at a comma; a consanguinity phrase ends at "and" too ("parents
                # consanguineous and anaemia": the anaemia is the patient's).
                state.about_relatives.append(_shown(" ".join(relative)))
                relative = None
            if relative is None and _KIN_MARK.search(phrase) and not _RELATIVE.search(phrase):
                # A consanguinity heading: shown as about a relative (see _CONSANGUINITY_HEADING).
                state.about_relatives.extend(mark.group() for mark in _KIN_MARK.finditer(phrase))
                phrase = " ".join(_KIN_MARK.sub(" ", phrase).split())
            mention = _RELATIVE.search(phrase) if relative is None else None
            if mention:
                before = phrase[: mention.start()].strip()
                # Words before the relative belong to the patient only when a word such as "of" or
                # "whose" separates them ("anaemic infant of a deaf father"); "deaf father" is the
                # father's. Words that name no finding ("born to consanguineous parents") belong to the
                # mention.
                split = list(_OF_RELATIVE.finditer(before))
                before = before[: split[-1].start()].strip() if split else ""
                state.patient_words.append(before)  # "a boy born to ... parents" gives the sex
                if not self._matches(before, negated=False):
                    before = ""
                relative = [phrase[len(before) :].strip()]
                kin = _ends_with_kin(relative, relative[0])
                phrase = before
            elif relative is not None:
                relative.extend(w for w in (connector, phrase) if w)
                kin = _ends_with_kin(relative, phrase)
                continue
            state.patient_words.append(phrase)
            if _HYPOTHETICAL_MARK.strip() in phrase.split():
                hypothetical = True
                phrase = " ".join(w for w in phrase.split() if w != _HYPOTHETICAL_MARK.strip())
            marks = tuple(int(mark) for mark in _SIGN_MARK.findall(phrase))
            if marks:
                # The sign is read by its own rule; the phrase's other words, by theirs.
                item = self._item(connector, " ".join(_SIGN_MARK.sub(" ", phrase).split()))
                item.written, item.signs = phrase, marks
            else:
                item = self._item(connector, phrase)
            item.hedged = item.hedged or hypothetical
            item.kin = (
                (item.pre_negation or item.pre_hedge)
                and bool(_KINSHIP.search(item.phrase))
                and not self._matches(item.phrase, negated=item.pre_negation)
            )
            items.append(item)
        if relative is not None:
            state.about_relatives.append(_shown(" ".join(relative)))
        for lone, earlier in zip(items[1:], items, strict=False):
            # "VEPs, absent", "osteoclasts, absent": a negation alone after a comma that makes a finding's name
            # with the phrase before it is read as that name, as "VEPs absent" is (see _item).
            named = f"{earlier.phrase} {lone.written}"
            if (
                lone.post_negation
                and not lone.phrase
                and earlier.phrase
                and not _has_cue(earlier)
                and self._cue_is_a_name(named, len(earlier.phrase) + 1)
            ):
                earlier.phrase, earlier.written = named, f"{earlier.written}, {lone.written}"
                lone.post_negation = False
        _settle(items)
        self._distribute_normal(items)
        self._hold_back_resolved(items)
        self._share_trailing_direction(items)
        for item in items:
            self._emit(item, state)

    def _item(self, connector: str, phrase: str) -> _Item:
        """The phrase with its cue words taken off and recorded."""
        item = _Item(connector, phrase, phrase)
        cue = _NEGATION.match(phrase)
        if cue and self._names_a_term(phrase, cue.group()):
            cue = None  # "absent speech", "normal pressure hydrocephalus": a finding, not a negation
        if cue:
            item.pre_negation = True
            item.cue = " ".join(cue.group().split())
            item.normal = item.cue in _NORMAL_CUES
            phrase = phrase[cue.end() :].strip()
            item.resolved = bool(_RESOLVED.search(phrase))
            item.listing = item.cue in _LIST_CUES or (item.cue == "no" and bool(_LIST_CUE_NO.match(phrase)))
        affirm = _PRE_AFFIRM.match(phrase) if not cue else None
        if affirm and not self._names_a_term(phrase, affirm.group()):
            # "Negative for fever, rash, positive for pallor": the pallor is stated, and a negation's list ends
            # before it, as it does before "pallor present" (it was held back as a later item of the list).
            item.affirmed = True
            phrase = phrase[affirm.end() :].strip()
        for pattern, flag in ((_POST_NEGATION, "post_negation"), (_POST_AFFIRM, "affirmed")):
            post = pattern.search(phrase)
            if post and post.start() > 0 and not self._cue_is_a_name(phrase, post.start()):
                setattr(item, flag, True)
                item.normal = item.normal or post.group().split()[-1] in _NORMAL_CUES
                item.tail = phrase[post.end() :].strip()
                phrase = phrase[: post.start()].strip()
                break
        hedge = _UNCERTAIN.match(phrase)
        if hedge and self._names_a_term(phrase, hedge.group()):
            hedge = None  # "borderline personality disorder", "differential cyanosis"
        if hedge:
            item.hedged = item.pre_hedge = True
            phrase = phrase[hedge.end() :].strip()
        # A space first, so that the cue alone ("anaemia, to be confirmed") is found too (see _settle).
        post_hedge = _POST_UNCERTAIN.search(f" {phrase}")
        if item.tail and _POST_UNCERTAIN.fullmatch(f" {item.tail}"):
            # "Anaemia absent?", "hearing normal?", "Ca normal?": a doubt of the negation, read as excluded before
            # (the "?" after the cue was left as its tail). A doubted finding is never read either way.
            item.post_hedge = item.hedged = True
        elif post_hedge:
            item.post_hedge = item.hedged = True
            phrase = f" {phrase}"[: post_hedge.start()].strip()
        elif (inside := _DOUBT_INSIDE.search(phrase)) and not self._cue_is_a_name(phrase, inside.start() + 1):
            # "Anaemia unlikely on FBC": the whole phrase is held back, its words matched without the cue.
            item.post_hedge = item.hedged = True
            phrase = f"{phrase[: inside.start()]} {phrase[inside.end() :]}".strip()
        if connector == ",":
            # A cue alone after a comma ("anaemia, absent", "anaemia, possible", "anaemia, ruled out") is said of
            # the phrase before it, as the cue right after it would be (NegEx post-cues, PMID:12123149): it was
            # read as an item of its own, with nothing to negate or doubt, and the anaemia as observed. It is
            # then that post-cue only and covers no phrase after it, as "to be confirmed" there did already:
            # "anaemia, absent, big spleen" is "anaemia absent, big spleen".
            if _POST_NEGATION.fullmatch(f" {item.written}"):
                item.post_negation = True
                item.pre_negation, item.cue, item.resolved, item.listing = False, "", False, False
                item.normal = item.written.split()[-1] in _NORMAL_CUES
                phrase = ""
            elif item.pre_hedge and not phrase:
                item.pre_hedge, item.post_hedge = False, True
        item.phrase = phrase
        return item

    def _heading_value(self, match: re.Match[str]) -> str:
        """ "Fractures: none" -> "fractures absent"; "vision: reduced" -> "vision reduced".

        A value that names a finding itself is not a value but the first item under a heading ("CA II
        deficiency: RTA, ...", "Pycnodysostosis vs osteopetrosis: short stature, ..."): the colon stays.
        """
        value = " ".join(match.group(1).split())
        if value.startswith(_UNREAD_MARK):
            return match.group()  # the colon stays, so that the placeholder is a clause of its own
        if value not in _VALUE_WORDS and self._matches(value, negated=False):
            return match.group()
        cue = _NEGATION.match(value)
        post = _POST_NEGATION.search(f" {value}")
        words = value[cue.end() :] if cue else f" {value}"[: post.start()] if post else ""
        if value not in _VALUE_WORDS and words.strip() and self._matches(words, negated=True, normal=True):
            # "Bloods: normal calcium", "Bloods: Ca normal", "Eyes: normal vision": a negated finding is the first
            # item under the heading, not its value. Joined, "bloods normal calcium" read "normal" as said of
            # "bloods", and "bloods calcium normal" named no term: the pertinent negative was lost.
            return match.group()
        return " " + _VALUE_WORDS.get(value, value)

    def _distribute_normal(self, items: list[_Item]) -> None:
        """ "Normal vision and hearing" is normal vision and normal hearing: a "normal" cue reaches the later
        items of its list that are bare attributes ("hearing", "platelets": words that name a finding only
        when negated, with no other word such as a number: "platelets 40" is not normal). Another item of
        the list keeps the state _settle gave it ("normal hearing and nystagmus" stays ambiguous)."""
        for item in items:
            if item.negated_by is None or item.status not in {"ambiguous", "observed"}:
                continue
            if items[item.negated_by].cue in _NORMAL_CUES and self._is_bare_attribute(item.phrase):
                item.status = "excluded"
                item.why = ""
                item.normal = True

    @staticmethod
    def _hold_back_resolved(items: list[_Item]) -> None:
        """Hold back what "no further X" and "no X since ..." negate: X was there before (see _RESOLVED)."""
        for item in items:
            cue = (
                item if item.pre_negation else items[item.negated_by] if item.negated_by is not None else None
            )
            if item.status == "excluded" and cue is not None and cue.resolved:
                item.status = "ambiguous"
                item.why = "a negation of further or recent episodes says it was there before; not read"

    def _is_bare_attribute(self, phrase: str) -> bool:
        """Whether every word of ``phrase`` is read, and only when negated ("hearing", "platelet count")."""
        tokens = _tokens(phrase)
        if not tokens or self._matches(phrase, negated=False):
            return False
        covered: set[int] = set()
        for start, end, _ in self._matches(phrase, negated=True, normal=True):
            covered.update(range(start, end))
        return len(covered) == len(tokens)

    def _share_trailing_direction(self, items: list[_Item]) -> None:
        """A trailing direction word is shared back over a list: "liver and spleen enlarged" reads as "liver
        enlarged" and "spleen enlarged", as a leading one is shared forward ("enlarged liver and spleen").
        Only phrases of the same state that name nothing alone take it. A trailing word of trouble
        ("problems", see _TROUBLE) is shared so only with bare attributes: "no hearing or vision problems"."""
        for i, item in enumerate(items):
            tokens = _tokens(item.phrase)
            if len(tokens) < 2 or (tokens[-1] not in _SHAREABLE and tokens[-1] not in _TROUBLE):
                continue
            trouble = tokens[-1] in _TROUBLE
            word = item.phrase.split()[-1]
            j = i
            while j >= 1 and items[j].connector in _SHARING:
                j -= 1
                earlier = items[j]
                earlier_tokens = _tokens(earlier.phrase)
                excluded = earlier.status == "excluded"
                if (
                    not earlier_tokens
                    or PLACEHOLDER.search(earlier.phrase)  # a lab value's direction is in its number
                    or earlier.status != item.status
                    or not _SHAREABLE.isdisjoint(earlier_tokens)
                ):
                    break
                if trouble:
                    if (
                        not _TROUBLE.isdisjoint(earlier_tokens)
                        or not self._is_bare_attribute(earlier.phrase)
                        or self._matches(earlier.phrase, negated=excluded, normal=excluded and earlier.normal)
                    ):
                        break
                elif self._matches(earlier.phrase, negated=excluded) or (
                    excluded and self._attribute_terms(earlier.phrase)[0]
                ):
                    break  # a bare attribute names a finding alone, whatever its cue
                earlier.phrase = f"{earlier.phrase} {word}"

    def _attribute_terms(self, phrase: str) -> tuple[list[str], str]:
        """The terms of the bare attributes (lexicon entries marked ``attribute``) that ``phrase`` names when
        negated, whatever the cue, and the words of the first as written: "no hearing in the left ear" ->
        ([Hearing impairment], "hearing")."""
        words = normalise_text(phrase).split()
        last = len(words) - 1
        # The words _folded keeps, so that a match's span gives back the words as written.
        kept = [w for i, w in enumerate(words) if w not in _STOP or (w == "a" and i == last and i > 0)]
        folded = _folded(phrase)
        tokens = tuple(token for token, _ in folded)
        terms: list[str] = []
        written = ""
        for start, end, term in self._match(tokens, negated=True, plurals=tuple(p for _, p in folded)):
            entry = self._lexicon_entry(tokens[start:end], negated=True)
            if entry is not None and entry.attribute and term not in terms:
                terms.append(term)
                written = written or " ".join(kept[start:end])
        return terms, written

    def _emit(self, item: _Item, state: _State) -> None:
        """Record one settled phrase: a mapping, an unmatched phrase, or a phrase held back."""
        if item.signs:
            self._emit_signs(item, state)
        lab_words = self._take_lab_values(item, state)
        if lab_words is not None and item.lab_after and item.status in {"observed", "excluded"}:
            # "Platelets 45 x10^9/L big spleen": the analyte's name goes with its value, not with the words after
            # it, when those name a finding alone. Joined, "platelets big spleen" read as Increased mean platelet
            # volume ("large platelets"), a finding nobody wrote. Words that name nothing alone ("Hb 7.2 g/dL
            # low") are read with the name, as before.
            before = item.phrase[: -len(item.lab_after)].strip()
            if set(_tokens(before)) <= lab_words | _LAB_COMPANY and self._matches(
                item.lab_after, negated=False
            ):
                if item.status == "observed" or (item.post_negation and not item.pre_negation):
                    # A cue after the words ("platelets 45 x10^9/L big spleen absent") is said of them.
                    item.phrase = item.lab_after
                elif item.pre_negation and not item.post_negation:
                    # "Normal platelets 150 x10^9/L big spleen": the cue is said of the name; whether it reaches
                    # the words after the value is not settled, so they are held back, as "no X, Y" is (the whole
                    # phrase excluded Increased mean platelet volume, a finding nobody wrote).
                    state.uncertain.append(item.lab_after)
                    state.notes.append(
                        f"'{item.lab_after}': follows a negated lab value with no comma, so it may or may not be "
                        "negated; not read (write ';' after the value)"
                    )
                    item.phrase = before
                else:
                    # Cues on both sides ("normal platelets 150 x10^9/L big spleen absent"): neither part is read.
                    state.uncertain.append(item.written)
                    state.notes.append(
                        f"'{item.written}': cues before and after a lab value; which words each covers is not "
                        "settled; not read"
                    )
                    return
        if not _tokens(item.phrase):
            return
        excluded = item.status == "excluded"
        normal = excluded and item.normal
        matches = self._matches(item.phrase, negated=excluded, normal=normal)
        if not matches and (plain := _ADVERB_BEFORE_DIRECTION.sub(" ", item.phrase)) != item.phrase:
            matches = self._matches(plain, negated=excluded, normal=normal)
        tail = self._matches(item.tail, negated=False) if item.tail else []
        if item.status in {"uncertain", "ambiguous"} and matches:
            if not (item.signs and item.status == "uncertain"):  # shown once, with its signs (_emit_signs)
                state.uncertain.append(item.written)
                if item.why:
                    state.notes.append(f"'{item.written}': {item.why}")
            return
        if tail:
            # "hepatomegaly absent, splenomegaly" is split at the comma; words after a post-cue that name a
            # finding leave it unclear what the cue governs.
            state.uncertain.append(item.written)
            state.notes.append(f"'{item.written}': a finding follows the cue word; not read")
            return
        shown = item.phrase
        tokens = _tokens(item.phrase)
        if lab_words is not None:
            # A phrase with a lab value has its direction in the number: "low platelets, Hb 12 g/dL" does not
            # share "low" with Hb.
            state.shared = None
        if tokens[0] in _SHAREABLE:
            state.shared = (item.phrase.split()[0], tokens[0])
        elif (
            not matches
            and state.shared is not None
            and _SHAREABLE.isdisjoint(tokens)
            and item.connector in _LIST
        ):
            shared = f"{state.shared[0]} {item.phrase}"
            matches = self._matches(shared, negated=excluded, normal=normal)
            shown = shared
        if not matches and excluded and not normal and lab_words is None:  # a value says its own direction
            attributes, words = self._attribute_terms(item.phrase)
            if attributes:
                # "No hearing", "hearing absent", "no platelets": an absence cue on a bare attribute describes a
                # deaf child, a count of zero or a test not done; only a "normal" cue says it is normal.
                # Neither reading is guessed.
                state.uncertain.append(item.written)
                findings = " or ".join(f"'{self.ontology.label(term)}'" for term in attributes)
                state.notes.append(
                    f"'{item.written}': an absence cue on '{words}' may mean it is lost or was not tested, not "
                    f"that it is normal; not read (write 'normal {words}', or the finding: {findings})"
                )
                state.shared = None
                return
        if (
            not matches
            and excluded
            and lab_words is None
            and (part := self._observed_only_terms(item.phrase))
        ):
            # "No delayed VEPs": a kind of Abnormality of visual evoked potentials that HPO has no term for is
            # absent, which does not exclude an absent or small VEP (it read as the abnormality excluded).
            state.uncertain.append(item.written)
            labels = " or ".join(f"'{self.ontology.label(term)}'" for term in dict.fromkeys(part))
            state.notes.append(
                f"'{item.written}': read as the broader {labels} when present (HPO has no term of its own for "
                f"it), its absence does not exclude {labels}; not read"
            )
            state.shared = None
            return
        if not matches:
            # The analyte's name of a lab value ("Hb" of "Hb 7.2 g/dL") and a heading ("Bloods:") are read
            # with the value, not reported as words not found.
            # Nor are words that only say who the patient is ("male infant") or head a section ("Findings:").
            named = (lab_words is None or not set(tokens) <= lab_words | _LAB_COMPANY) and not set(
                tokens
            ) <= _NO_FINDING
            if _KINSHIP.search(item.phrase):
                # "Consanguineous union", "consanguinity confirmed": family history (see _states_consanguinity),
                # shown as about a relative as "consanguineous parents" is; they were reported as words not found.
                state.about_relatives.append(item.written)
            elif (
                named
                and item.status == "uncertain"
                and (item.pre_hedge or item.post_hedge or item.connector in _VERSUS | {_RATHER})
            ):
                # "?Gaucher", "possible Gaucher disease", "r/o leukaemia": a doubted diagnosis that no HPO phenotype
                # names is still a doubt, shown as one (it was listed among the words not found).
                state.uncertain.append(item.written)
            elif named and item.status != "uncertain" and not _RESEMBLANCE.isdisjoint(tokens):
                state.uncertain.append(item.written)
                state.notes.append(f"'{item.written}': a resemblance is not the finding itself; not read")
            elif named:
                state.unmatched.append(item.phrase)
            if _LIVER_SIZE.search(item.phrase):
                state.notes.append(
                    f"'{item.written}': a liver size in cm is not interpreted (no age-appropriate limit is "
                    "sourced); write 'hepatomegaly' or 'enlarged liver' if the liver is enlarged"
                )
            state.shared = None
        elif shown == item.phrase and tokens[0] not in _SHAREABLE:
            state.shared = None
        shown_tokens = _tokens(shown)
        for start, end, term in matches:
            mapping = TextMapping(shown, term, self.ontology.label(term), excluded)
            state.mappings.append(mapping)
            entry = self._lexicon_entry(shown_tokens[start:end], negated=excluded)
            if entry is not None and entry.from_age_days is not None:
                state.age_bound.append((mapping, entry.from_age_days, item.written))

    def _emit_signs(self, item: _Item, state: _State) -> None:
        """Record the signs of a settled phrase (see _take_signs): each term as the sign says, unless the phrase
        is uncertain ("possible poor fix and follow") or the sign is (a failed hearing screen), which is shown
        with its note and not read. A term the release lacks leaves the sign's words not found."""
        state.shared = None
        if item.status == "uncertain":
            state.uncertain.append(item.written)  # its placeholders are written back by parse
            if item.why:
                state.notes.append(f"'{item.written}': {item.why}")
            return
        for index in item.signs:
            sign = state.signs[index]
            if sign.status == "uncertain":
                state.uncertain.append(sign.written)
                state.notes.append(f"'{sign.written}': {sign.why}")
                continue
            known = [term for term in sign.terms if term in self.ontology]
            if not known:
                state.unmatched.append(sign.written)
            for term in known:
                state.mappings.append(
                    TextMapping(sign.written, term, self.ontology.label(term), sign.status == "excluded")
                )

    @staticmethod
    def _take_lab_values(item: _Item, state: _State) -> frozenset[str] | None:
        """Record the state of the phrase each lab value placeholder is in, and take the placeholders out of
        the phrase; the folded words of their analytes' names, or None when the phrase has no lab value."""
        slots = [int(slot) for slot in PLACEHOLDER.findall(item.phrase)]
        if not slots:
            return None
        for slot in slots:
            state.lab_context[slot] = item.status
        # The words after the last value, as the phrase is written below (see _emit).
        item.lab_after = " ".join(PLACEHOLDER.split(item.phrase)[-1].split())
        item.phrase = " ".join(PLACEHOLDER.sub(" ", item.phrase).split())
        return frozenset().union(*(state.lab_names.get(slot, frozenset()) for slot in slots))


def _reported_clauses(sentence: str) -> tuple[list[str], bool, str] | None:
    """The clauses of a parent's report that are about the patient (see _REPORTING_PARENT), whether the report is
    a doubt, and the words after them, which stay the relative's; None when the sentence is no such report."""
    report = _REPORTING_PARENT.match(sentence)
    if report is None:
        return None
    parent_sex = _PARENT_SEX.get(report.group("parent"))
    clauses: list[str] = []
    start = report.end()
    while start < len(sentence):
        subject = _REPORTED_SUBJECT.match(sentence, start)
        if subject is None:
            break
        pronoun = subject.group("pronoun")
        if pronoun is not None and parent_sex is not None and _SEX_PRONOUNS[pronoun] == parent_sex:
            break  # "Mum says she ...": she may be the mother
        end = _REPORTED_CLAUSE_END.search(sentence, subject.end())
        # "His daughter": the "his" is the father's, and gives no sex of the patient.
        begin = subject.start("child") if subject.group("child") else start
        clauses.append(sentence[begin : end.start() if end else len(sentence)])
        start = end.end() if end else len(sentence)
    if not clauses:
        return None
    return clauses, report.group("doubt") is not None, sentence[start:].strip()


def _inline_cue(match: re.Match[str]) -> str:
    """A negation inside a phrase starts a new phrase: "there were no fractures" -> "there were, no fractures".

    "free of", "negative for" and "denies" keep their words ("deny" becomes "denies"); the others become "no".
    After a word, the new phrase starts with _INLINE_MARK: the comma is no end of a relative's words ("father
    never had fractures" is the father's; see TextParser._clause).
    """
    words = " ".join(match.group().split())
    cue = "denies" if words in {"deny", "denies"} else words if words.endswith((" of", " for")) else "no"
    before = match.string[max(0, match.start() - 2) : match.start()]
    mark = f"{_INLINE_MARK} " if re.fullmatch(r"[a-z0-9]\s", before) else ""
    return f", {mark}{cue} "


def _ends_with_kin(relative: list[str], added: str) -> bool:
    """Whether a relative's words (``relative``, the last of them ``added``) end with a consanguinity phrase (see
    _KIN_PHRASE). Only words just added that may end one are looked at, so that a long relative's clause costs
    time in proportion to its length."""
    return bool(_KIN_CUE.search(added)) and bool(_KIN_TAIL.search(" ".join(relative)))


def _spleen_below_margin(match: re.Match[str]) -> str:
    """ "spleen 6 cm bcm" -> "spleen enlarged 6 cm bcm"; up to 2 cm is left as written (see _SPLEEN_BELOW_MARGIN)."""
    if float(match.group("size")) <= _SPLEEN_ENLARGED_OVER_CM:
        return match.group()
    return f"spleen enlarged {match.group('size')} cm {match.group('margin')}"


def _shown(words: str) -> str:
    words = _UNREAD.sub(" ", words.replace(_HYPOTHETICAL_MARK.strip(), " ").replace(_INLINE_MARK, " "))
    return " ".join(words.split()).replace(" ,", ",")


def _in_company(phrase: str, words: tuple[str, ...]) -> bool:
    """Whether a lay word that is also everyday English ("fits") keeps its clinical sense in ``phrase``.

    It does when every other word only grades, counts or dates it ("recurrent fits", "no fits", "fits since
    3 months"). Any other word may give it another sense: "fits of laughter", "coughing fits", "temper
    fits", and the verb of "this fits with ADO2".
    """
    rest = list(words)
    for word in normalise_text(phrase).split():
        token = _word(word)
        if token in rest:
            rest.remove(token)
        elif not (
            (word in _STOP and word not in _VERB_SUBJECTS)
            or token in _DEGREE
            or token in _COMPANY
            or any(c.isdigit() for c in word)
        ):
            return False
    return True


@dataclass
class _State:
    """What parse has found so far."""

    mappings: list[TextMapping] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    about_relatives: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    patient_words: list[str] = field(default_factory=list)
    # The sex a heading or a lone letter next to the age states, with its words: ("female", "sex: f").
    stated_sex: list[tuple[str, str]] = field(default_factory=list)
    # Ages as (days, said to be now): the patient's, not a relative's or an onset.
    ages: list[tuple[float, bool]] = field(default_factory=list)
    newborn: bool = False
    # The leading direction word of the previous phrase (as written, canonical), shared with the next
    # phrases of a list that have none of their own: "enlarged liver and spleen".
    shared: tuple[str, str] | None = None
    # Lab values in the words (parse(labs=True)): the folded words of each one's analyte name, and the state
    # of the phrase each was found in.
    lab_names: dict[int, frozenset[str]] = field(default_factory=dict)
    lab_context: dict[int, str] = field(default_factory=dict)
    # The signs read by their own rule, by their placeholder's number (see _take_signs).
    signs: list[_Sign] = field(default_factory=list)
    # Mappings read through a lexicon entry that is a finding only from an age on, with that age in days and the
    # words as written (see _hold_back_before_age).
    age_bound: list[tuple[TextMapping, float, str]] = field(default_factory=list)


def _take_names(text: str) -> tuple[str, int]:
    """The text without its name headings and their values (see _NAME_HEADING), and how many of those values
    had more than ``_NAME_MOST_WORDS`` words.

    A value ends at the end of its line, at ";" or "|", before the next heading or a word with a figure (see
    _NAME_NEXT_HEADING), after a full stop that ends a word of two or more letters other than a title, and at
    a comma after its second word or later ("Smith, John, 7 yo boy"; after the first for one part of a name:
    "Surname: Smith, anaemia"). Each name with its heading becomes "; ", so that the words on either side are
    not read as one phrase. Run on the text as given, before its lines are joined: a line break ends a name.
    """
    pieces: list[str] = []
    taken = 0
    long_values = 0
    for heading in _NAME_HEADING.finditer(text):
        if heading.end() <= taken:
            continue  # within the value of the name before
        end = heading.end()
        words = 0
        # A full name may be written "Smith, John"; a surname or a first name is one part, and a comma ends it.
        one_part = bool(_NAME_PART.search(heading.group()))
        # Word by word up to the line's end (found as a word, not searched for ahead: a line of thousands of
        # name headings would otherwise take time in the square of its length).
        for word in _NAME_WORD.finditer(text, heading.end()):
            if (
                word.group() in _NAME_LINE_ENDS
                or any(c.isdigit() for c in word.group())
                or _NAME_NEXT_HEADING.match(text, word.start())
                or _NAME_HEADING.match(text, word.start())  # "First name: X Last name: Y"
            ):
                break
            end = word.end()
            words += 1
            bare = word.group().rstrip(".").lower()
            if word.group().endswith(".") and len(bare) >= 2 and bare not in _NAME_TITLES:
                break
            if (words > 1 or one_part) and _COMMA_NEXT.match(text, end):
                break
        long_values += words > _NAME_MOST_WORDS
        pieces.append(text[taken : max(taken, heading.start())])
        pieces.append("; ")
        taken = end
    pieces.append(text[taken:])
    return "".join(pieces), long_values


def _take_birth_dates(text: str) -> tuple[str, bool, int]:
    """The text without its date-of-birth headings and their values (see _BIRTH_HEADING); whether one of them
    gave the patient's date (a value with a figure, and no relative's word before the heading), and how many
    values had more than ``_NAME_MOST_WORDS`` words.

    The value is the date after the heading (see _BIRTH_DATE). After a colon, "=" or a spaced dash, a value
    that is no date one knows ("DOB: unknown", "DOB: 1st of the 2nd") is cut as a name's is, to the end of its
    line, ";", "|", a comma or the next heading: it may be the date written another way; without one, only
    the heading is cut ("DOB withheld"). "Born" is a heading only before a date ("born 01/02/2018"; "born at
    term" and "born 2500 g" are prose). Each heading with its value becomes "; ", as a name does. Run on the
    text as given, before its lines are joined: a line break ends a value.
    """
    pieces: list[str] = []
    taken = 0
    patients = False
    long_values = 0
    for heading in _BIRTH_HEADING.finditer(text):
        if heading.start() < taken:
            continue  # within the value of the heading before
        date = _BIRTH_DATE.match(text, heading.end())
        born = heading.group("key").lower() == "born"
        if born and (date is None or date.group().strip().isdigit()):
            continue  # "born at term", "born 2500 g": prose, not a date of birth
        end = date.end() if date is not None else heading.end()
        if date is None and heading.group("separator"):
            words = 0
            for word in _NAME_WORD.finditer(text, heading.end()):
                if (
                    word.group() in _NAME_LINE_ENDS
                    or _NAME_NEXT_HEADING.match(text, word.start())
                    or _NAME_HEADING.match(text, word.start())
                ):
                    break
                end = word.end()
                words += 1
                if _COMMA_NEXT.match(text, end):
                    break
            long_values += words > _NAME_MOST_WORDS
        whose = (heading.group("whose") or "patient").lower()
        # "DOB: unknown" gives no date of birth to say is not used.
        said = date is not None or any(c.isdigit() for c in text[heading.end() : end])
        patients = patients or (said and whose in {"patient", "pt", "child", "baby", "infant"})
        pieces.append(text[taken : heading.start()])
        pieces.append("; ")
        taken = end
    pieces.append(text[taken:])
    return "".join(pieces), patients, long_values


def _split_headings(text: str) -> str:
    """The text with "; " before each heading of a template that shares a line with the one before it
    ("age: 7 years sex: f" -> "age: 7 years; sex: f"; see _TEMPLATE_HEADING). A heading that starts its clause
    is left as it is, and so is "age:" after a word that makes it another age or an onset ("bone age: 2 y")."""
    pieces: list[str] = []
    taken = 0
    value_end: int | None = None  # where the value of the heading before ends, when it was read
    for match in _TEMPLATE_HEADING.finditer(text):
        key = match.group("key")
        value = _TEMPLATE_VALUES[key[0]].match(text, match.end())
        colon = match.group("colon") is not None
        if not colon and (value is None or key not in {"sex", "gender", "age"}):
            continue  # "dob 2020", "age female": no heading
        before = match.start()
        while before > 0 and text[before - 1].isspace():
            before -= 1
        at = match.start()  # where the "; " goes
        previous = _word_before(text, before)
        if before == 0 or text[before - 1] in ",;:(":
            split = False
            heading = True  # it starts its clause already
        elif colon and _RELATIVE_HEADING.fullmatch(previous):
            # "Age: 7 years Mother's age: 30 years", "Sibling sex: M": the relative's word goes with its
            # heading, which starts a sentence about the relative, as on a line of its own.
            split, heading = True, False
            at = before - len(previous)
        elif colon:
            split = heading = key != "age" or previous not in _AGE_QUALIFIERS
        else:
            # A bare heading right after the value of another: "Age 2y Sex F", "Sex: F Age 7 months".
            split = heading = value_end is not None and not text[value_end:before].strip()
        if split and at >= taken:
            pieces.append(text[taken:at])
            pieces.append("; ")
            taken = at
        value_end = value.end() if heading and value is not None else None
    pieces.append(text[taken:])
    return "".join(pieces)


def _take_consanguinity(text: str) -> tuple[str, list[str]]:
    """The text with its consanguinity headings (see _CONSANGUINITY_HEADING) cut out when their value says no
    or not known, and written over with a placeholder word (see _KIN_MARK) otherwise; the headings with their
    values as written, in the placeholders' order."""
    kept: list[str] = []

    def take(match: re.Match[str]) -> str:
        written = match.group("value") if match.group("value") is not None else match.group("word")
        value = " ".join(written.split())
        if not value:
            return match.group()  # "Consanguinity:" with the value on the next line: left as it is
        if value in _CONSANGUINITY_SAYS_NOTHING:
            return " "
        kept.append(f"{' '.join(match.group('heading').split())}: {value}")
        return f" zzkin{len(kept) - 1}zz "

    return _CONSANGUINITY_HEADING.sub(take, text), kept


def _states_consanguinity(text: str, kin: list[str]) -> bool:
    """Whether the words say that the patient's parents are related: a consanguinity heading whose value says
    yes (``kin``, as _take_consanguinity kept them: "consanguinity: yes", "consanguinity: first cousins"), or
    prose (see _KINSHIP) with no negation or doubt before or right after it and no other relative's word
    near it (see _KINSHIP_OTHER). ``text``: the lower-cased text with the headings taken out."""
    for heading in kin:
        value = heading.split(": ", 1)[-1]
        if _KIN_VALUE_YES.match(value) and not _KINSHIP_DOUBT_BEFORE.search(value):
            return True
    for match in _KINSHIP.finditer(text):
        start = match.start()
        floor = max(0, start - 200)  # a clause's start is looked for this far back at most
        breaks = list(_KINSHIP_CLAUSE.finditer(text, floor, start))
        before = text[breaks[-1].end() if breaks else floor : start].split()[-_KINSHIP_WINDOW:]
        stop = _KINSHIP_AFTER_END.search(text, match.end(), match.end() + 200)
        after = text[match.end() : stop.start() if stop else match.end() + 200]
        words = " ".join(before)
        if (
            _KINSHIP_DOUBT_BEFORE.search(words)
            or _KINSHIP_DOUBT_AFTER.match(text, match.end())
            or _KINSHIP_OTHER.search(words)
            or _KINSHIP_OTHER.search(" ".join(after.split()[:_KINSHIP_WINDOW]))
        ):
            continue
        return True
    return False


# A referral form copied from an electronic record (session 40). A ticked box ("Anaemia [x]", "[x] Anaemia",
# "Anaemia ☑", "Anaemia ✓") states its item as written; an empty one ("Seizures [ ]", "☐ Seizures") says neither
# (not asked, or not present: the form does not say), so it is the value "not known", held back. "Y" or "N" ending
# a line after a word ("Fractures N", "Fractures: N", "Pallor<tab>Y": a Y/N column) is "yes" or "no";
# "Fractures? No" ending a line is the answer "Fractures: No". They were read as words: "Seizures [ ]", "Fractures
# N" and "Fractures? No" then "Anaemia" read as seizures and fractures observed, or "no anaemia".
#
# Each answer ends its item with ";" (session 40, second review): the rules that read a heading's value
# (_UNKNOWN_HEADING_VALUE, _HEADING_VALUE) run after _join_lines has made the line breaks spaces, and a next line
# in lower case ran on into the value: "Seizures: not known" then "osteopetrosis" read "seizures: not known
# osteopetrosis", the seizures observed and "known osteopetrosis" excluded. A line break after a form's answer
# ends its scope.
_TICKED = r"(?:\[[ \t]*[x\u2713\u2714][ \t]*\]|[\u2611\u2612\u2705\u2713\u2714])"
_UNTICKED = r"(?:\[[ \t]*\]|\u2610)"
_BOX = re.compile(rf"[ \t]*(?:(?P<yes>{_TICKED})|(?P<no>{_UNTICKED}))[ \t]*", re.IGNORECASE)
# Where an item's words end on its line: a comma, ";", "!", "?" or a full stop that is no decimal point.
_ITEM_STOP = re.compile(r"[,;!?]|\.(?!\d)|(?<!\d)\.")
# The values that say nobody knows ("not known", "unknown", "N/K", "not assessed"; see _UNKNOWN_HEADING_VALUE).
_UNKNOWN_VALUE = (
    r"(?:unknown|not\s+known|n/?k|not\s+(?:yet\s+)?(?:assessed|examined|tested|checked|done|recorded|asked"
    r"|documented)|unsure|not\s+sure|do\s+not\s+know|unclear|uncertain)"
)
_YES_NO_LETTER = re.compile(
    r"(?<=[a-z)])(?:[ \t]*[:=])?[ \t]+(?P<letter>[yn])[ \t]*\.?[ \t]*(?=\r?$)", re.IGNORECASE | re.MULTILINE
)
_QUESTION_ANSWER = re.compile(
    rf"(?<=[a-z)])[ \t]*\?[ \t]*(?P<answer>yes|no|y|n|{_UNKNOWN_VALUE}|none|nil)[ \t]*\.?[ \t]*(?=\r?$)",
    re.IGNORECASE | re.MULTILINE,
)
# A heading's "yes" or "not known" typed at the end of its line ("Anaemia: yes", "Fractures: not known",
# "Hearing - not assessed"): the line ends there, as a box's answer does. A value of absence ("Fractures: no") is
# settled by TextParser._answer_heading_values, which lets a heading that names nothing run on ("History: no" then
# "fractures").
_ANSWER_LINE_END = re.compile(
    rf"(?<=[a-z)])(?:[ \t]*[:=]|[ \t]+[-\u2013\u2014])[ \t]*(?:yes|{_UNKNOWN_VALUE})[ \t]*\.?(?=[ \t]*\r?$)",
    re.IGNORECASE | re.MULTILINE,
)
# A list item that ends with a doubt in brackets ("- Osteopetrosis, infantile malignant (suspected)"): the doubt
# is the item's, all of it. Only the last words were held back, and "osteopetrosis" was read as observed.
_ITEM_DOUBT = re.compile(
    r"^(?P<bullet>[ \t]*(?:[-*\u2022\u00b7\u2013\u2014>]|\d{1,2}[.)])[ \t]+)(?P<words>[^\r\n(]+?)[ \t]*"
    r"\([ \t]*(?:suspected|possible|probable|query|queried|provisional|unconfirmed|likely|\?+)[ \t]*\)[ \t]*(?=\r?$)",
    re.IGNORECASE | re.MULTILINE,
)


def _form_answers(text: str) -> str:
    """The answers of a form as items that end with ";": "Anaemia [x]" -> "Anaemia;", "Seizures [ ]" ->
    "Seizures: not known;", "Fractures N" -> "Fractures: no;" (see _TICKED and _answer_boxes)."""
    text = "\n".join(_answer_boxes(line) for line in text.split("\n"))
    text = _YES_NO_LETTER.sub(lambda m: ": yes;" if m.group("letter").lower() == "y" else ": no;", text)
    text = _QUESTION_ANSWER.sub(lambda m: f": {m.group('answer')};", text)
    text = _ANSWER_LINE_END.sub(lambda m: f"{m.group().rstrip('.')};", text)
    return _ITEM_DOUBT.sub(r"\g<bullet>possible \g<words>;", text)


def _answer_boxes(line: str) -> str:
    """``line`` with each box read as the answer of its item (see _TICKED), anywhere on the line.

    An item's words run from the box to the next box or item stop (",", ";", a full stop; see _ITEM_STOP), or the
    line's end, on one side. A form writes its boxes all after their items ("Anaemia [x]  Seizures [ ]") or all
    before them ("[ ] Seizures  [x] Anaemia"), so a box with words on one side only answers those ("osteopetrosis,
    seizures [ ], anaemia [x]": the box after the seizures), and one with words on both sides ("Anaemia [x]
    Seizures [ ]": the first box) answers the side that the line's other boxes answer. Where that is not known
    (a single such box: "Anaemia [x] seizures") or the line's boxes do not agree, the words on both sides are held
    back as doubts ("?"). A box with no words beside it says nothing. A box after a heading's colon answers the
    heading ("Fractures: [ ]").
    """
    boxes = list(_BOX.finditer(line))
    if not boxes:
        return line
    runs: list[tuple[tuple[int, int] | None, tuple[int, int] | None]] = []
    for index, box in enumerate(boxes):
        low = boxes[index - 1].end() if index else 0
        high = boxes[index + 1].start() if index + 1 < len(boxes) else len(line.rstrip("\r"))
        start = max((stop.end() for stop in _ITEM_STOP.finditer(line, low, box.start())), default=low)
        if start == low and not index:
            bullet = _LINE_BULLET.match(line)
            start = bullet.end() if bullet else len(line) - len(line.lstrip(" \t"))
        colon = line.rfind(":", start, box.start())
        if colon >= 0 and re.search(r"[a-z]", line[colon : box.start()], re.IGNORECASE):
            start = colon + 1  # "Symptoms: seizures [ ]": the item after the heading
        # After the box, a colon ends the item too: "[x] Fractures: 2 this year".
        stop = _ITEM_STOP.search(line, box.end(), high)
        end = stop.start() if stop else high
        colon = line.find(":", box.end(), end)
        end = colon if colon >= 0 else end
        before = (
            (start, box.start()) if re.search(r"[a-z]", line[start : box.start()], re.IGNORECASE) else None
        )
        after = (box.end(), end) if re.search(r"[a-z]", line[box.end() : end], re.IGNORECASE) else None
        runs.append((before, after))
    # The side of its item that the line's boxes with words on one side only take: 0 before, 1 after.
    sides = {0 if after is None else 1 for before, after in runs if (before is None) != (after is None)}
    answers: dict[tuple[int, int], str] = {}
    for box, (before, after) in zip(boxes, runs, strict=True):
        answer = "" if box.group("yes") else ": not known"
        if before is not None and after is not None:
            if len(sides) == 1:
                owned = [before if 0 in sides else after]
            else:
                owned, answer = [before, after], ": ?"
        else:
            owned = [run for run in (before, after) if run is not None]
        for run in owned:
            # A run that two boxes answer differently is a doubt.
            answers[run] = answer if answers.get(run, answer) == answer else ": ?"
    # Runs that overlap ("[x] Anaemia Fractures: [ ]": the words after the first box, and the heading before the
    # second) are one run, a doubt unless both boxes say the same.
    marks: list[tuple[int, int, str | None]] = []
    for (start, end), answer in sorted(answers.items()):
        if marks and start < marks[-1][1]:
            first, last, before_said = marks[-1]
            marks[-1] = (first, max(last, end), before_said if before_said == answer else ": ?")
        else:
            marks.append((start, end, answer))
    marks += [(box.start(), box.end(), None) for box in boxes]
    pieces: list[str] = []
    taken = 0
    for start, end, said in sorted(marks, key=lambda mark: mark[0]):
        pieces.append(line[taken:start])
        if said is None:
            pieces.append(" ")  # the box goes
        else:
            words = line[start:end].strip(" \t").rstrip(":").rstrip(" \t")
            pieces.append(f"{words}{said};")
        taken = end
    pieces.append(line[taken:])
    return "".join(pieces)


# "Fractures: not known", "Fractures: unknown", "Fractures - not assessed", "Fractures: N/K": the value says that
# nobody knows, as "Fractures: ?" does (see _QUESTION_HEADING_VALUE); it is a doubt, held back. The finding was read
# as observed ("known" or "assessed" a word not found). A sex or consanguinity heading's value is read before.
_UNKNOWN_HEADING_VALUE = re.compile(
    rf"(?<![a-z])(?P<heading>[a-z][a-z ]{{0,40}}?)[ \t]*[:=][ \t]*{_UNKNOWN_VALUE}(?=\s*(?:[,;.!?)]|$))",
    re.MULTILINE,
)


def _unknown_heading_value(match: re.Match[str]) -> str:
    heading = match.group("heading")
    if re.search(r"\b(?:age|sex|gender|dob|name)$", heading):
        return match.group()
    return f"{heading} possible"


def _hold_back_before_age(state: _State, age_days: float | None) -> None:
    """Hold back the words that are a finding only from an age on (lexicon ``abnormal_from_months``) when the
    patient is younger, or the age is not known.

    "Open fontanelle", "anterior fontanelle still open": the anterior fontanelle generally closes around the
    18th month, and a persistent open anterior fontanelle is diagnosed if closure is delayed beyond that age
    (HPO HP:0004474 and HP:0001476, definitions; HP:0000239 gives 9 to 16 months). In a young infant it is
    normal, so it is read only at 18 months or older. Words that say it is abnormal ("large", "wide", "delayed
    closure of the anterior fontanelle", "persistent open anterior fontanelle") are HPO's own names and read at
    any age.
    """
    held: list[TextMapping] = []
    for mapping, from_days, written in state.age_bound:
        if age_days is not None and age_days >= from_days:
            continue
        held.append(mapping)
        if written not in state.uncertain:
            state.uncertain.append(written)
        months = round(from_days / _UNIT_DAYS["m"])
        at = "the age is not known" if age_days is None else f"at {age_days / _UNIT_DAYS['m']:.0f} months"
        state.notes.append(
            f"'{written}': is {mapping.label} only from about {months} months of age (HPO's definition), and "
            f"{at}; not read (give --age, or write the finding, e.g. 'large fontanelle' or 'delayed closure of the "
            "anterior fontanelle', if it is abnormal for the age)"
        )
    if held:
        state.mappings[:] = [m for m in state.mappings if not any(m is h for h in held)]


def _hold_back_contradictions(state: _State) -> None:
    """Hold back a term that the words read both present and absent ("VEPs delayed in 2019; repeat VEPs
    normal", "hearing loss ... passed hearing test"): a note of several visits, or of a past and a present, that
    the rules did not tell apart. The case cannot hold a term in both states, and refusing the whole note for it
    lost every other finding; which one holds now is the clinician's to say, so neither is read, and a note
    names both phrases. Terms read from lab values are left to the lab rules (an entered finding wins)."""
    states: dict[str, set[bool]] = {}
    for mapping in state.mappings:
        if mapping.lab is None:
            states.setdefault(mapping.hpo_id, set()).add(mapping.excluded)
    both = {hpo_id for hpo_id, seen in states.items() if len(seen) == 2}
    if not both:
        return
    for hpo_id in sorted(both):
        held = [m for m in state.mappings if m.hpo_id == hpo_id and m.lab is None]
        phrases = list(dict.fromkeys(m.phrase for m in held))
        state.uncertain.extend(p for p in phrases if p not in state.uncertain)
        said = "' and '".join(phrases)
        state.notes.append(
            f"'{said}' read {held[0].label} both as present and as absent (two visits, or a past and a present?); "
            "not read: say which holds now"
        )
    kept = [m for m in state.mappings if m.lab is not None or m.hpo_id not in both]
    state.mappings[:] = kept


def _question_between(match: re.Match[str]) -> str:
    """ "? ?" for a "?" between words on a line (see _QUESTION_BETWEEN), except after a sex heading's value."""
    # Only the few characters before it are looked at (a sex heading and its one-word value), so that a long
    # line of many "?" takes time in proportion to its length.
    window = max(0, match.start() - _SEX_VALUE_LOOK_BACK)
    line_start = match.string.rfind("\n", window, match.start()) + 1 or window
    if _SEX_VALUE_BEFORE.search(match.string, max(line_start, window), match.start()):
        return match.group()
    return "? ?"


def _consistent(match: re.Match[str]) -> str:
    """ "of" for "consistent with" after words of its phrase ("findings consistent with X" -> "findings of X"); a
    space at the start of a phrase (", consistent with X" -> ", X"; see _CONSISTENT)."""
    before = match.string[: match.start()].rstrip()
    return " " if not before or before[-1] in ",;:.!?" else " of"


def _hedge(match: re.Match[str]) -> str:
    """A hedge of a report ("suggestive of", "suspicious for"; see _HEDGE): a phrase of its own that starts with
    "possible", or "of" after a negation in its clause ("no features suggestive of X" excludes X)."""
    text = match.string
    # The nearest clause end before the hedge, within the last _HEDGE_LOOK_BACK characters: a search back to the
    # start of the text would take time in the square of its length over many hedges.
    window = max(0, match.start() - _HEDGE_LOOK_BACK)
    clause = max(window, *(text.rfind(mark, window, match.start()) + 1 for mark in ",;:.!?\n"))
    if _HEDGE_NEGATED.search(text, clause, match.start()):
        return " of "
    return ", possible "


def _word_before(text: str, end: int) -> str:
    """The run of non-space characters that ends at ``end``, found from there (not by splitting the text
    before it, which would take time in the square of its length over many headings)."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def _take_sex_heading(sentence: str, state: _State, *, about_relative: bool) -> str:
    """The sentence without its "Sex: F" / "Gender: male" headings (see _SEX_HEADING); the sex goes to
    ``state``, and a note for a heading whose value is not one sex ("Sex: M/F"). A heading in a sentence about
    a relative, or after a relative's word ("Sister, sex: F"), is left in the text: it is the relative's."""
    if about_relative:
        return sentence
    relative = _RELATIVE.search(sentence)
    first_relative = relative.start() if relative else len(sentence)
    pieces: list[str] = []
    taken = 0
    for match in _SEX_HEADING.finditer(sentence):
        if match.start() >= first_relative:
            break
        if match.group("unclear"):
            # "Sex: female-to-male", "Sex: M/F unknown": which sex the writer means is not clear, so none is
            # taken from it, and its words are not read as the nouns "female" and "male" either.
            written = " ".join(match.group().replace(":", " ").replace("=", " ").split())  # as "age 7" is
            state.notes.append(f"'{written}': not clearly one sex; not used as the sex (give --sex)")
        else:
            state.stated_sex.append((_SEX_WORDS[match.group("sex")], " ".join(match.group().split())))
        pieces.append(sentence[taken : match.start()])
        pieces.append(" " * (match.end() - match.start()))
        taken = match.end()
    pieces.append(sentence[taken:])
    return "".join(pieces)


def _take_ages(sentence: str, state: _State, *, about_relative: bool) -> str:
    """The sentence without its ages; the patient's ages go to ``state``.

    An age next to a relative ("her 8-month-old sister", "mother is 30 years old") or in a sentence about
    one is the relative's; an age after "since", "at", "from" and the like is an onset ("anaemia since age
    2 years", "fractures at 6 years old"), except that "in" before a word for the patient ("ADO2 in 19 yo")
    names the patient. "now"/"currently" marks the present age. The patient's "Age: 7" with no unit is taken
    out with a note, not used (see _AGE_WITHOUT_UNIT).

    Each pattern is run once over the sentence and each age looks only at the words next to it, or at its
    clause through ``_ClauseIndex``: a note with thousands of ages in one clause ("aged 8 months " * 8,000)
    took time in the square of its length (14 s; now 0.3 s).
    """
    sentence = _MEASURED_AGE.sub(lambda m: " " * len(m.group()), sentence)
    clauses = _ClauseIndex(sentence)
    # start, end, days (None: a number without a unit), whether it describes a person, whether a relative's
    # word comes with it
    spans: list[tuple[int, int, float | None, bool, bool]] = []
    for match in _AGE_FRACTION.finditer(sentence):
        days = _fraction_days(match)
        after = _FRACTION_AFTER.match(sentence, match.end())
        if days is None or (after is None and not _search_before(_FRACTION_BEFORE, sentence, match.start())):
            continue  # not clearly an age: left in the text, and reported as not found
        aged = _search_before(_AGED_BEFORE, sentence, match.start())
        start = aged.start() if aged else match.start()  # "aged 4/12" as one age, as "aged 4 months" is
        end = after.end() if after else match.end()
        spans.append((start, end, days, after is not None, False))
    masked = _blanked(sentence, spans)
    taken = len(spans)
    for match in _AGE.finditer(masked):
        text = match.group()
        describes = not re.match(r"aged?\b", text) and not text.endswith("age")
        spans.append((match.start(), match.end(), _age_part_days(text), describes, False))
    masked = _blanked(masked, spans[taken:])
    taken = len(spans)
    for match in _AGED_YEARS.finditer(masked):
        spans.append((match.start(), match.end(), float(match.group(1)) * _UNIT_DAYS["y"], False, False))
    masked = _blanked(masked, spans[taken:])
    taken = len(spans)
    for match in _AGE_AFTER_PATIENT.finditer(masked):
        # The word for the patient stays in the text (it gives the sex); a relative in its clause ("mother
        # is a woman, 30 years") makes the age the relative's.
        relative = clauses.relative_before(match.start())
        spans.append((match.start(1), match.end(1), _age_part_days(match.group(1)), True, relative))
    masked = _blanked(masked, spans[taken:])
    taken = len(spans)
    for match in _ADULT_AGE.finditer(masked):
        years = int(match.group(1))
        if not _ADULT_YEARS[0] <= years <= _ADULT_YEARS[1]:
            continue
        relative = clauses.relative_before(match.start())
        spans.append((match.start(1), match.end(1), years * _UNIT_DAYS["y"], True, relative))
    masked = _blanked(masked, spans[taken:])
    for match in _AGE_WITHOUT_UNIT.finditer(masked):
        spans.append((match.start("age"), match.end("age"), None, False, False))
    kept: list[str] = []
    end = 0
    for start, stop, days, describes, relative in sorted(spans, key=lambda span: (span[0], span[1])):
        # The words before and after the age are searched in place, not cut out: a note with thousands of
        # ages would otherwise take time in the square of its length.
        relatives = relative or clauses.relative_before(start) or bool(_RELATIVE_AFTER.match(sentence, stop))
        onset = _search_before(_ONSET_BEFORE, sentence, start)
        if onset and describes and onset.group(1) == "in":
            onset = None  # "in a 19-year-old", "ADO2 in 19 yo": the patient
        if not about_relative and not relatives and not onset:
            written = " ".join(sentence[start:stop].split())
            if days is None:
                written = " ".join(written.replace(":", " ").replace("=", " ").split())  # "age: 7" -> "age 7"
                number = written.split()[-1]
                state.notes.append(
                    f"'{written}': an age without a unit may be years or months; not used (write "
                    f"'{number} years' or '{number} months', or give --age)"
                )
            elif days > _MAX_AGE_DAYS:
                state.notes.append(
                    f"'{written}': older than {MAX_AGE_YEARS} years; not used as the age (give --age)"
                )
            else:
                state.ages.append((days, bool(_search_before(_NOW_BEFORE, sentence, start))))
            heading = _search_before(_AGED_BEFORE, sentence, start)
            if heading and heading.start() >= end:
                start = heading.start()  # "Age: 7 yo", "Age: 7 years old": the heading goes with its age
            start, stop = _take_sex_letter(sentence, start, stop, end, state)
        kept.append(sentence[end:start])
        end = stop
    kept.append(sentence[end:])
    sentence = " ".join(kept)
    newborn = _NEWBORN.search(sentence)
    if newborn:
        if not about_relative and not _RELATIVE.search(sentence[newborn.end() :][:30]):
            state.newborn = True
        sentence = sentence[: newborn.start()] + " " + sentence[newborn.end() :]
    return sentence


def _blanked(text: str, spans: list[tuple[int, int, float | None, bool, bool]]) -> str:
    """``text`` with each span (start, end, ...) written over with spaces, in one pass."""
    pieces: list[str] = []
    taken = 0
    for start, end, *_ in sorted(spans, key=lambda span: (span[0], span[1])):
        start = max(start, taken)
        if end <= start:
            continue
        pieces.append(text[taken:start])
        pieces.append(" " * (end - start))
        taken = end
    pieces.append(text[taken:])
    return "".join(pieces)


class _ClauseIndex:
    """Where the clauses of a sentence start (after a comma or colon) and where its relatives' words are,
    found once: whether a relative's word comes earlier in an age's clause is then a look-up, not a search
    of the clause, which a note of thousands of ages in one clause would repeat for each age."""

    def __init__(self, sentence: str) -> None:
        self._separators = [match.start() for match in re.finditer(r"[,:]", sentence)]
        relatives = [(match.start(), match.end()) for match in _RELATIVE.finditer(sentence)]
        self._relative_starts = [start for start, _ in relatives]
        self._relative_ends = [end for _, end in relatives]

    def start(self, end: int) -> int:
        """Where the clause of ``sentence[:end]`` starts: after its last comma or colon."""
        before = bisect_left(self._separators, end)
        return self._separators[before - 1] + 1 if before else 0

    def relative_before(self, end: int) -> bool:
        """Whether a relative's word lies wholly between the start of the clause of ``sentence[:end]`` and
        ``end``: before the age of "mother 30 yo" one does, before that of "mother, 30 yo" none does."""
        first = bisect_left(self._relative_starts, self.start(end))
        return first < len(self._relative_starts) and self._relative_ends[first] <= end


def _search_before(pattern: re.Pattern[str], sentence: str, end: int) -> re.Match[str] | None:
    """``pattern.search(sentence[:end])`` for a pattern that ends at "$" and spans at most
    ``_TAIL_RUNS[pattern]`` runs of non-space characters: it is searched only over those last runs, so that
    each age costs time in proportion to the words next to it, not to the sentence before it."""
    start = end
    for _ in range(_TAIL_RUNS[pattern]):
        while start > 0 and sentence[start - 1].isspace():
            start -= 1
        while start > 0 and not sentence[start - 1].isspace():
            start -= 1
    return pattern.search(sentence, start, end)


def _take_sex_letter(sentence: str, start: int, stop: int, taken: int, state: _State) -> tuple[int, int]:
    """The span of the patient's age at ``start``-``stop`` widened over a lone "F" or "M" next to it ("3 mo M",
    "F, 6-week-old"); the sex goes to ``state``. ``taken``: where the text not yet cut out starts."""
    after = _SEX_LETTER_AFTER.match(sentence, stop)
    if after:
        state.stated_sex.append((_SEX_LETTERS[after.group(1)], after.group(1)))
        return start, after.end()
    before = _SEX_LETTER_BEFORE.search(sentence, taken, start)
    if before:
        written = " ".join(f"{before.group('heading') or ''}{before.group(2)}".split())  # "f", "sex: f"
        state.stated_sex.append((_SEX_LETTERS[before.group(2)], written))
        return before.start("heading") if before.group("heading") else before.start(2), stop
    return start, stop


def _age_part_days(text: str) -> float:
    """The days of an age written with units: "4 months" -> 121.75, "2 years 4 months" -> 852.25."""
    return sum(_number_value(number) * _UNIT_DAYS[unit] for number, unit in _AGE_PART.findall(text))


def _number_value(number: str) -> float:
    """The value of a number as an age gives it: "4" -> 4, "2½" and "2 1/2" -> 2.5, "twenty-four" -> 24."""
    figure = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(\u00bd|1/2)?", number)
    if figure:
        return float(figure.group(1)) + (0.5 if figure.group(2) else 0.0)
    return sum(_NUMBER_WORDS[word] for word in re.split(r"[\s-]+", number))


def _fraction_days(match: re.Match[str]) -> float | None:
    """The days of "4/12", "3/52", "5/7" or "2 4/12", or None when the figures are no age ("0/12", "9/7")."""
    years, numerator, denominator = match.groups()
    unit, largest = _FRACTION_UNITS[denominator]
    count = int(numerator)
    if not 1 <= count <= largest or (years is not None and denominator != "12"):
        return None
    return count * _UNIT_DAYS[unit] + (int(years) * _UNIT_DAYS["y"] if years is not None else 0.0)


def _age(state: _State) -> float | None:
    """The patient's age: the one said to be now, else the only one; several different ages give none."""
    now = [days for days, is_now in state.ages if is_now]
    if now:
        return now[-1]
    distinct = sorted({round(days, 3) for days, _ in state.ages})
    if len(distinct) > 1:
        state.notes.append("several ages in the text; none used (give --age)")
        return None
    return state.ages[0][0] if state.ages else None


def _text_sex(state: _State) -> str | None:
    """The patient's sex from the words, with a note in ``state`` when they disagree.

    A heading ("Sex: F"), a lone letter next to the age and the nouns ("girl", "boy", "daughter", "male") are
    strong; the pronouns ("she", "his") are weak, since they may be another person's. Strong words that
    disagree give no sex; a pronoun that disagrees with strong words gives way to them; pronouns alone that
    disagree give none. Every disagreement is named in a note, as for several ages (see _age).
    """
    strong: dict[str, list[str]] = {"female": [], "male": []}  # the words for each sex, in their order
    weak: dict[str, list[str]] = {"female": [], "male": []}
    for sex, written in state.stated_sex:
        if written not in strong[sex]:
            strong[sex].append(written)
    for words in state.patient_words:
        for match in _SEX_WORD.finditer(words):
            word = match.group()
            sex, kind = (_SEX_NOUNS[word], strong) if word in _SEX_NOUNS else (_SEX_PRONOUNS[word], weak)
            if word not in kind[sex]:
                kind[sex].append(word)
    said = [sex for sex in ("female", "male") if strong[sex]]
    hinted = [sex for sex in ("female", "male") if weak[sex]]
    if len(said) == 2:
        state.notes.append(f"{_disagreement(strong)}; no sex used (give --sex)")
        return None
    if said:
        sex = said[0]
        if weak["male" if sex == "female" else "female"]:
            every = {each: strong[each] + weak[each] for each in strong}
            state.notes.append(
                f"{_disagreement(every)}; {sex} used, as a pronoun may be another person's (give --sex if it "
                "is wrong)"
            )
        return sex
    if len(hinted) == 2:
        state.notes.append(f"{_disagreement(weak)}; no sex used (give --sex)")
        return None
    return hinted[0] if hinted else None


def _disagreement(words: dict[str, list[str]]) -> str:
    """The start of a note that names the words for each sex: "the words disagree on the sex: 'sex f'
    female, 'boy' male"."""
    sides = (", ".join(f"'{word}'" for word in words[sex]) + f" {sex}" for sex in ("female", "male"))
    return "the words disagree on the sex: " + ", ".join(sides)


def _settle(items: list[_Item]) -> None:
    """Decide each phrase's state from the cues around it (NegEx scopes, PMID:12123149).

    A trailing cue first goes back over the list before it ("hepatomegaly and splenomegaly absent"), over
    "and"/"or"/"nor", and over a comma only in a list joined by one of them ("anaemia, pallor and fever
    absent"; in "anaemia, fever absent" the comma ends it), or over the comma before a cue that stands alone
    ("anaemia, absent", "anaemia, to be confirmed"); it stops at a phrase with a cue of its own. The items before
    that comma in a list that a lone cue ends ("anaemia, big spleen, absent": the anaemia) are held back.
    Then the pre-cues go forward as set out in TextParser.parse.
    """
    for i, item in enumerate(items):
        if not (item.post_negation or item.post_hedge):
            continue
        joined = False
        # A cue alone after a comma ("anaemia, absent", "anaemia, to be confirmed") is said of the phrase before
        # it, as if it followed it with no comma (the anaemia was read as observed).
        lone = not item.phrase
        comma = False  # whether a comma ended the cue's way back
        j = i
        while j >= 1:
            connector = items[j].connector
            joined = joined or connector in {"and", "or", "nor"}
            if connector not in {"and", "or", "nor"} and not (
                connector == "," and (joined or (lone and j == i))
            ):
                comma = connector == ","
                break
            j -= 1
            earlier = items[j]
            if not earlier.phrase or _has_cue(earlier):
                break
            if item.post_negation:
                earlier.post_negation = True
                earlier.normal = item.normal  # "BERA and audiogram normal"
            else:
                earlier.post_hedge = earlier.hedged = True
        if lone and comma:
            # "anaemia, big spleen, absent": the lone cue covers the big spleen; whether it covers the anaemia
            # too, as a value of the whole list, or the big spleen only, as "anaemia, big spleen absent" would,
            # the words do not say. A wrongly negated or doubted finding counted as observed is worse than one
            # not read, so the rest of the list without a cue of its own is held back, not guessed.
            cue = " ".join(item.written.split())
            why = (
                f"'{cue}' alone after a later comma may or may not be said of it too; not read (write "
                f"'X and Y {cue}' for both, or '{cue}' right after its own finding)"
            )
            while j >= 1 and items[j].connector in _LIST:
                j -= 1
                earlier = items[j]
                if _has_cue(earlier):
                    break
                earlier.unclear = why
    # Each phrase's list facts, gathered in one pass each so that a long list costs time in proportion to its
    # length, not to its square ("no, " * 4,000 took 6 s): how many connectors up to each phrase are "or"-like
    # and "and"-like, where each phrase's list run starts, and how far the run of list items without a cue
    # goes on after it.
    count_or = [0] * (len(items) + 1)
    count_and = [0] * (len(items) + 1)
    for k, each in enumerate(items):
        count_or[k + 1] = count_or[k] + (each.connector in _OR)
        count_and[k + 1] = count_and[k] + (each.connector in _AND)
    list_start = [0] * len(items)  # the last phrase at or before each one not joined to the one before it
    for k in range(1, len(items)):
        list_start[k] = list_start[k - 1] if items[k].connector in _LIST - _OR else k
    run_ends = list(range(len(items)))  # the last of the uncued list items that follow each phrase
    for k in range(len(items) - 2, -1, -1):
        if items[k + 1].connector in _LIST and not _has_cue(items[k + 1]):
            run_ends[k] = run_ends[k + 1]
    # The last phrase up to each index that gives a finding (see mid_list below), filled in as the phrases
    # are settled: a phrase's state is final once the next phrase is settled.
    last_giving: list[int] = []

    def in_or_list(start: int, k: int) -> bool:
        """Whether phrase ``k`` is joined to phrase ``start`` by "or"-like connectors only, or ends a run of list
        items that an "or"/"nor" closes ("no X, Y or Z")."""
        end = run_ends[k]
        return count_or[k + 1] - count_or[start + 1] == k - start or (
            end > start and items[end].connector in {"or", "nor"}
        )

    def plain_list(start: int, k: int) -> bool:
        """Whether phrase ``k`` is in the plain list after the list cue of phrase ``start`` ("negative for X, Y
        and Z"; see _LIST_CUES): items joined by commas, the last one or none by "and"/"or", without a figure or
        a lab value ("denies fever and rash, big spleen", "denies rash, spleen 6 cm" are not)."""
        end = run_ends[start]
        if k > end:
            return False
        last = False  # whether an "and"/"or" has joined an item: the list's last
        for each in items[start + 1 : end + 1]:
            if not each.phrase:
                continue  # ", and" leaves an empty phrase between the comma and the "and"
            if last or any(c.isdigit() for c in each.written) or "zzlab" in each.written:
                return False
            last = each.connector != ","
        return True

    negation: int | None = None  # the index of the phrase whose pre-cue is in force
    hedge = False
    # The index of the consanguinity phrase whose doubt is in force ("possible consanguinity"), which covers an
    # "or" list only (see _Item.kin); None when the doubt in force is another's.
    hedge_kin: int | None = None
    for i, item in enumerate(items):
        if hedge and hedge_kin is not None and not in_or_list(hedge_kin, i):
            hedge, hedge_kin = False, None
        if item.connector in _RESETTING or item.connector in _EXCEPTION:
            if item.connector in _EXCEPTION and negation is not None and i >= 1:
                # "no fractures other than a femoral fracture": the negation before the exception is only
                # partial, so it is not read.
                before = items[i - 1]
                if before.status == "excluded":
                    before.status = "ambiguous"
                    before.why = "a negation qualified by an exception that follows; not read"
            negation = None
            hedge = False
        elif item.connector not in _LIST and item.connector not in _VERSUS and item.connector:
            negation = None
            hedge = False
        if item.connector == _RATHER:
            item.hedged = True
            item.why = "the alternative set aside after 'rather than'; not read"
        if item.connector in _VERSUS:
            # "osteopetrosis vs pycnodysostosis": both sides are a differential diagnosis.
            item.hedged = True
            if i >= 1:
                items[i - 1].hedged = True
                items[i - 1].status = "uncertain"
        if item.hedged and (item.pre_hedge or not item.post_hedge):
            # A doubt after the words ("X to be confirmed", "X unlikely", "X: ?") goes back over its list (above),
            # not on to the next phrase: "osteopetrosis unlikely, anaemia" held the anaemia back.
            hedge = True
            hedge_kin = i if item.kin else None
        if item.pre_negation:
            negation = i
        if hedge or item.hedged:
            item.status = "uncertain"
            continue
        if item.signs:
            # A sign says what it says ("does not fix and follow"): the negation before it does not reach it, and
            # its own words end that negation's scope, as a finding said to be present does.
            negation = None
            item.status = "excluded" if item.pre_negation or item.post_negation else "observed"
            continue
        if item.pre_negation or item.post_negation:
            item.status = "excluded"
            continue
        if item.affirmed or negation is None:
            negation = None if item.affirmed else negation
            item.status = "observed"
            continue
        # An item after a pre-negation, joined to it by list connectors only.
        item.negated_by = negation
        # The connectors from the negation to this item: all "or"-like, or all "and"-like.
        chain_or = count_or[i + 1] - count_or[negation + 1] == i - negation
        chain_and = count_and[i + 1] - count_and[negation + 1] == i - negation
        run_end = run_ends[i]
        closing = items[run_end].connector if run_end > negation else ""
        # A negation in the middle of a list that has already given findings without one ("anaemia, no
        # fractures, nystagmus"), or after another item with a cue of its own ("no HSM, no fractures,
        # squint"), marks the polarity of its own item: the writer is giving each item its own. The items
        # after it joined by commas are their own; one joined to it by "and"/"&" only is not (see below).
        # The phrases before the negation in its list are settled for good by now.
        while len(last_giving) < negation:
            k = len(last_giving)
            # "infant", "male infant", "findings" are no finding
            words = [w for w in items[k].phrase.split() if w not in _STOP and _word(w) not in _NO_FINDING]
            gives = bool(words) and (items[k].status == "observed" or items[k].pre_negation)
            last_giving.append(k if gives else last_giving[-1] if last_giving else -1)
        mid_list = negation >= 1 and last_giving[negation - 1] >= list_start[negation]
        if chain_or or closing in {"or", "nor"}:
            item.status = "excluded"
            item.normal = items[negation].normal
        elif items[negation].kin:
            # "No consanguinity, anaemia": a negated consanguinity is a fact of family history, not the first
            # of a list of negated findings (see _Item.kin); the anaemia is the patient's, and observed.
            item.status = "observed"
        elif items[negation].listing and plain_list(negation, i):
            # "Negative for fever, fractures and seizures", "denies bruising, bone pain, headaches", also in
            # the middle of a list ("anaemia, denies fever, rash"): the cue's object is the whole list, which ends
            # at the end of its clause or sentence, at a new clause ("with", "has") or at a phrase with a cue of
            # its own ("positive for pallor", "X present"). The rash was held back, or in mid-list observed.
            item.status = "excluded"
        elif mid_list and not chain_and:
            item.status = "observed"
        else:
            # At the start of a list, or joined to a mid-list negation by "and"/"&" only ("anaemia, no HSM and
            # fractures"): "no X and Y" may or may not negate Y, wherever it stands.
            item.status = "ambiguous"
            item.why = (
                "follows a negation in a list that no 'or'/'nor' closes, so it may or may not be negated; "
                "not read (write 'no X or Y', or 'no X; Y')"
            )
    for item in items:
        if item.unclear and item.status == "observed":
            item.status = "ambiguous"
            item.why = item.unclear


def _has_cue(item: _Item) -> bool:
    return item.pre_negation or item.post_negation or item.affirmed or item.hedged or bool(item.signs)
