"""Which program plays which role: the server by what it does (bind, listen, accept), the client by connect.

File names (``server.py``, ``task4_server.py``, ``клиент.py``) only break ties:
students name their files anything.
"""

import re


def role_score(path, text, role):
    """How much ``text`` (the file at ``path`` and its local imports) looks like the ``role`` program."""
    name = path.stem.lower()
    score = 0
    if role == "server":
        score += 4 * bool(re.search(r"\.accept\s*\(|create_server\s*\(|socketserver", text))
        score += 2 * bool(re.search(r"\.listen\s*\(", text))
        score += bool(re.search(r"\.bind\s*\(", text)) + 3 * ("server" in name or "serv" in name or "сервер" in name)
        score -= 3 * ("client" in name or "клиент" in name)
    else:
        has_accept = bool(re.search(r"\.accept\s*\(|create_server\s*\(", text))
        score += 4 * bool(re.search(r"\.connect\s*\(|create_connection\s*\(", text)) - 5 * has_accept
        score += 3 * ("client" in name or "клиент" in name) - 3 * ("server" in name)
    return score
