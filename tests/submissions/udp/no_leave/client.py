# UDP-чат: клиент. Приём сообщений — в отдельном потоке.
import socket
import threading

SERVER = ("127.0.0.1", 5050)

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def receive():
    while True:
        try:
            data, _ = sock.recvfrom(1024)
        except OSError:
            break
        print(data.decode("utf-8"))


name = input("Введите имя: ")
sock.sendto(name.encode("utf-8"), SERVER)
threading.Thread(target=receive, daemon=True).start()

while True:
    try:
        text = input()
    except EOFError:
        text = "exit"
    sock.sendto(text.encode("utf-8"), SERVER)
    if text == "exit":
        break
sock.close()
