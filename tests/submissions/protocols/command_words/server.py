"""IRC-like chat. Commands, one per line:
    NICK <name>     choose a nickname (first)
    /join           enter the room
    MSG <text>      say something to the room
    /quit           leave
Server lines: "JOIN <name>", "PART <name>", "MSG <name> <text>", "ERR <why>".
"""
import socket
import threading

room = {}
room_lock = threading.Lock()


def to_room(line, but=None):
    with room_lock:
        socks = [s for s in room if s is not but]
    for s in socks:
        try:
            s.sendall((line + "\r\n").encode("utf-8"))
        except OSError:
            pass


def session(sock):
    nick = None
    reader = sock.makefile("r", encoding="utf-8", newline="\n")
    try:
        for raw in reader:
            cmd, _, arg = raw.strip().partition(" ")
            if cmd == "NICK" and arg:
                nick = arg
                sock.sendall(b"OK\r\n")
            elif cmd == "/join" and nick:
                with room_lock:
                    room[sock] = nick
                to_room("JOIN " + nick, but=sock)
            elif cmd == "MSG" and sock in room:
                to_room("MSG " + nick + " " + arg, but=sock)
            elif cmd == "/quit":
                break
            else:
                sock.sendall(b"ERR unknown command\r\n")
    except OSError:
        pass
    with room_lock:
        joined = room.pop(sock, None)
    sock.close()
    if joined:
        to_room("PART " + nick)


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 6667))
    srv.listen()
    while True:
        sock, _ = srv.accept()
        threading.Thread(target=session, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C: the client threads are daemons, so this ends it
        print("server stopped")
