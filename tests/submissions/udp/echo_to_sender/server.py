# UDP-чат: сервер. Клиенты хранятся по адресу, первое сообщение — имя.
import socket

HOST = "0.0.0.0"
PORT = 5050

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((HOST, PORT))
print("Сервер запущен на порту", PORT)

clients = {}  # адрес -> имя


def send_all(text, skip=None):
    for address in list(clients):
        if address != skip:
            sock.sendto(text.encode("utf-8"), address)


while True:
    data, addr = sock.recvfrom(1024)
    message = data.decode("utf-8").strip()
    if addr not in clients:
        clients[addr] = message
        print(message, "подключился", addr)
        sock.sendto(f"{message}, добро пожаловать!".encode("utf-8"), addr)
        continue
    name = clients[addr]
    if message == "exit":
        del clients[addr]
        sock.sendto(f"{name}, пока!".encode("utf-8"), addr)
        continue
    sock.sendto(f"[{name}] {message}".encode("utf-8"), addr)
