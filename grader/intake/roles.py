"""Which program plays which role: the server by what it does (bind, listen, accept), the client by connect.

A server is recognised in each shape students write it: a thread per
client around ``accept()``, ``select``/``selectors`` loops (they accept
too), asyncio (``asyncio.start_server``, ``loop.create_server`` with a
Protocol class, ``loop.sock_accept``) and ``socketserver`` (a ``TCPServer``
and a request handler).  A client connects: ``connect()``,
``socket.create_connection``, ``asyncio.open_connection``,
``loop.create_connection``, ``loop.sock_connect``.

A UDP server (labs may allow one) has no connections: its server is
a datagram socket bound to a port that it reads with ``recvfrom()``; its
client a datagram socket that ``sendto()``s (or ``connect()``s) without a
port of its own (no bind, or a bind to port 0).  ``transport`` says which
of the two a program is.

File names (``server.py``, ``task4_server.py``, ``клиент.py``) only break ties:
students name their files anything.
"""

import re

# Each of these alone makes a program a server: it waits for connections.
_SERVES = re.compile(
    r"\.accept\s*\(|sock_accept\s*\(|create_server\s*\(|start_server\s*\(|start_unix_server\s*\("
    r"|socketserver|serve_forever\s*\(|RequestHandler\b")
_CONNECTS = re.compile(r"\.connect\s*\(|create_connection\s*\(|open_connection\s*\(|sock_connect\s*\(")


_DATAGRAM = re.compile(r"SOCK_DGRAM\b")
_RECVFROM = re.compile(r"\.recvfrom(?:_into)?\s*\(|\.recvmsg\s*\(")
_SENDTO = re.compile(r"\.sendto\s*\(|\.connect\s*\(")
_BIND = re.compile(r"\.bind\s*\(([^\n]*)")
_ANY_PORT = re.compile(r",\s*0\s*\)")  # bind((host, 0)): any free port, as a client does


def _fixed_bind(text):
    """Whether some bind() names a port of its own (not 0): what a UDP server does, a client need not."""
    return any(not _ANY_PORT.search(arguments) for arguments in _BIND.findall(text))


def _udp_server(text):
    return bool(_DATAGRAM.search(text) and _RECVFROM.search(text) and _fixed_bind(text))


def _udp_client(text):
    return bool(_DATAGRAM.search(text) and _SENDTO.search(text) and not _fixed_bind(text))


def transport(text):
    """ "udp" when the program speaks datagrams (SOCK_DGRAM, recvfrom/sendto) and never listens; else "tcp"."""
    if not text or _SERVES.search(text) or re.search(r"\.listen\s*\(|SOCK_STREAM", text):
        return "tcp"
    if _DATAGRAM.search(text) and (_RECVFROM.search(text) or _SENDTO.search(text)):
        return "udp"
    return "tcp"


def role_score(path, text, role):
    """How much ``text`` (the file at ``path`` and its local imports) looks like the ``role`` program."""
    name = path.stem.lower()
    score = 0
    serves = bool(_SERVES.search(text)) or _udp_server(text)
    if role == "server":
        score += 4 * serves
        score += 2 * bool(re.search(r"\.listen\s*\(", text))
        score += bool(re.search(r"\.bind\s*\(", text)) + 3 * ("server" in name or "serv" in name or "сервер" in name)
        score -= 3 * ("client" in name or "клиент" in name)
    else:
        score += 4 * (bool(_CONNECTS.search(text)) or _udp_client(text)) - 5 * serves
        score += 3 * ("client" in name or "клиент" in name) - 3 * ("server" in name)
    return score
