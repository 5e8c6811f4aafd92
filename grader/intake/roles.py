"""Which program plays which role: the server by what it does (bind, listen, accept), the client by connect.

A server is recognised in each shape students write it: a thread per
client around ``accept()``, ``select``/``selectors`` loops (they accept
too), asyncio (``asyncio.start_server``, ``loop.create_server`` with a
Protocol class, ``loop.sock_accept``) and ``socketserver`` (a ``TCPServer``
and a request handler).  A client connects: ``connect()``,
``socket.create_connection``, ``asyncio.open_connection``,
``loop.create_connection``, ``loop.sock_connect``.

File names (``server.py``, ``task4_server.py``, ``клиент.py``) only break ties:
students name their files anything.
"""

import re

# Each of these alone makes a program a server: it waits for connections.
_SERVES = re.compile(
    r"\.accept\s*\(|sock_accept\s*\(|create_server\s*\(|start_server\s*\(|start_unix_server\s*\("
    r"|socketserver|serve_forever\s*\(|RequestHandler\b")
_CONNECTS = re.compile(r"\.connect\s*\(|create_connection\s*\(|open_connection\s*\(|sock_connect\s*\(")


def role_score(path, text, role):
    """How much ``text`` (the file at ``path`` and its local imports) looks like the ``role`` program."""
    name = path.stem.lower()
    score = 0
    serves = bool(_SERVES.search(text))
    if role == "server":
        score += 4 * serves
        score += 2 * bool(re.search(r"\.listen\s*\(", text))
        score += bool(re.search(r"\.bind\s*\(", text)) + 3 * ("server" in name or "serv" in name or "сервер" in name)
        score -= 3 * ("client" in name or "клиент" in name)
    else:
        score += 4 * bool(_CONNECTS.search(text)) - 5 * serves
        score += 3 * ("client" in name or "клиент" in name) - 3 * ("server" in name)
    return score
