"""Pairs of submissions whose code is suspiciously alike, for a person to judge.

Token fingerprints with winnowing (Schleimer, Wilkerson, Aiken: "Winnowing:
local algorithms for document fingerprinting", the method behind MOSS):
the code is tokenized with Python's own ``tokenize``; names, strings and
numbers become placeholders and comments and blank lines are dropped, so
renaming variables, rewording comments or reformatting changes nothing.
Hashes of every run of ``K`` tokens are winnowed (the minimum of each
window of ``WINDOW`` hashes is kept), which guarantees that any shared run
of ``K + WINDOW - 1`` tokens is found.

Code everybody shares (the socket boilerplate every server has, the
assignment's own snippets) says nothing about copying: fingerprints found
in too many submissions are ignored, and the caller may pass a baseline.
"""

import hashlib
import io
import keyword
import tokenize
from collections import defaultdict
from dataclasses import dataclass

K = 12          # tokens per k-gram: shorter runs are common Python idiom, not copying
WINDOW = 6      # winnowing window: a shared run of K + WINDOW - 1 = 17 tokens is always seen
MIN_SHARED = 8  # fewer shared fingerprints than this is too little code to call a pair
COMMON_SHARE = 0.5  # a fingerprint in more than this share of a class's submissions is boilerplate
COMMON_MAX = 50     # ... or in more than this many: in a class of thousands, also bounds the pairs to count

_DROP = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}


def normalized_tokens(source):
    """The tokens of ``source`` with identifiers, strings and numbers replaced by placeholders.

    Code that does not tokenize (a syntax error half way) keeps the tokens
    before the error: a broken copy is still a copy.
    """
    out = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type in _DROP:
                continue
            if token.type == tokenize.NAME:
                out.append(token.string if keyword.iskeyword(token.string) else "N")
            elif token.type == tokenize.STRING:
                out.append("S")
            elif token.type == tokenize.NUMBER:
                out.append("0")
            elif token.type == tokenize.NEWLINE:
                out.append(";")
            elif token.type == tokenize.INDENT:
                out.append("{")
            elif token.type == tokenize.DEDENT:
                out.append("}")
            else:
                out.append(token.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


def _hash(gram):
    # Not hash(): it is salted per process, and fingerprints are stored and compared across runs and shards.
    return int.from_bytes(hashlib.blake2b("\x1f".join(gram).encode(), digest_size=8).digest(), "big")


def fingerprints(sources, baseline=frozenset()):
    """The winnowed fingerprints (a frozenset of ints) of a program given as a list of source texts."""
    selected = set()
    for source in sources:
        tokens = normalized_tokens(source)
        hashes = [_hash(tokens[i:i + K]) for i in range(len(tokens) - K + 1)]
        if 0 < len(hashes) < WINDOW:
            selected.add(min(hashes))
        for start in range(len(hashes) - WINDOW + 1):
            window = hashes[start:start + WINDOW]
            selected.add(min(window))
    return frozenset(selected - baseline)


@dataclass(frozen=True)
class Pair:
    """Two submissions and how much of their code they share."""

    a: str
    b: str
    score: float   # shared fingerprints / fingerprints of either (Jaccard), 0..1
    shared: int


def similar_pairs(prints, threshold=0.5):
    """Pairs whose similarity is at least ``threshold``, most similar first.

    ``prints`` maps a submission's name to its fingerprints.  An inverted
    index compares only submissions that share something, so a class of
    thousands stays cheap.
    """
    names = sorted(name for name, found in prints.items() if found)
    # The cut starts at 4 submissions: in a class of 4 a fingerprint all of them share is boilerplate.
    common = max(3, min(COMMON_MAX, int(COMMON_SHARE * len(names))))
    holders = defaultdict(list)
    for name in names:
        for value in prints[name]:
            holders[value].append(name)
    rare = {value for value, who in holders.items() if len(who) <= common}
    kept = {name: prints[name] & rare for name in names}
    shared = defaultdict(int)
    for value in rare:
        who = holders[value]
        for i, a in enumerate(who):
            for b in who[i + 1:]:
                shared[a, b] += 1
    pairs = []
    for (a, b), count in shared.items():
        union = len(kept[a] | kept[b])
        score = count / union if union else 0.0
        if count >= MIN_SHARED and score >= threshold:
            pairs.append(Pair(a, b, round(score, 3), count))
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))
